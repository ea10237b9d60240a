"""The reference note's store on a real server: its append with and without the row-count
check, its one-row snapshots, and the column comparison notebook 09 prints."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import UUID

import pytest

from esbank import ConcurrencyConflict
from esbank.eventstore.postgres_connect import EVENT_COLUMNS
from esbank.eventstore.postgres_snapshots import SNAPSHOT_SCHEMA
from esbank.teach.postgres import (
    EVENTS_DDL,
    connect,
    create_note_tables,
    events_compared,
    note_append,
    note_events,
    note_save_snapshot,
    snapshots_compared,
    table_columns,
)

A = UUID(int=0xA)


@pytest.fixture
def conn(conninfo: str) -> Iterator[Any]:
    with connect(conninfo) as opened:
        create_note_tables(opened)
        yield opened


def test_the_row_count_check_turns_a_lost_race_into_a_conflict(conn: Any) -> None:
    assert note_append(conn, A, 0, "AccountOpened", {"owner": "Ada"}) == 1
    assert note_append(conn, A, 1, "MoneyDeposited", {"amount": 5}) == 2
    with pytest.raises(ConcurrencyConflict) as info:
        note_append(conn, A, 1, "MoneyDeposited", {"amount": 9})
    assert (info.value.expected, info.value.actual) == (1, 2)
    assert note_events(conn, A)["version"].tolist() == [1, 2]


def test_without_the_check_a_lost_race_is_a_lost_event(conn: Any) -> None:
    note_append(conn, A, 0, "AccountOpened", {"owner": "Ada"})
    assert note_append(conn, A, 1, "MoneyDeposited", {"amount": 5}, check_rows=False) == 2
    assert note_append(conn, A, 1, "MoneyDeposited", {"amount": 9}, check_rows=False) == 2
    events = note_events(conn, A)
    assert events["payload"].tolist() == ['{"owner": "Ada"}', '{"amount": 5}']


def test_the_notes_snapshots_keep_one_row_per_account(conn: Any) -> None:
    for version in (5, 10, 15):
        assert note_save_snapshot(conn, A, version, {"version": version}) == 1
    assert conn.execute("SELECT version FROM note.snapshots").fetchall() == [(15,)]


def test_the_comparison_names_every_column_of_both_stores(conn: Any) -> None:
    events = events_compared()
    assert list(events.columns) == ["column", "reference note", "esbank", "why"]
    kit = [c for c in events["column"] if not c.startswith("(")]
    assert kit == [name for name, _ in EVENT_COLUMNS]
    note = table_columns(conn, "note", "events")["column"].tolist()
    assert note == ["aggregate_id", "version", "event_type", "payload", "created_at"]
    for column in note:
        if column != "created_at":
            assert events.loc[events["column"] == column, "reference note"].item() != "—"
    snapshots = snapshots_compared()["column"].tolist()
    assert all(name in SNAPSHOT_SCHEMA for name in snapshots)
    assert "PRIMARY KEY (aggregate_id, version)" in SNAPSHOT_SCHEMA
    assert EVENTS_DDL.strip().startswith("CREATE TABLE IF NOT EXISTS events")
