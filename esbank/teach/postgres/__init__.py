"""Notebook 09, from DuckDB to PostgreSQL: the lesson's database, the reference note's tables
and append beside esbank's, the bigserial trap step by step (model, chart, panel), the two
snapshot policies and the ``append_event`` check."""

from esbank.eventstore.postgres_connect import SCHEMA as EVENTS_DDL
from esbank.eventstore.postgres_snapshots import SNAPSHOT_SCHEMA as SNAPSHOTS_DDL
from esbank.teach.postgres import checks
from esbank.teach.postgres.chart import plot_commit_order
from esbank.teach.postgres.database import connect, drop_lesson_database, lesson_database
from esbank.teach.postgres.note import (
    NOTE_DDL,
    create_note_tables,
    note_append,
    note_events,
    note_save_snapshot,
)
from esbank.teach.postgres.panel import TailPanel, tail_panel
from esbank.teach.postgres.schema import events_compared, snapshots_compared, table_columns
from esbank.teach.postgres.snapshots import policies_compared, replayed
from esbank.teach.postgres.tailing import SCRIPT, STRATEGIES, TailRace, TailState

__all__ = [
    "EVENTS_DDL",
    "NOTE_DDL",
    "SCRIPT",
    "SNAPSHOTS_DDL",
    "STRATEGIES",
    "TailPanel",
    "TailRace",
    "TailState",
    "checks",
    "connect",
    "create_note_tables",
    "drop_lesson_database",
    "events_compared",
    "lesson_database",
    "note_append",
    "note_events",
    "note_save_snapshot",
    "plot_commit_order",
    "policies_compared",
    "replayed",
    "snapshots_compared",
    "table_columns",
    "tail_panel",
]
