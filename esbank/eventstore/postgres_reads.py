"""Reading the PostgreSQL event store: one stream, several streams, the global log, time travel.

Each read is one statement on a pooled connection. Rows are checked for gaps and decoded
through the codec (``postgres_rows``), with the same errors as every store.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

import numpy as np
import pandas as pd

from esbank.domain.arguments import require_aware, require_int, require_seconds, require_uuid
from esbank.domain.errors import InvalidArgument
from esbank.domain.events import Event
from esbank.eventstore.decoding import log_frame
from esbank.eventstore.duckdb_rows import COLUMNS
from esbank.eventstore.errors import StoreError
from esbank.eventstore.postgres_rows import check_contiguous, check_positions, recorded
from esbank.eventstore.types import RecordedEvent

if TYPE_CHECKING:
    from esbank.eventstore.postgres import PostgresEventStore


class PostgresReads:
    """The read operations of a ``PostgresEventStore`` (mixed into it)."""

    def _rows(self: PostgresEventStore, doing: str, sql: str, params: Sequence[Any]) -> list[Any]:
        with self._using(doing) as raw:
            return raw.execute(sql, list(params)).fetchall()

    def read_stream(
        self: PostgresEventStore,
        aggregate_id: UUID,
        *,
        from_version: int = 1,
        to_version: int | None = None,
    ) -> list[RecordedEvent]:
        """The events of one stream in version order, from ``from_version`` to ``to_version``."""
        require_uuid("aggregate_id", aggregate_id)
        require_int("from_version", from_version, minimum=1)
        sql = f"SELECT {COLUMNS} FROM events WHERE aggregate_id = %s AND version >= %s"
        params: list[Any] = [aggregate_id, from_version]
        if to_version is not None:
            require_int("to_version", to_version, minimum=0)
            sql += " AND version <= %s"
            params.append(to_version)
        rows = self._rows("reading a stream", sql + " ORDER BY version", params)
        check_contiguous(aggregate_id, rows, from_version)
        return [recorded(row, self.registry) for row in rows]

    def stream_events(
        self: PostgresEventStore,
        aggregate_id: UUID,
        *,
        from_version: int = 1,
        to_version: int | None = None,
    ) -> list[Event]:
        """Only the domain events of ``read_stream`` (what a replay needs)."""
        found = self.read_stream(aggregate_id, from_version=from_version, to_version=to_version)
        return [r.event for r in found]

    def read_streams(
        self: PostgresEventStore, aggregate_ids: Sequence[UUID]
    ) -> dict[UUID, list[RecordedEvent]]:
        """Whole streams of several aggregates in one query (an empty list for a new one)."""
        if isinstance(aggregate_ids, str | bytes) or not isinstance(aggregate_ids, Sequence):
            raise InvalidArgument("aggregate_ids must be a list of uuid.UUID")
        streams = list(dict.fromkeys(aggregate_ids))
        for aggregate_id in streams:
            require_uuid("aggregate_id", aggregate_id)
        if not streams:
            return {}
        found: dict[UUID, list[Any]] = {s: [] for s in streams}
        rows = self._rows(
            "reading streams",
            f"SELECT {COLUMNS} FROM events WHERE aggregate_id = ANY(%s) "
            "ORDER BY aggregate_id, version",
            [streams],
        )
        for row in rows:
            found[row[1]].append(row)
        for aggregate_id, stream_rows in found.items():
            check_contiguous(aggregate_id, stream_rows, 1)
        return {
            s: [recorded(row, self.registry) for row in stream_rows]
            for s, stream_rows in found.items()
        }

    def read_all(
        self: PostgresEventStore, *, after_position: int = 0, limit: int | None = None
    ) -> list[RecordedEvent]:
        """Every event after ``after_position`` in global order, at most ``limit`` of them."""
        require_int("after_position", after_position, minimum=0)
        sql = f"SELECT {COLUMNS} FROM events WHERE position > %s ORDER BY position"
        params: list[Any] = [after_position]
        if limit is not None:
            require_int("limit", limit, minimum=1)
            sql += " LIMIT %s"
            params.append(limit)
        rows = self._rows("reading the log", sql, params)
        check_positions(rows, after_position)
        return [recorded(row, self.registry) for row in rows]

    def read_log_frame(
        self: PostgresEventStore, *, after_position: int = 0, limit: int | None = None
    ) -> pd.DataFrame:
        """``read_all`` as one DataFrame of decoded (and upcast) events, with the columns of
        ``DuckDBEventStore.read_log_frame`` and the same checks and errors."""
        require_int("after_position", after_position, minimum=0)
        sql = (
            "SELECT position, CAST(aggregate_id AS TEXT), version, event_type, schema_version, "
            "recorded_at, CAST(payload AS TEXT) FROM events WHERE position > %s ORDER BY position"
        )
        params: list[Any] = [after_position]
        if limit is not None:
            require_int("limit", limit, minimum=1)
            sql += " LIMIT %s"
            params.append(limit)
        rows = self._rows("reading the log", sql, params)
        names = ("position", "aggregate_id", "version", "event_type", "schema_version")
        data = {name: np.array([r[i] for r in rows], dtype=object) for i, name in enumerate(names)}
        data["recorded_at"] = np.array([r[5] for r in rows], dtype=object)
        data["payload"] = np.array([r[6] for r in rows], dtype=object)
        return log_frame(data, self.registry, after_position)

    def wait_for_append(self: PostgresEventStore, after_position: int, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for the log to pass ``after_position``: woken by the
        appends' NOTIFY on ``esbank_events`` (LISTEN), and checking again at least every
        second in case a notification is missed. True when it has."""
        require_int("after_position", after_position, minimum=0)
        require_seconds("timeout", timeout)
        deadline = time.monotonic() + timeout
        listener = self._connect()
        try:
            listener.execute(f"LISTEN {self.channel}")
            while self.head_position() <= after_position:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                for _ in listener.notifies(timeout=min(1.0, left), stop_after=1):
                    pass
            return True
        except self._psycopg.Error as exc:
            raise StoreError(f"waiting for an append failed: {exc}") from exc
        finally:
            listener.close()

    def read_events(self: PostgresEventStore, event_ids: Sequence[UUID]) -> list[RecordedEvent]:
        """The stored events with these ids (any that are stored), in global order."""
        if isinstance(event_ids, str | bytes) or not isinstance(event_ids, Sequence):
            raise InvalidArgument("event_ids must be a list of uuid.UUID")
        for event_id in event_ids:
            require_uuid("event_ids[...]", event_id)
        if not event_ids:
            return []
        rows = self._rows(
            "reading events by id",
            f"SELECT {COLUMNS} FROM events WHERE event_id = ANY(%s) ORDER BY position",
            [list(event_ids)],
        )
        return [recorded(row, self.registry) for row in rows]

    def version_at(self: PostgresEventStore, aggregate_id: UUID, instant: datetime) -> int:
        """How many of the stream's events were recorded at or before ``instant`` (the stream
        read in version order up to the first event recorded later)."""
        require_uuid("aggregate_id", aggregate_id)
        require_aware("instant", instant)
        rows = self._rows(
            "time travel",
            "SELECT coalesce((SELECT min(version) - 1 FROM events WHERE aggregate_id = %s "
            "AND recorded_at > %s), (SELECT coalesce(max(version), 0) FROM events "
            "WHERE aggregate_id = %s))",
            [aggregate_id, instant, aggregate_id],
        )
        return int(rows[0][0])

    def stream_version(self: PostgresEventStore, aggregate_id: UUID) -> int:
        """The version of the stream's last event (0 when the stream is empty)."""
        require_uuid("aggregate_id", aggregate_id)
        rows = self._rows(
            "reading a stream version",
            "SELECT coalesce(max(version), 0) FROM events WHERE aggregate_id = %s",
            [aggregate_id],
        )
        return int(rows[0][0])

    def head_position(self: PostgresEventStore) -> int:
        """The global position of the newest event (0 when the store is empty)."""
        rows = self._rows(
            "reading the head position", "SELECT coalesce(max(position), 0) FROM events", []
        )
        return int(rows[0][0])
