"""Raw snapshot rows in PostgreSQL, beside the events: derived data, never the truth.

The same behaviour as ``DuckDBSnapshotStore``: many snapshots per aggregate (one per version
it was taken at), so a load as of an old version can start from an old snapshot.
"""

from __future__ import annotations

from datetime import UTC
from typing import TYPE_CHECKING
from uuid import UUID

import pandas as pd

from esbank.domain.errors import InvalidArgument
from esbank.eventstore.types import StoredSnapshot

if TYPE_CHECKING:
    from esbank.eventstore.postgres import PostgresEventStore

SNAPSHOT_SCHEMA = """
CREATE TABLE IF NOT EXISTS snapshots (
    aggregate_id   UUID NOT NULL,
    version        BIGINT NOT NULL,
    schema_version INTEGER NOT NULL,
    state          JSONB NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (aggregate_id, version)
)
"""


class PostgresSnapshotStore:
    """The ``snapshots`` table next to the ``events`` table of a ``PostgresEventStore``."""

    def __init__(self, events: PostgresEventStore) -> None:
        from esbank.eventstore.postgres import PostgresEventStore

        if not isinstance(events, PostgresEventStore):
            raise InvalidArgument(
                f"snapshots live beside a PostgresEventStore, got {type(events).__name__}"
            )
        self.events = events
        with events.transaction() as conn:
            conn.execute(SNAPSHOT_SCHEMA)

    def save(self, aggregate_id: UUID, version: int, schema_version: int, state: str) -> None:
        """Store (or replace) the snapshot of ``aggregate_id`` at ``version``."""
        self.events.sql(
            "INSERT INTO snapshots VALUES (?, ?, ?, CAST(? AS JSONB), ?) "
            "ON CONFLICT (aggregate_id, version) DO UPDATE SET "
            "schema_version = excluded.schema_version, state = excluded.state, "
            "created_at = excluded.created_at",
            [aggregate_id, version, schema_version, state, self.events.now()],
        )

    def latest(self, aggregate_id: UUID, *, at_most: int | None = None) -> StoredSnapshot | None:
        """The newest snapshot of ``aggregate_id`` at or below version ``at_most``."""
        sql = (
            "SELECT aggregate_id, version, schema_version, state, created_at FROM snapshots "
            "WHERE aggregate_id = ?"
        )
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
            "SELECT aggregate_id, version, schema_version, state, created_at FROM snapshots "
            "ORDER BY aggregate_id, version"
        )
