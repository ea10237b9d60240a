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
import pandas as pd

from esbank.domain.arguments import require_aware, require_int, require_seconds, require_uuid
from esbank.domain.errors import InvalidArgument
from esbank.domain.events import Event
from esbank.eventstore.codec import where
from esbank.eventstore.decoding import decode_events, first_break, log_frame, recorded_events
from esbank.eventstore.duckdb_rows import check_contiguous, check_positions, read_columns
from esbank.eventstore.errors import CorruptEvent
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
        sql = "aggregate_id = ? AND version >= ?"
        params: list[Any] = [aggregate_id, from_version]
        if to_version is not None:
            require_int("to_version", to_version, minimum=0)
            sql += " AND version <= ?"
            params.append(to_version)
        with self._using("reading a stream") as conn:
            columns = read_columns(conn, sql, "version", params, aggregate=aggregate_id)
            check_contiguous(columns, aggregate_id, from_version)
            self._remember_end(aggregate_id, from_version, to_version, len(columns.version))
        return recorded_events(columns, self.registry)

    def stream_events(
        self: DuckDBEventStore,
        aggregate_id: UUID,
        *,
        from_version: int = 1,
        to_version: int | None = None,
    ) -> list[Event]:
        """Only the domain events of ``read_stream`` (no ids, times or metadata): what a
        replay folds, read and decoded at a fraction of the cost."""
        require_uuid("aggregate_id", aggregate_id)
        require_int("from_version", from_version, minimum=1)
        sql = (
            "SELECT position, version, event_type, schema_version, CAST(payload AS VARCHAR) "
            "AS payload FROM events WHERE aggregate_id = ? AND version >= ?"
        )
        params: list[Any] = [aggregate_id, from_version]
        if to_version is not None:
            require_int("to_version", to_version, minimum=0)
            sql += " AND version <= ?"
            params.append(to_version)
        with self._using("reading a stream") as conn:
            data = conn.execute(sql + " ORDER BY version", params).fetchnumpy()
            positions, versions = data["position"].tolist(), data["version"].tolist()
            gap = first_break(versions, from_version)
            if gap is not None:
                raise CorruptEvent(
                    f"stream {aggregate_id} has a gap: version {from_version + gap} is missing "
                    f"before {where(positions[gap], aggregate_id, versions[gap])}; the log was "
                    "edited outside the store"
                )
            self._remember_end(aggregate_id, from_version, to_version, len(versions))
        return decode_events(
            data["event_type"].tolist(),
            data["schema_version"].tolist(),
            data["payload"].tolist(),
            positions,
            versions,
            [aggregate_id] * len(versions),
            self.registry,
        )

    def _remember_end(
        self: DuckDBEventStore,
        aggregate_id: UUID,
        from_version: int,
        to_version: int | None,
        found: int,
    ) -> None:
        """A read that reached the stream's end tells the writer the stream's version."""
        reached_end = to_version is None or found < to_version - from_version + 1
        if reached_end and (found or from_version == 1):
            self._db.remember(aggregate_id, from_version + found - 1)

    def read_streams(
        self: DuckDBEventStore, aggregate_ids: Sequence[UUID]
    ) -> dict[UUID, list[RecordedEvent]]:
        """Whole streams of several aggregates in one query (an empty list for a new one)."""
        if isinstance(aggregate_ids, str | bytes) or not isinstance(aggregate_ids, Sequence):
            raise InvalidArgument("aggregate_ids must be a list of uuid.UUID")
        streams = list(dict.fromkeys(aggregate_ids))
        for aggregate_id in streams:
            require_uuid("aggregate_id", aggregate_id)
        if not streams:
            return {}
        with self._using("reading streams") as conn:
            columns = read_columns(
                conn,
                f"aggregate_id IN ({', '.join('?' * len(streams))})",
                "aggregate_id, version",
                streams,
            )
            found: dict[UUID, list[int]] = {s: [] for s in streams}
            for i, aggregate_id in enumerate(columns.aggregate):  # type: ignore[arg-type]
                found[aggregate_id].append(i)
            for aggregate_id, rows in found.items():
                check_contiguous(columns.take(rows), aggregate_id, 1)
                self._db.remember(aggregate_id, len(rows))
        events = recorded_events(columns, self.registry)
        return {s: [events[i] for i in rows] for s, rows in found.items()}

    def read_all(
        self: DuckDBEventStore, *, after_position: int = 0, limit: int | None = None
    ) -> list[RecordedEvent]:
        """Every event after ``after_position`` in global order, at most ``limit`` of them."""
        require_int("after_position", after_position, minimum=0)
        order, params = "position", [after_position]
        if limit is not None:
            require_int("limit", limit, minimum=1)
            order += " LIMIT ?"
            params.append(limit)
        with self._using("reading the log") as conn:
            columns = read_columns(conn, "position > ?", order, params)
        check_positions(columns, after_position)
        return recorded_events(columns, self.registry)

    def read_log_frame(
        self: DuckDBEventStore, *, after_position: int = 0, limit: int | None = None
    ) -> pd.DataFrame:
        """``read_all`` as one DataFrame of decoded (and upcast) events, for set-based work:
        ``position, aggregate_id`` (text)``, version, recorded_at, event_type`` (as stored),
        ``event`` (its current type name) and one column per event field (``owner``,
        ``initial_balance``, ``amount``; None where an event has no such field). Same checks
        and errors as ``read_all``."""
        require_int("after_position", after_position, minimum=0)
        order, params = "position", [after_position]
        if limit is not None:
            require_int("limit", limit, minimum=1)
            order += " LIMIT ?"
            params.append(limit)
        with self._using("reading the log") as conn:
            data = conn.execute(
                "SELECT position, CAST(aggregate_id AS VARCHAR) AS aggregate_id, version, "
                "event_type, schema_version, recorded_at, CAST(payload AS VARCHAR) AS payload "
                f"FROM events WHERE position > ? ORDER BY {order}",
                params,
            ).fetchnumpy()
        return log_frame(data, self.registry, after_position)

    def read_events(self: DuckDBEventStore, event_ids: Sequence[UUID]) -> list[RecordedEvent]:
        """The stored events with these ids (any that are stored), in global order."""
        if isinstance(event_ids, str | bytes) or not isinstance(event_ids, Sequence):
            raise InvalidArgument("event_ids must be a list of uuid.UUID")
        for event_id in event_ids:
            require_uuid("event_ids[...]", event_id)
        if not event_ids:
            return []
        with self._using("reading events by id") as conn:
            columns = read_columns(
                conn, "event_id IN (SELECT unnest(?::UUID[]))", "position", [list(event_ids)]
            )
        return recorded_events(columns, self.registry)

    def wait_for_append(self: DuckDBEventStore, after_position: int, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for the log to pass ``after_position`` (an append in
        this process wakes the waiter at once); True when it has."""
        require_int("after_position", after_position, minimum=0)
        require_seconds("timeout", timeout)
        with self._lock:
            return self._db.appended.wait_for(
                lambda: self.head_position() > after_position, timeout
            )

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
