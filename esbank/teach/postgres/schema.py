"""The reference note's tables beside esbank's, column by column, and why each column exists."""

from __future__ import annotations

import pandas as pd

# (column, the note's type, esbank's type, why esbank has it as it is)
EVENT_COLUMNS: list[tuple[str, str, str, str]] = [
    ("position", "—", "BIGINT PRIMARY KEY",
     "one global order for projectors and subscribers (read_all after a checkpoint); "
     "handed out under the writer lock, so gap-free and in commit order"),
    ("aggregate_id", "UUID NOT NULL", "UUID NOT NULL", "the stream"),
    ("version", "BIGINT NOT NULL", "BIGINT NOT NULL",
     "1, 2, 3 … per stream; with aggregate_id it is the concurrency guard"),
    ("(aggregate_id, version)", "PRIMARY KEY", "UNIQUE",
     "a second writer at the same version is refused; in PostgreSQL this index also serves "
     "WHERE aggregate_id = ? (its leading column)"),
    ("event_id", "—", "UUID NOT NULL UNIQUE",
     "idempotent retries: the same ids again return the first result, never a second copy"),
    ("event_type", "TEXT NOT NULL", "TEXT NOT NULL",
     "the class name (the note's Rust writes a debug dump of the event here)"),
    ("schema_version", "—", "INTEGER NOT NULL",
     "which shape the payload has, from day one, so old rows can be upcast when read"),
    ("payload", "JSONB NOT NULL", "JSONB NOT NULL", "the event's fields"),
    ("metadata", "—", "JSONB", "command, idempotency key and fingerprint of the command"),
    ("recorded_at", "created_at TIMESTAMPTZ DEFAULT now()", "TIMESTAMPTZ NOT NULL",
     "from the store's injected clock (time travel, deterministic tests), not the server's"),
]  # fmt: skip

SNAPSHOT_COLUMNS: list[tuple[str, str, str, str]] = [
    ("aggregate_id", "UUID PRIMARY KEY", "UUID NOT NULL",
     "the note keeps one row per account; esbank keeps one per version it was taken at"),
    ("version", "BIGINT NOT NULL", "BIGINT NOT NULL",
     "in esbank part of the key (aggregate_id, version)"),
    ("schema_version", "—", "INTEGER NOT NULL",
     "a snapshot of another shape is ignored and rebuilt from the events"),
    ("state", "JSONB NOT NULL", "JSONB NOT NULL", "the whole state at that version"),
    ("created_at", "TIMESTAMPTZ DEFAULT now()", "TIMESTAMPTZ NOT NULL", "from the store clock"),
]  # fmt: skip

_HEADERS = ["column", "reference note", "esbank", "why"]


def events_compared() -> pd.DataFrame:
    """The note's ``events`` table beside esbank's, one row per column (— = not there)."""
    return pd.DataFrame(EVENT_COLUMNS, columns=_HEADERS)


def snapshots_compared() -> pd.DataFrame:
    """The note's ``snapshots`` table beside esbank's, one row per column."""
    return pd.DataFrame(SNAPSHOT_COLUMNS, columns=_HEADERS)


def table_columns(conn: object, schema: str, table: str) -> pd.DataFrame:
    """The columns of a table as the server describes them (information_schema)."""
    rows = conn.execute(  # type: ignore[attr-defined]
        "SELECT column_name, data_type, is_nullable FROM information_schema.columns "
        "WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position",
        [schema, table],
    ).fetchall()
    return pd.DataFrame(rows, columns=["column", "type", "nullable"])
