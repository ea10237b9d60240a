"""Raw snapshot rows in the event store's own database: derived data, never the truth.

A snapshot is an aggregate's state saved at one version, so a load can start there and replay
only the events after it. This module stores and finds the rows; what a state looks like as
JSON, and whether a row can be trusted, is decided by the application layer.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC
from typing import TYPE_CHECKING, Any, Protocol
from uuid import UUID

import pandas as pd

from esbank.domain.errors import InvalidArgument
from esbank.eventstore.duckdb_sql import DuckDBSqlSide
from esbank.eventstore.types import StoredSnapshot

if TYPE_CHECKING:
    from esbank.eventstore.duckdb_store import DuckDBEventStore

SNAPSHOT_SCHEMA = """
CREATE TABLE IF NOT EXISTS snapshots (
    aggregate_id   UUID NOT NULL,
    version        BIGINT NOT NULL,
    schema_version INTEGER NOT NULL,
    state          JSON NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (aggregate_id, version)
);
"""


SNAPSHOT_COLUMNS = "aggregate_id, version, schema_version, state, created_at"


class SnapshotSql(Protocol):
    """What the shared snapshot queries need from a store: ``?``-parameter statements."""

    def sql(self, sql: str, parameters: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...

    def query(self, sql: str, parameters: Any = None) -> pd.DataFrame: ...


class SnapshotRows:
    """Finding, deleting and listing snapshot rows: the same SQL on every backend (each
    backend's store creates its table and saves rows in its own dialect)."""

    events: SnapshotSql

    def latest(self, aggregate_id: UUID, *, at_most: int | None = None) -> StoredSnapshot | None:
        """The newest snapshot of ``aggregate_id`` at or below version ``at_most``."""
        sql = f"SELECT {SNAPSHOT_COLUMNS} FROM snapshots WHERE aggregate_id = ?"
        params: list[object] = [aggregate_id]
        if at_most is not None:
            sql += " AND version <= ?"
            params.append(at_most)
        rows = self.events.sql(sql + " ORDER BY version DESC LIMIT 1", params)
        if not rows:
            return None
        row = rows[0]
        return StoredSnapshot(row[0], row[1], row[2], row[3], row[4].astimezone(UTC))

    def delete(self, aggregate_id: UUID | None = None, *, version: int | None = None) -> int:
        """Delete snapshots (of one aggregate, or one version of it, or all); return how many."""
        sql, params = "DELETE FROM snapshots", []
        if aggregate_id is not None:
            sql += " WHERE aggregate_id = ?"
            params.append(aggregate_id)
            if version is not None:
                sql += " AND version = ?"
                params.append(version)
        rows = self.events.sql(sql, params)
        return int(rows[0][0]) if rows else 0

    def frame(self) -> pd.DataFrame:
        """Every snapshot row as a DataFrame, ordered by aggregate and version."""
        return self.events.query(
            f"SELECT {SNAPSHOT_COLUMNS} FROM snapshots ORDER BY aggregate_id, version"
        )


class DuckDBSnapshotStore(SnapshotRows):
    """The ``snapshots`` table next to the ``events`` table of a ``DuckDBEventStore``."""

    def __init__(self, events: DuckDBEventStore) -> None:
        if not isinstance(events, DuckDBSqlSide):
            raise InvalidArgument(
                f"snapshots live beside a DuckDBEventStore, got {type(events).__name__}"
            )
        self.events = events
        events.sql(SNAPSHOT_SCHEMA)

    def save(self, aggregate_id: UUID, version: int, schema_version: int, state: str) -> None:
        """Store (or replace) the snapshot of ``aggregate_id`` at ``version``."""
        created_at = self.events.now()
        self.events.sql(
            "INSERT OR REPLACE INTO snapshots VALUES (?, ?, ?, ?, ?)",
            [aggregate_id, version, schema_version, state, created_at],
        )

