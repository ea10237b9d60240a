"""Notebook 02, exercise 2 (solution): an append-only event store on a bare DuckDB connection."""

import json
from uuid import UUID

import duckdb

from esbank import ConcurrencyConflict

# DuckDB reports a clash on the key as an error when the other writer's row is not yet
# visible to this statement, instead of doing nothing: both mean "someone else wrote first".
CLASHES = (duckdb.ConstraintException, duckdb.TransactionException)


class MyEventStore:
    """One ``events`` table; a stream's versions are 1, 2, 3, … with no gap and no repeat."""

    def __init__(self, conn: duckdb.DuckDBPyConnection) -> None:
        self.conn = conn
        conn.execute(
            "CREATE TABLE IF NOT EXISTS events (aggregate_id UUID NOT NULL, "
            "version BIGINT NOT NULL, event_type TEXT NOT NULL, payload JSON NOT NULL, "
            "PRIMARY KEY (aggregate_id, version))"
        )

    def version(self, aggregate_id: UUID) -> int:
        """The stream's current version (0: no events yet)."""
        sql = "SELECT coalesce(max(version), 0) FROM events WHERE aggregate_id = ?"
        return self.conn.execute(sql, [aggregate_id]).fetchone()[0]

    def append(self, aggregate_id: UUID, expected_version: int, events: list[dict]) -> int:
        """Store ``events`` as versions expected_version + 1, + 2, …, all or nothing; return
        the stream's new version, or raise ConcurrencyConflict and store nothing."""
        rows = [
            (aggregate_id, expected_version + i, event["type"], json.dumps(event))
            for i, event in enumerate(events, start=1)
        ]
        # One statement, so it is atomic: the rows go in only while the stream is still at
        # expected_version, and the key refuses a version someone else has taken.
        sql = (
            "INSERT INTO events SELECT * FROM (VALUES "
            + ", ".join(["(?::UUID, ?::BIGINT, ?, ?::JSON)"] * len(rows))
            + ") WHERE (SELECT coalesce(max(version), 0) FROM events WHERE aggregate_id = ?) = ? "
            "ON CONFLICT (aggregate_id, version) DO NOTHING"
        )
        params = [value for row in rows for value in row] + [aggregate_id, expected_version]
        try:
            inserted = self.conn.execute(sql, params).fetchone()[0]
        except CLASHES as clash:
            raise ConcurrencyConflict(
                aggregate_id, expected_version, self.version(aggregate_id)
            ) from clash
        if inserted != len(rows):  # the row count: 0 means another writer was first
            raise ConcurrencyConflict(aggregate_id, expected_version, self.version(aggregate_id))
        return expected_version + len(rows)

    def read(self, aggregate_id: UUID) -> list[dict]:
        """The stream's events, oldest first."""
        sql = "SELECT payload FROM events WHERE aggregate_id = ? ORDER BY version"
        return [json.loads(p) for (p,) in self.conn.execute(sql, [aggregate_id]).fetchall()]
