"""``DuckDBEventStore``: the append-only event log in one DuckDB database (file or memory).

One process owns a database file (DuckDB locks it). Inside the process, every store object on
the same file shares one lock, so appends are serialised: positions are assigned by that single
writer and stay gap-free and in commit order. The ``UNIQUE (aggregate_id, version)`` key is the
last line of defence; every way DuckDB reports a clash becomes ``ConcurrencyConflict``.
"""

from __future__ import annotations

import json
import os
import re
import threading
import uuid
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import duckdb
import pandas as pd

from esbank.domain.errors import InvalidArgument
from esbank.domain.events import EVENT_TYPES, Event
from esbank.eventstore.codec import decode, encode, where
from esbank.eventstore.errors import (
    ConcurrencyConflict,
    CorruptEvent,
    DuplicateEventId,
    InvalidAppend,
    StoreError,
    StoreLocked,
)
from esbank.eventstore.types import AppendResult, ExpectedVersion, RecordedEvent

Clock = Callable[[], datetime]
IdFactory = Callable[[], UUID]

SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    position       BIGINT PRIMARY KEY,
    aggregate_id   UUID NOT NULL,
    version        BIGINT NOT NULL,
    event_id       UUID NOT NULL UNIQUE,
    event_type     TEXT NOT NULL,
    schema_version INTEGER NOT NULL,
    payload        JSON NOT NULL,
    metadata       JSON,
    recorded_at    TIMESTAMPTZ NOT NULL,
    UNIQUE (aggregate_id, version)
);
CREATE INDEX IF NOT EXISTS events_aggregate_id ON events (aggregate_id);
"""

COLUMNS = (
    "position, aggregate_id, version, event_id, event_type, schema_version, payload, "
    "metadata, recorded_at"
)

# DuckDB reports a clash on a key three ways; all of them mean "someone else wrote first".
_CONFLICT_ERRORS = (duckdb.ConstraintException, duckdb.TransactionException)

_file_locks: weakref.WeakValueDictionary[str, Any] = weakref.WeakValueDictionary()
_file_locks_guard = threading.Lock()


def _lock_for(path: str) -> Any:
    """One re-entrant lock per database file in this process (a fresh one for memory)."""
    if path == ":memory:":
        return threading.RLock()
    key = os.path.realpath(path)
    with _file_locks_guard:
        lock = _file_locks.get(key)
        if lock is None:
            lock = _SharedLock()
            _file_locks[key] = lock
        return lock


class _SharedLock:
    """A weak-referenceable wrapper around ``threading.RLock``."""

    def __init__(self) -> None:
        self._lock = threading.RLock()

    def __enter__(self) -> None:
        self._lock.acquire()

    def __exit__(self, *exc: object) -> None:
        self._lock.release()


def utc_clock() -> datetime:
    """The real clock: the current time in UTC."""
    return datetime.now(UTC)


def _connect(path: str) -> duckdb.DuckDBPyConnection:
    try:
        return duckdb.connect(path)
    except duckdb.IOException as exc:
        text = str(exc)
        if "lock" not in text.lower():
            raise StoreError(f"cannot open event store {path!r}: {text}") from exc
        pid = re.search(r"PID (\d+)", text)
        holder = f"process {pid.group(1)}" if pid else "another process"
        raise StoreLocked(
            f"the event store file {path!r} is locked by {holder}: DuckDB lets one process "
            "open a database file at a time. Close that process (or shut down the notebook "
            "kernel that opened it), or use another file or ':memory:'"
        ) from exc


class DuckDBEventStore:
    """An append-only event store in DuckDB with optimistic concurrency per stream."""

    def __init__(
        self,
        path: str | os.PathLike[str] = ":memory:",
        *,
        clock: Clock | None = None,
        new_id: IdFactory | None = None,
    ) -> None:
        if not isinstance(path, str | os.PathLike):
            raise InvalidArgument(f"path must be a str or os.PathLike, got {type(path).__name__}")
        self.path: str = os.fspath(path)
        self._clock: Clock = clock or utc_clock
        self._new_id: IdFactory = new_id or uuid.uuid4
        self._lock = _lock_for(self.path)
        self._conn: duckdb.DuckDBPyConnection | None = _connect(self.path)
        self._conn.execute("SET TimeZone = 'UTC'")
        self._conn.execute(SCHEMA)

    # -- lifecycle -------------------------------------------------------------------------
    def close(self) -> None:
        """Close the connection; the file lock is released when the last one closes."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def __enter__(self) -> DuckDBEventStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def connection(self) -> duckdb.DuckDBPyConnection:
        """The open DuckDB connection (for inspection and for other tables in the same file)."""
        if self._conn is None:
            raise StoreError("the event store is closed; open a new DuckDBEventStore")
        return self._conn

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """Hold the store's lock and run one transaction; roll back on any error."""
        with self._lock:
            conn = self.connection
            conn.execute("BEGIN TRANSACTION")
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                # After a failed statement DuckDB silently discards a COMMIT: always roll back.
                # (If COMMIT itself failed, the transaction is already over.)
                with suppress(duckdb.Error):
                    conn.execute("ROLLBACK")
                raise

    # -- writing ---------------------------------------------------------------------------
    def append(
        self,
        aggregate_id: UUID,
        events: Sequence[Event],
        *,
        expected_version: int | ExpectedVersion,
        event_ids: Sequence[UUID] | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> AppendResult:
        """Append ``events`` to the stream ``aggregate_id`` atomically.

        ``expected_version`` is an exact int (0 = no events yet), ``ANY``, ``NO_STREAM`` or
        ``STREAM_EXISTS``. Re-sending event ids that are already stored returns the original
        result and writes nothing (an idempotent retry).
        """
        events = _check_events(events)
        _check_aggregate_id(aggregate_id)
        _check_expected(expected_version)
        ids = _check_event_ids(event_ids, len(events)) or [self._new_id() for _ in events]
        meta_json = _check_metadata(metadata)
        encoded = [encode(e) for e in events]
        recorded_at = self._now()
        with self._lock:
            try:
                with self.transaction() as conn:
                    current, head = conn.execute(
                        "SELECT (SELECT coalesce(max(version), 0) FROM events "
                        "WHERE aggregate_id = ?), (SELECT coalesce(max(position), 0) FROM events)",
                        [aggregate_id],
                    ).fetchone()  # type: ignore[misc]
                    if not _version_matches(expected_version, current):
                        raise ConcurrencyConflict(aggregate_id, expected_version, current)
                    rows: list[Any] = []
                    for i, (event_type, schema_version, payload) in enumerate(encoded):
                        rows += [
                            head + 1 + i,
                            aggregate_id,
                            current + 1 + i,
                            ids[i],
                            event_type,
                            schema_version,
                            payload,
                            meta_json,
                            recorded_at,
                        ]
                    values = ", ".join(["(?, ?, ?, ?, ?, ?, ?, ?, ?)"] * len(encoded))
                    conn.execute(f"INSERT INTO events ({COLUMNS}) VALUES {values}", rows)
            except (ConcurrencyConflict, *_CONFLICT_ERRORS) as exc:
                if event_ids is not None:
                    earlier = self._earlier_append(aggregate_id, encoded, ids, expected_version)
                    if earlier is not None:
                        return earlier
                if isinstance(exc, ConcurrencyConflict):
                    raise
                actual = self.stream_version(aggregate_id)
                raise ConcurrencyConflict(aggregate_id, expected_version, actual) from exc
        n = len(encoded)
        return AppendResult(aggregate_id, current + n, tuple(range(head + 1, head + 1 + n)))

    def _now(self) -> datetime:
        now = self._clock()
        if not isinstance(now, datetime) or now.tzinfo is None or now.utcoffset() is None:
            raise InvalidAppend(
                f"the store's clock must return a timezone-aware datetime, got {now!r}; "
                "use datetime.now(UTC) or esbank.teach.StepClock"
            )
        return now.astimezone(UTC)

    def _earlier_append(
        self,
        aggregate_id: UUID,
        encoded: list[tuple[str, int, str]],
        ids: Sequence[UUID],
        expected_version: int | ExpectedVersion,
    ) -> AppendResult | None:
        """The result of an earlier append with these event ids, or None if none is stored.

        A retry resends the same events to the same stream with the same expected version;
        anything else that reuses stored ids is refused, so no write is silently dropped.
        """
        marks = ", ".join("?" * len(ids))
        with self._lock:
            found = self.connection.execute(
                f"SELECT position, aggregate_id, version, event_id, event_type, schema_version, "
                f"payload FROM events WHERE event_id IN ({marks}) ORDER BY position",
                list(ids),
            ).fetchall()
        if not found:
            return None
        same = (
            len(found) == len(ids)
            and [row[3] for row in found] == list(ids)
            and all(row[1] == aggregate_id for row in found)
            and [row[2] for row in found] == list(range(found[0][2], found[0][2] + len(ids)))
            and all(
                (row[4], row[5], json.loads(row[6])) == (t, v, json.loads(p))
                for row, (t, v, p) in zip(found, encoded, strict=True)
            )
        )
        stored = ", ".join(f"{row[3]} at {where(row[0], row[1], row[2])}" for row in found)
        if not same:
            raise DuplicateEventId(
                f"event ids already stored with different content: {stored}. An idempotent "
                "retry must resend exactly the same events to the same stream; give new "
                "events new ids"
            )
        if isinstance(expected_version, int) and found[0][2] != expected_version + 1:
            raise DuplicateEventId(
                f"event ids already stored by another append: {stored}, which expected "
                f"version {found[0][2] - 1}, not {expected_version}. A retry resends the same "
                "expected version; a new append needs new event ids (is an id factory "
                "handing out ids twice?)"
            )
        return AppendResult(aggregate_id, found[-1][2], tuple(row[0] for row in found))

    # -- reading ---------------------------------------------------------------------------
    def read_stream(
        self, aggregate_id: UUID, *, from_version: int = 1, to_version: int | None = None
    ) -> list[RecordedEvent]:
        """The events of one stream in version order, from ``from_version`` to ``to_version``."""
        _check_aggregate_id(aggregate_id, InvalidArgument)
        _check_int("from_version", from_version, minimum=1)
        sql = f"SELECT {COLUMNS} FROM events WHERE aggregate_id = ? AND version >= ?"
        params: list[Any] = [aggregate_id, from_version]
        if to_version is not None:
            _check_int("to_version", to_version, minimum=0)
            sql += " AND version <= ?"
            params.append(to_version)
        with self._lock:
            rows = self.connection.execute(sql + " ORDER BY version", params).fetchall()
        expected = from_version
        for row in rows:
            if row[2] != expected:
                raise CorruptEvent(
                    f"stream {aggregate_id} has a gap: version {expected} is missing before "
                    f"{where(row[0], row[1], row[2])}; the log was edited outside the store"
                )
            expected += 1
        return [_recorded(row) for row in rows]

    def read_all(self, *, after_position: int = 0, limit: int | None = None) -> list[RecordedEvent]:
        """Every event after ``after_position`` in global order, at most ``limit`` of them."""
        _check_int("after_position", after_position, minimum=0)
        sql = f"SELECT {COLUMNS} FROM events WHERE position > ? ORDER BY position"
        params: list[Any] = [after_position]
        if limit is not None:
            _check_int("limit", limit, minimum=1)
            sql += " LIMIT ?"
            params.append(limit)
        with self._lock:
            rows = self.connection.execute(sql, params).fetchall()
        expected = after_position + 1
        for row in rows:
            if row[0] != expected:
                raise CorruptEvent(
                    f"the global log has a gap: position {expected} is missing before "
                    f"{where(row[0], row[1], row[2])}; the log was edited outside the store"
                )
            expected += 1
        return [_recorded(row) for row in rows]

    def stream_version(self, aggregate_id: UUID) -> int:
        """The version of the stream's last event (0 when the stream is empty)."""
        _check_aggregate_id(aggregate_id, InvalidArgument)
        with self._lock:
            row = self.connection.execute(
                "SELECT coalesce(max(version), 0) FROM events WHERE aggregate_id = ?",
                [aggregate_id],
            ).fetchone()
        return int(row[0]) if row else 0

    def head_position(self) -> int:
        """The global position of the newest event (0 when the store is empty)."""
        with self._lock:
            row = self.connection.execute(
                "SELECT coalesce(max(position), 0) FROM events"
            ).fetchone()
        return int(row[0]) if row else 0

    def query(self, sql: str, parameters: Sequence[Any] | None = None) -> pd.DataFrame:
        """Run a SQL query on the store's database and return a DataFrame (for inspection)."""
        with self._lock:
            return self.connection.execute(sql, parameters or []).df()


# -- helpers -------------------------------------------------------------------------------
def _recorded(row: tuple[Any, ...]) -> RecordedEvent:
    position, aggregate_id, version, event_id, event_type, schema_version, payload, meta, at = row
    event = decode(
        event_type,
        schema_version,
        payload,
        position=position,
        aggregate_id=aggregate_id,
        version=version,
    )
    try:
        metadata = json.loads(meta) if meta is not None else {}
    except ValueError as exc:
        raise CorruptEvent(
            f"metadata at {where(position, aggregate_id, version)} is not valid JSON: {exc}"
        ) from None
    return RecordedEvent(
        position=position,
        aggregate_id=aggregate_id,
        version=version,
        event_id=event_id,
        event_type=event_type,
        schema_version=schema_version,
        event=event,
        metadata=metadata if isinstance(metadata, dict) else {"value": metadata},
        recorded_at=at.astimezone(UTC),
    )


def _version_matches(expected: int | ExpectedVersion, current: int) -> bool:
    if expected is ExpectedVersion.ANY:
        return True
    if expected is ExpectedVersion.NO_STREAM:
        return current == 0
    if expected is ExpectedVersion.STREAM_EXISTS:
        return current > 0
    return current == expected


def _check_int(name: str, value: Any, *, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidArgument(f"{name} must be an int, got {type(value).__name__} {value!r}")
    if value < minimum:
        raise InvalidArgument(f"{name} must be at least {minimum}, got {value}")


def _check_aggregate_id(aggregate_id: Any, error: type[InvalidArgument] = InvalidAppend) -> None:
    # An append refuses with InvalidAppend ("nothing was written"); a read with InvalidArgument.
    if not isinstance(aggregate_id, UUID):
        raise error(
            f"aggregate_id must be a uuid.UUID, got {type(aggregate_id).__name__}; "
            "wrap text ids with uuid.UUID('...')"
        )


def _check_events(events: Any) -> list[Event]:
    if isinstance(events, EVENT_TYPES):
        raise InvalidAppend("events must be a list of events; wrap a single event as [event]")
    if isinstance(events, str | bytes | Mapping) or not isinstance(events, Sequence):
        raise InvalidAppend(f"events must be a list of events, got {type(events).__name__}")
    if not events:
        raise InvalidAppend("nothing to append: events is empty; pass at least one event")
    for i, event in enumerate(events):
        if not isinstance(event, EVENT_TYPES):
            names = ", ".join(t.__name__ for t in EVENT_TYPES)
            raise InvalidAppend(f"events[{i}] is a {type(event).__name__}, not one of {names}")
    return list(events)


def _check_expected(expected: Any) -> None:
    if isinstance(expected, ExpectedVersion):
        return
    if isinstance(expected, bool) or not isinstance(expected, int) or expected < 0:
        raise InvalidAppend(
            f"expected_version must be an int >= 0 (0 = no events yet) or one of ANY, "
            f"NO_STREAM, STREAM_EXISTS; got {expected!r}"
        )


def _check_event_ids(event_ids: Any, count: int) -> list[UUID] | None:
    if event_ids is None:
        return None
    if isinstance(event_ids, str | bytes) or not isinstance(event_ids, Sequence):
        raise InvalidAppend(
            f"event_ids must be a list of uuid.UUID, got {type(event_ids).__name__}"
        )
    ids = list(event_ids)
    if len(ids) != count:
        raise InvalidAppend(f"event_ids has {len(ids)} ids for {count} events; give one id each")
    for i, event_id in enumerate(ids):
        if not isinstance(event_id, UUID):
            raise InvalidAppend(
                f"event_ids[{i}] must be a uuid.UUID, got {type(event_id).__name__}"
            )
    if len(set(ids)) != len(ids):
        raise InvalidAppend("event_ids repeats an id; every event needs its own id")
    return ids


def _check_metadata(metadata: Any) -> str | None:
    if metadata is None:
        return None
    if not isinstance(metadata, Mapping) or not all(isinstance(k, str) for k in metadata):
        raise InvalidAppend("metadata must be a dict with str keys, e.g. {'command_id': '...'}")
    try:
        return json.dumps(dict(metadata), sort_keys=True, allow_nan=False, default=_json_default)
    except (TypeError, ValueError) as exc:
        raise InvalidAppend(f"metadata must be JSON-serialisable: {exc}") from None


def _json_default(value: Any) -> Any:
    if isinstance(value, UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON-serialisable")
