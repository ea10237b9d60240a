"""Notebook 02, the event store and concurrency: racing tellers, conflict rates, the race
panel, statement counts, what DuckDB does with two writers at one version, and the checks of
the two exercises (a retry loop, an event store of the learner's own)."""

from esbank.teach.concurrency import checks
from esbank.teach.concurrency.chart import plot_conflict_rates
from esbank.teach.concurrency.clashes import race_tally, scripted_clashes
from esbank.teach.concurrency.events_table import compact_events, id_legend
from esbank.teach.concurrency.panel import RacePanel, race_panel
from esbank.teach.concurrency.scenario import race_scenario, teller_command
from esbank.teach.conflicts import (
    ConflictRun,
    conflict_rates,
    simulate_conflict_run,
    simulate_conflicts,
)
from esbank.teach.race import (
    Race,
    RaceResult,
    RaceStep,
    TellerResult,
    new_race_account,
    parse_schedule,
    run_race,
)
from esbank.teach.source import show_source, show_sql
from esbank.teach.sqllog import StatementLog, statement_log

__all__ = [
    "ConflictRun",
    "Race",
    "RacePanel",
    "RaceResult",
    "RaceStep",
    "StatementLog",
    "TellerResult",
    "checks",
    "compact_events",
    "conflict_rates",
    "id_legend",
    "new_race_account",
    "parse_schedule",
    "plot_conflict_rates",
    "race_panel",
    "race_scenario",
    "race_tally",
    "run_race",
    "scripted_clashes",
    "show_source",
    "show_sql",
    "simulate_conflict_run",
    "simulate_conflicts",
    "statement_log",
    "teller_command",
]
