"""Raw snapshot rows in PostgreSQL, beside the events: derived data, never the truth.

The same behaviour as ``DuckDBSnapshotStore``: many snapshots per aggregate (one per version
it was taken at), so a load as of an old version can start from an old snapshot.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from esbank.domain.errors import InvalidArgument
from esbank.eventstore.snapshot_store import SnapshotRows

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


class PostgresSnapshotStore(SnapshotRows):
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
