"""Reading the DuckDB event store: one stream, several streams, the global log, time travel.

Every read runs on the store's own connection under the writer lock, checks the rows it got
(a gap in versions or positions is ``CorruptEvent``) and decodes them through the store's
``EventRegistry``. A read of a stream's end also tells the writer the stream's version, so
the next append to it needs no SELECT.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

import duckdb

from esbank.domain.arguments import require_aware, require_int, require_uuid
from esbank.domain.errors import InvalidArgument
from esbank.eventstore.duckdb_rows import (
    COLUMNS,
    check_contiguous,
    check_positions,
    recorded,
)
from esbank.eventstore.types import RecordedEvent

if TYPE_CHECKING:
    from esbank.eventstore.duckdb_store import DuckDBEventStore


class DuckDBReads:
    """The read operations of a ``DuckDBEventStore`` (mixed into it)."""

    def read_stream(
        self: DuckDBEventStore,
        aggregate_id: UUID,
        *,
        from_version: int = 1,
        to_version: int | None = None,
    ) -> list[RecordedEvent]:
        """The events of one stream in version order, from ``from_version`` to ``to_version``."""
        require_uuid("aggregate_id", aggregate_id)
        require_int("from_version", from_version, minimum=1)
        sql = f"SELECT {COLUMNS} FROM events WHERE aggregate_id = ? AND version >= ?"
        params: list[Any] = [aggregate_id, from_version]
        if to_version is not None:
            require_int("to_version", to_version, minimum=0)
            sql += " AND version <= ?"
            params.append(to_version)
        with self._using("reading a stream") as conn:
            rows = conn.execute(sql + " ORDER BY version", params).fetchall()
            check_contiguous(aggregate_id, rows, from_version)
            reached_end = to_version is None or len(rows) < to_version - from_version + 1
            if reached_end and (rows or from_version == 1):
                self._db.remember(aggregate_id, from_version + len(rows) - 1)
        return [recorded(row, self.registry) for row in rows]

    def read_streams(
        self: DuckDBEventStore, aggregate_ids: Sequence[UUID]
    ) -> dict[UUID, list[RecordedEvent]]:
        """Whole streams of several aggregates in one query (an empty list for a new one)."""
        if isinstance(aggregate_ids, str | bytes) or not isinstance(aggregate_ids, Sequence):
            raise InvalidArgument("aggregate_ids must be a list of uuid.UUID")
        streams = list(dict.fromkeys(aggregate_ids))
        for aggregate_id in streams:
            require_uuid("aggregate_id", aggregate_id)
        found: dict[UUID, list[Any]] = {s: [] for s in streams}
        if not streams:
            return {}
        with self._using("reading streams") as conn:
            rows = conn.execute(
                f"SELECT {COLUMNS} FROM events WHERE aggregate_id IN "
                f"({', '.join('?' * len(streams))}) ORDER BY aggregate_id, version",
                streams,
            ).fetchall()
            for row in rows:
                found[row[1]].append(row)
            for aggregate_id, stream_rows in found.items():
                check_contiguous(aggregate_id, stream_rows, 1)
                self._db.remember(aggregate_id, len(stream_rows))
        return {
            s: [recorded(row, self.registry) for row in stream_rows]
            for s, stream_rows in found.items()
        }

    def read_all(
        self: DuckDBEventStore, *, after_position: int = 0, limit: int | None = None
    ) -> list[RecordedEvent]:
        """Every event after ``after_position`` in global order, at most ``limit`` of them."""
        require_int("after_position", after_position, minimum=0)
        sql = f"SELECT {COLUMNS} FROM events WHERE position > ? ORDER BY position"
        params: list[Any] = [after_position]
        if limit is not None:
            require_int("limit", limit, minimum=1)
            sql += " LIMIT ?"
            params.append(limit)
        with self._using("reading the log") as conn:
            rows = conn.execute(sql, params).fetchall()
        check_positions(rows, after_position)
        return [recorded(row, self.registry) for row in rows]

    def read_events(self: DuckDBEventStore, event_ids: Sequence[UUID]) -> list[RecordedEvent]:
        """The stored events with these ids (any that are stored), in global order."""
        if isinstance(event_ids, str | bytes) or not isinstance(event_ids, Sequence):
            raise InvalidArgument("event_ids must be a list of uuid.UUID")
        for event_id in event_ids:
            require_uuid("event_ids[...]", event_id)
        if not event_ids:
            return []
        with self._using("reading events by id") as conn:
            rows = conn.execute(
                f"SELECT {COLUMNS} FROM events WHERE event_id IN (SELECT unnest(?::UUID[])) "
                "ORDER BY position",
                [list(event_ids)],
            ).fetchall()
        return [recorded(row, self.registry) for row in rows]

    def version_at(self: DuckDBEventStore, aggregate_id: UUID, instant: datetime) -> int:
        """How many of the stream's events were recorded at or before ``instant``.

        The stream is read in version order and stops at the first event recorded later, so
        the answer is always a version the stream really passed through.
        """
        require_uuid("aggregate_id", aggregate_id)
        require_aware("instant", instant)
        with self._using("time travel") as conn:
            return scalar(
                conn,
                "SELECT coalesce((SELECT min(version) - 1 FROM events WHERE aggregate_id = ? "
                "AND recorded_at > ?), (SELECT coalesce(max(version), 0) FROM events "
                "WHERE aggregate_id = ?))",
                [aggregate_id, instant, aggregate_id],
            )

    def stream_version(self: DuckDBEventStore, aggregate_id: UUID) -> int:
        """The version of the stream's last event (0 when the stream is empty)."""
        require_uuid("aggregate_id", aggregate_id)
        with self._using("reading a stream version") as conn:
            return scalar(
                conn,
                "SELECT coalesce(max(version), 0) FROM events WHERE aggregate_id = ?",
                [aggregate_id],
            )

    def head_position(self: DuckDBEventStore) -> int:
        """The global position of the newest event (0 when the store is empty)."""
        with self._using("reading the head position") as conn:
            return scalar(conn, "SELECT coalesce(max(position), 0) FROM events")


def scalar(conn: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()) -> int:
    """One integer from a one-row query, read to the end (DuckDB refuses a DataFrame
    registration while a result is left half-read)."""
    rows = conn.execute(sql, list(params)).fetchall()
    return int(rows[0][0])
