"""``DuckDBEventStore``: the append-only event log in one DuckDB database (file or memory).

One process owns a database file (DuckDB locks it). Inside the process, every store object on
the same database shares one lock, so appends are serialised: positions are assigned by that
single writer and stay gap-free and in commit order. The ``UNIQUE (aggregate_id, version)``
key is the last line of defence; every way DuckDB reports a clash becomes
``ConcurrencyConflict``.

A store holds three connections to its database. Appends and reads run on its own connection,
always in autocommit, so a write is remembered only once it is committed. Read models and
snapshots run on a second one (``transaction()``, ``sql()``, ``query()``). The third,
``connection``, is the caller's: a transaction opened there (and rolled back) never holds an
append. A DuckDB error never leaves the store untyped: it becomes a ``StoreError``.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import duckdb
import pandas as pd

from esbank.domain.arguments import require_int
from esbank.domain.errors import InvalidArgument
from esbank.domain.events import Event
from esbank.eventstore.append_checks import (
    check_event_ids,
    check_events,
    check_expected,
    check_metadata,
    version_matches,
)
from esbank.eventstore.codec import REGISTRY, EventRegistry, encode
from esbank.eventstore.duckdb_files import open_database
from esbank.eventstore.duckdb_reads import DuckDBReads, scalar
from esbank.eventstore.duckdb_rows import (
    COLUMN_NAMES,
    COLUMNS,
    earlier_result,
)
from esbank.eventstore.duckdb_sql import DuckDBBulkLoad, DuckDBSqlSide
from esbank.eventstore.errors import (
    ConcurrencyConflict,
    DuplicateEventId,
    InvalidAppend,
    StoreError,
    UnknownTable,
)
from esbank.eventstore.snapshot_store import DuckDBSnapshotStore
from esbank.eventstore.types import (
    AppendResult,
    ExpectedVersion,
    RecordedEvent,
    StreamAppend,
    utc_clock,
)

Clock = Callable[[], datetime]
IdFactory = Callable[[], UUID]

# DuckDB reports a clash on a key three ways; all of them mean "someone else wrote first".
_CONFLICT_ERRORS = (duckdb.ConstraintException, duckdb.TransactionException)
# Up to this many rows go into one INSERT ... VALUES; more go in through a registered DataFrame.
VALUES_LIMIT = 16
# DuckDB aborts the whole process when asked for absurd thread counts (2**40).
MAX_THREADS = 256

__all__ = ["COLUMNS", "COLUMN_NAMES", "DuckDBEventStore", "utc_clock"]


@dataclass(slots=True)
class _Planned:
    """One checked, encoded StreamAppend on its way into the table."""

    request: StreamAppend
    encoded: list[tuple[str, int, str]]
    ids: list[UUID]
    ids_given: bool
    metadata: str | None


class DuckDBEventStore(DuckDBReads, DuckDBSqlSide):
    """An append-only event store in DuckDB with optimistic concurrency per stream."""

    def __init__(
        self,
        path: str | os.PathLike[str] = ":memory:",
        *,
        clock: Clock | None = None,
        new_id: IdFactory | None = None,
        threads: int | None = 1,
        registry: EventRegistry = REGISTRY,
    ) -> None:
        """Open (or create) the store at ``path`` (``":memory:"`` or ``""``: in memory).

        ``threads`` is DuckDB's worker-thread count for this database. An event log mostly
        runs one-row statements, and on one thread each costs about 10% less here (measured);
        pass ``None`` for DuckDB's default (one per core) when a workload is mostly analytical.
        ``registry`` says which event types, old names and upcasters the reads understand.
        """
        if not isinstance(path, str | os.PathLike):
            raise InvalidArgument(f"path must be a str or os.PathLike, got {type(path).__name__}")
        if not isinstance(registry, EventRegistry):
            raise InvalidArgument(
                f"registry must be an EventRegistry, got {type(registry).__name__}"
            )
        if threads is not None:
            require_int("threads", threads, minimum=1, maximum=MAX_THREADS)
        self.registry = registry
        self.path: str = os.fspath(path)
        self.threads = threads
        self._clock: Clock = clock or utc_clock
        self._new_id: IdFactory = new_id or uuid.uuid4
        self._db, conn = open_database(self.path)
        self._lock = self._db.lock
        self._conn: duckdb.DuckDBPyConnection | None = conn
        self._side = conn.cursor()
        self._side.execute("SET TimeZone = 'UTC'")
        self._user: duckdb.DuckDBPyConnection | None = None
        if threads is not None:
            conn.execute(f"SET threads = {threads}")
        with self._lock:
            # What an earlier store object remembered about this database may describe
            # another file (replaced or restored while closed): ask the table again.
            self._db.forget()

    # -- lifecycle -------------------------------------------------------------------------
    def close(self) -> None:
        """Close the connections; the file lock is released when the last one closes."""
        with self._lock:
            if self._conn is not None:
                for conn in (self._user, self._side, self._conn):
                    if conn is not None:
                        conn.close()
                self._conn = self._user = None

    def __enter__(self) -> DuckDBEventStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def lock(self) -> Any:
        """The writer lock shared by every store object on this database (re-entrant)."""
        return self._lock

    def now(self) -> datetime:
        """The store clock's current time, as it would be written (naive UTC)."""
        return self._now()

    @property
    def connection(self) -> duckdb.DuckDBPyConnection:
        """A DuckDB connection of your own to this database (for inspection and for other
        tables in the same file); a transaction you open on it never holds the store's work."""
        conn = self._own()
        if self._user is None:
            self._user = conn.cursor()
            self._user.execute("SET TimeZone = 'UTC'")
        return self._user

    def _own(self) -> duckdb.DuckDBPyConnection:
        if self._conn is None:
            raise StoreError("the event store is closed; open a new DuckDBEventStore")
        return self._conn

    @contextmanager
    def _using(self, doing: str) -> Iterator[duckdb.DuckDBPyConnection]:
        """The store's own connection under the writer lock; DuckDB errors become typed."""
        with self._lock:
            conn = self._own()
            try:
                yield conn
            except duckdb.CatalogException as exc:
                raise UnknownTable(f"{doing} failed: {exc}") from exc
            except duckdb.Error as exc:
                raise StoreError(f"{doing} failed: {exc}") from exc

    def snapshot_store(self) -> DuckDBSnapshotStore:
        """The ``snapshots`` table beside this store's events (created if missing)."""
        return DuckDBSnapshotStore(self)

    def same_database(self, other: object) -> bool:
        """Whether ``other`` is a store on this very database (any path to the same file)."""
        return isinstance(other, DuckDBEventStore) and other._db is self._db

    def refresh(self) -> None:
        """Forget the remembered head and stream versions (after rows were written around the
        store, e.g. by a bulk load); the next append asks the table."""
        with self._lock:
            self._db.forget()

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
        request = StreamAppend(aggregate_id, events, expected_version, event_ids, metadata)
        return self.append_batch([request])[0]

    def append_batch(self, appends: Sequence[StreamAppend]) -> list[AppendResult]:
        """Append to several streams (a stream may appear more than once) in one statement.

        All or nothing: one INSERT writes every row, positions follow the order of
        ``appends``, and a failed expected version anywhere writes nothing at all.
        """
        if isinstance(appends, StreamAppend | str | bytes) or not isinstance(appends, Sequence):
            raise InvalidAppend("append_batch takes a list of StreamAppend")
        if not appends:
            raise InvalidAppend("nothing to append: the batch is empty")
        planned = [self._prepare(a) for a in appends]
        ids = [i for p in planned for i in p.ids]
        if len(set(ids)) != len(ids):
            raise InvalidAppend("the batch repeats an event id; every event needs its own id")
        with self._using("an append"):
            # Stamped under the lock, so recorded_at never goes backwards along positions.
            recorded_at = self._now()
            try:
                results = self._write_checked(planned, recorded_at)
                self._db.appended.notify_all()
                return results
            except (ConcurrencyConflict, *_CONFLICT_ERRORS) as exc:
                earlier = self._earlier_batch(planned)
                if earlier is not None:
                    return earlier
                if isinstance(exc, ConcurrencyConflict):
                    raise
                stream = planned[0].request
                actual = self.stream_version(stream.aggregate_id)
                raise ConcurrencyConflict(
                    stream.aggregate_id, stream.expected_version, actual
                ) from exc

    def _write_checked(self, planned: list[_Planned], recorded_at: datetime) -> list[AppendResult]:
        """Write from what the writer remembers; on any refusal, check once against the table.

        The remembered head and versions are stale only after a write around the store (raw
        SQL); a refusal then must not be reported before the table itself has been asked.
        """
        cause: duckdb.Error | None = None
        try:
            return self._write(planned, recorded_at, fresh=False)
        except _CONFLICT_ERRORS as exc:
            self._db.forget()
            cause = exc
        except ConcurrencyConflict:
            pass
        try:
            return self._write(planned, recorded_at, fresh=True)
        except _CONFLICT_ERRORS:
            self._db.forget()
            raise
        except ConcurrencyConflict as conflict:
            if cause is not None:
                raise conflict from cause
            raise

    def _prepare(self, request: Any) -> _Planned:
        if not isinstance(request, StreamAppend):
            raise InvalidAppend(
                f"append_batch takes StreamAppend items, got {type(request).__name__}"
            )
        events = check_events(request.events)
        _check_aggregate_id(request.aggregate_id, InvalidAppend)
        check_expected(request.expected_version)
        given = check_event_ids(request.event_ids, len(events))
        return _Planned(
            request=request,
            encoded=[encode(e) for e in events],
            ids=given or [self._new_id() for _ in events],
            ids_given=given is not None,
            metadata=check_metadata(request.metadata),
        )

    def _write(
        self, planned: list[_Planned], recorded_at: datetime, *, fresh: bool
    ) -> list[AppendResult]:
        """Check every expected version, then INSERT all rows in one statement."""
        conn, db = self._own(), self._db
        head = db.head if not fresh else None
        if head is None:
            head = scalar(conn, "SELECT coalesce(max(position), 0) FROM events")
        streams = list(dict.fromkeys(p.request.aggregate_id for p in planned))
        versions = {} if fresh else {s: db.versions[s] for s in streams if s in db.versions}
        unknown = [s for s in streams if s not in versions]
        if unknown:
            found = conn.execute(
                f"SELECT aggregate_id, max(version) FROM events WHERE aggregate_id IN "
                f"({', '.join('?' * len(unknown))}) GROUP BY aggregate_id ORDER BY aggregate_id",
                unknown,
            ).fetchall()
            versions.update({s: 0 for s in unknown})
            versions.update({s: int(v) for s, v in found})
        rows: list[tuple[Any, ...]] = []
        results: list[AppendResult] = []
        position = head
        for p in planned:
            stream, expected = p.request.aggregate_id, p.request.expected_version
            version = versions[stream]
            if not version_matches(expected, version):
                raise ConcurrencyConflict(stream, expected, version)
            first = position + 1
            for event_id, (event_type, schema_version, payload) in zip(
                p.ids, p.encoded, strict=True
            ):
                position += 1
                version += 1
                row = (position, stream, version, event_id, event_type, schema_version)
                rows.append((*row, payload, p.metadata, recorded_at))
            versions[stream] = version
            results.append(AppendResult(stream, version, tuple(range(first, position + 1))))
        self._insert(conn, rows)
        db.head = position
        for stream in streams:
            db.remember(stream, versions[stream])
        return results

    def _insert(self, conn: duckdb.DuckDBPyConnection, rows: list[tuple[Any, ...]]) -> None:
        """One INSERT statement (atomic on its own): VALUES for a few rows, a DataFrame for many."""
        if len(rows) <= VALUES_LIMIT:
            values = ", ".join(["(?, ?, ?, ?, ?, ?, ?, ?, ?)"] * len(rows))
            conn.execute(
                f"INSERT INTO events ({COLUMNS}) VALUES {values}", [x for r in rows for x in r]
            )
            return
        DuckDBBulkLoad(conn, self.registry).insert(_frame(rows))

    def copy_in(self, recorded: Sequence[RecordedEvent]) -> int:
        """Write already-recorded events (e.g. from another store) as they are: same positions,
        ids, versions, times and metadata, each payload re-encoded at the current schema
        version. The positions must continue this store's log. Returns how many were written.
        """
        if not recorded:
            return 0
        rows = [
            (
                r.position,
                r.aggregate_id,
                r.version,
                r.event_id,
                *encode(r.event),
                json.dumps(r.metadata, sort_keys=True) if r.metadata else None,
                r.recorded_at.astimezone(UTC).replace(tzinfo=None),
            )
            for r in recorded
        ]
        with self.bulk_load() as load:
            head = load.head()
            positions = [row[0] for row in rows]
            if positions != list(range(head + 1, head + 1 + len(rows))):
                raise InvalidAppend(
                    f"copied events must continue the log at position {head + 1} without gaps, "
                    f"got positions {positions[0]}…{positions[-1]}"
                )
            load.insert(_frame(rows))
        return len(rows)

    def _earlier_batch(self, planned: list[_Planned]) -> list[AppendResult] | None:
        """The results of an earlier identical batch, None if no id is stored, else an error.

        One query looks up every given id, however many appends the batch holds.
        """
        ids = [i for p in planned if p.ids_given for i in p.ids]
        if not ids:
            return None
        found = (
            self._own()
            .execute(
                "SELECT position, aggregate_id, version, event_id, event_type, schema_version, "
                "payload FROM events WHERE event_id IN (SELECT unnest(?::UUID[])) "
                "ORDER BY position",
                [ids],
            )
            .fetchall()
        )
        if not found:
            return None
        by_id = {row[3]: row for row in found}
        earlier = [
            earlier_result(
                p.request.aggregate_id,
                p.encoded,
                p.ids,
                p.request.expected_version,
                sorted((by_id[i] for i in p.ids if i in by_id), key=lambda row: row[0]),
            )
            if p.ids_given
            else None
            for p in planned
        ]
        done = [r for r in earlier if r is not None]
        if len(done) != len(earlier):
            raise DuplicateEventId(
                "part of this batch is already stored and part is not; a retry resends the "
                "whole batch with the same ids, new work needs new ids"
            )
        return done

    def _now(self) -> datetime:
        """The clock's time as a naive UTC datetime (the session time zone is UTC, and a naive
        value binds faster than an aware one)."""
        now = self._clock()
        if not isinstance(now, datetime) or now.tzinfo is None or now.utcoffset() is None:
            raise InvalidAppend(
                f"the store's clock must return a timezone-aware datetime, got {now!r}; "
                "use datetime.now(UTC) or esbank.teach.StepClock"
            )
        try:
            return now.astimezone(UTC).replace(tzinfo=None)
        except OverflowError:
            raise InvalidAppend(
                f"the store's clock returned {now!r}, which is beyond the range of datetime "
                "in UTC; give the store a clock that returns real times"
            ) from None


def _frame(rows: list[tuple[Any, ...]]) -> pd.DataFrame:
    """Rows of the events table as a DataFrame for a one-statement INSERT (ids as text)."""
    frame = pd.DataFrame(rows, columns=COLUMN_NAMES)
    frame["aggregate_id"] = frame["aggregate_id"].astype(str)
    frame["event_id"] = frame["event_id"].astype(str)
    return frame


def _check_aggregate_id(aggregate_id: Any, error: type[InvalidArgument]) -> None:
    # An append refuses with InvalidAppend ("nothing was written"); a read with InvalidArgument.
    if not isinstance(aggregate_id, UUID):
        raise error(
            f"aggregate_id must be a uuid.UUID, got {type(aggregate_id).__name__}; "
            "wrap text ids with uuid.UUID('...')"
        )
