"""The reference note's event store, as its Rust and Go code run it, on a real server.

Its ``events`` table has no global position, no event id and no schema version; the primary
key ``(aggregate_id, version)`` is the concurrency guard. An append is ``INSERT … ON CONFLICT
(aggregate_id, version) DO NOTHING`` followed by a check of the row count: 0 rows means another
writer took that version first. Skip the check and a lost race is silently a lost event.
"""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

import pandas as pd

from esbank.eventstore.errors import ConcurrencyConflict

NOTE_SCHEMA = "note"
# The note's two tables, column for column, in a schema of their own.
NOTE_DDL = f"""
CREATE SCHEMA IF NOT EXISTS {NOTE_SCHEMA};
CREATE TABLE IF NOT EXISTS {NOTE_SCHEMA}.events (
    aggregate_id UUID        NOT NULL,
    version      BIGINT      NOT NULL,
    event_type   TEXT        NOT NULL,
    payload      JSONB       NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (aggregate_id, version)
);
CREATE TABLE IF NOT EXISTS {NOTE_SCHEMA}.snapshots (
    aggregate_id UUID        PRIMARY KEY,
    version      BIGINT      NOT NULL,
    state        JSONB       NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);
"""


def create_note_tables(conn: Any) -> None:
    """Create the note's ``events`` and ``snapshots`` tables (schema ``note``) if missing."""
    conn.execute(NOTE_DDL)


def note_append(
    conn: Any,
    aggregate_id: UUID,
    expected_version: int,
    event_type: str,
    payload: dict[str, Any],
    *,
    check_rows: bool = True,
) -> int:
    """The note's ``append_event``: insert at ``expected_version + 1``, ON CONFLICT DO NOTHING.

    With ``check_rows`` a row count of 0 raises ``ConcurrencyConflict`` (the note's "optimistic
    concurrency conflict"); without it the call returns as if it had written. Returns the
    version it claims to have written."""
    cursor = conn.execute(
        f"INSERT INTO {NOTE_SCHEMA}.events (aggregate_id, version, event_type, payload) "
        "VALUES (%s, %s, %s, %s) ON CONFLICT (aggregate_id, version) DO NOTHING",
        [aggregate_id, expected_version + 1, event_type, json.dumps(payload)],
    )
    if check_rows and cursor.rowcount == 0:
        actual = conn.execute(
            f"SELECT coalesce(max(version), 0) FROM {NOTE_SCHEMA}.events WHERE aggregate_id = %s",
            [aggregate_id],
        ).fetchone()[0]
        raise ConcurrencyConflict(aggregate_id, expected_version, int(actual))
    return expected_version + 1


def note_events(conn: Any, aggregate_id: UUID) -> pd.DataFrame:
    """The note's stored events of one account, in version order (without the timestamp)."""
    rows = conn.execute(
        f"SELECT version, event_type, payload::text FROM {NOTE_SCHEMA}.events "
        "WHERE aggregate_id = %s ORDER BY version",
        [aggregate_id],
    ).fetchall()
    return pd.DataFrame(rows, columns=["version", "event_type", "payload"])


def note_save_snapshot(conn: Any, aggregate_id: UUID, version: int, state: dict[str, Any]) -> int:
    """The note's snapshot write: one row per account, replaced by each newer snapshot.
    Returns how many snapshot rows the account has afterwards (always 1)."""
    conn.execute(
        f"INSERT INTO {NOTE_SCHEMA}.snapshots (aggregate_id, version, state) "
        "VALUES (%s, %s, %s) ON CONFLICT (aggregate_id) DO UPDATE "
        "SET version = excluded.version, state = excluded.state, created_at = now()",
        [aggregate_id, version, json.dumps(state)],
    )
    return int(
        conn.execute(
            f"SELECT count(*) FROM {NOTE_SCHEMA}.snapshots WHERE aggregate_id = %s",
            [aggregate_id],
        ).fetchone()[0]
    )
