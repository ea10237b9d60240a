"""``PostgresEventStore``: the same event log, in a PostgreSQL server.

Positions stay gap-free and in commit order because every append takes the events table's
writer lock (``LOCK TABLE events IN EXCLUSIVE MODE``, which readers never wait for) before it
reads the head and the streams' versions, and holds it until COMMIT. A ``bigserial`` would not
do: it hands out numbers at INSERT, they become visible at COMMIT, so a reader tailing
``position > checkpoint`` would skip a row that commits late, and a rollback leaves a hole.
Expected versions are checked under that lock; the table's keys refuse anything written around
it. Every append NOTIFYs the channel ``esbank_events`` (delivered at COMMIT) so a subscriber can
wake instead of polling.

psycopg is imported when a store is made, never by ``import esbank``. Every psycopg error
becomes a ``StoreError`` (the psycopg error is its ``__cause__``): a lost connection or a
restarted server included. An append whose COMMIT got no answer is resolved by its event ids:
the store looks them up once the server answers again, so it is never doubled.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pandas as pd

from esbank.domain.arguments import require_seconds
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
from esbank.eventstore.duckdb_rows import COLUMN_NAMES, COLUMNS, earlier_result
from esbank.eventstore.errors import (
    ConcurrencyConflict,
    DuplicateEventId,
    InvalidAppend,
    StoreError,
)
from esbank.eventstore.postgres_connect import PostgresConnections
from esbank.eventstore.postgres_reads import PostgresReads
from esbank.eventstore.postgres_sql import PostgresSql, PostgresSqlSide
from esbank.eventstore.types import AppendResult, ExpectedVersion, RecordedEvent, StreamAppend

Clock = Callable[[], datetime]
IdFactory = Callable[[], UUID]

CHANNEL = "esbank_events"
# Under the writer lock: each stream's version and the head, in one statement.
_VERSIONS = (
    "SELECT s.id, (SELECT coalesce(max(version), 0) FROM events WHERE aggregate_id = s.id), "
    "(SELECT coalesce(max(position), 0) FROM events) FROM unnest(%s::uuid[]) AS s(id)"
)
# Any number of rows in one statement: one array per column.
_INSERT = (
    f"INSERT INTO events ({COLUMNS}) SELECT * FROM unnest(%s::bigint[], %s::uuid[], "
    "%s::bigint[], %s::uuid[], %s::text[], %s::integer[], %s::jsonb[], %s::jsonb[], "
    "%s::timestamptz[])"
)


@dataclass(slots=True)
class _Planned:
    """One checked, encoded StreamAppend on its way into the table."""

    request: StreamAppend
    encoded: list[tuple[str, int, str]]
    ids: list[UUID]
    ids_given: bool
    metadata: str | None


class OutcomeUnknown(StoreError):
    """The connection broke during an append's COMMIT and the server could not be asked."""


class PostgresEventStore(PostgresConnections, PostgresReads, PostgresSqlSide):
    """An append-only event store in PostgreSQL with optimistic concurrency per stream."""

    channel = CHANNEL

    def __init__(
        self,
        conninfo: str,
        *,
        clock: Clock | None = None,
        new_id: IdFactory | None = None,
        registry: EventRegistry = REGISTRY,
        lock_timeout: float = 10.0,
        wait_timeout: float = 10.0,
        pool_size: int = 8,
    ) -> None:
        """Connect to the server at ``conninfo`` (a libpq connection string) and create the
        tables if missing. ``lock_timeout`` bounds how long an append waits for the writer lock
        (then ``StoreLocked``), ``wait_timeout`` how long a call waits for a connection (the
        server down, or every connection busy: then ``StoreError``); ``pool_size`` is the most
        connections the store opens."""
        if not isinstance(conninfo, str):
            raise InvalidArgument(
                f"conninfo must be a libpq connection string, got {type(conninfo).__name__}"
            )
        if not isinstance(registry, EventRegistry):
            raise InvalidArgument(
                f"registry must be an EventRegistry, got {type(registry).__name__}"
            )
        require_seconds("lock_timeout", lock_timeout, maximum=3600)
        require_seconds("wait_timeout", wait_timeout, maximum=3600)
        self.registry = registry
        self.conninfo = conninfo
        self.lock_timeout = lock_timeout
        self.wait_timeout = wait_timeout
        self._clock: Clock = clock or (lambda: datetime.now(UTC))
        self._new_id: IdFactory = new_id or uuid.uuid4
        self._user: PostgresSql | None = None
        self._pool: Any = None
        import psycopg
        from psycopg_pool import ConnectionPool

        self._psycopg = psycopg
        first = self._connect()
        try:
            self._key = self._prepare_schema(first)
        finally:
            first.close()
        self._pool = ConnectionPool(
            conninfo,
            min_size=1,
            max_size=max(1, pool_size),
            kwargs={"autocommit": True},
            configure=self._configure,
            open=False,
            timeout=wait_timeout,
            name="esbank",
        )
        self._pool.open()

    def __enter__(self) -> PostgresEventStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def now(self) -> datetime:
        """The store clock's current time in UTC."""
        return self._now()

    def refresh(self) -> None:
        """Nothing to forget: every append asks the table under the writer lock."""

    def snapshot_store(self) -> Any:
        """The ``snapshots`` table beside this store's events (created if missing)."""
        from esbank.eventstore.postgres_snapshots import PostgresSnapshotStore

        return PostgresSnapshotStore(self)

    def same_database(self, other: object) -> bool:
        """Whether ``other`` is a store on the same server, database and schema."""
        return isinstance(other, PostgresEventStore) and other._key == self._key

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
        """Append ``events`` to the stream ``aggregate_id`` atomically (see ``append_batch``).

        ``expected_version`` is an exact int (0 = no events yet), ``ANY``, ``NO_STREAM`` or
        ``STREAM_EXISTS``. Re-sending event ids that are already stored returns the original
        result and writes nothing (an idempotent retry).
        """
        request = StreamAppend(aggregate_id, events, expected_version, event_ids, metadata)
        return self.append_batch([request])[0]

    def append_batch(self, appends: Sequence[StreamAppend]) -> list[AppendResult]:
        """Append to several streams in one transaction and one INSERT: all or nothing,
        positions in the order of ``appends``."""
        if isinstance(appends, StreamAppend | str | bytes) or not isinstance(appends, Sequence):
            raise InvalidAppend("append_batch takes a list of StreamAppend")
        if not appends:
            raise InvalidAppend("nothing to append: the batch is empty")
        planned = [self._prepare(a) for a in appends]
        ids = [i for p in planned for i in p.ids]
        if len(set(ids)) != len(ids):
            raise InvalidAppend("the batch repeats an event id; every event needs its own id")
        try:
            return self._write(planned)
        except ConcurrencyConflict:
            earlier = self._earlier_batch(planned)
            if earlier is not None:
                return earlier
            raise
        except _KeyClash as clash:
            earlier = self._earlier_batch(planned)
            if earlier is not None:
                return earlier
            stream = planned[0].request
            actual = self.stream_version(stream.aggregate_id)
            raise ConcurrencyConflict(
                stream.aggregate_id, stream.expected_version, actual
            ) from clash.__cause__
        except _CommitLost as lost:
            return self._after_lost_commit(planned, lost)

    def _prepare(self, request: Any) -> _Planned:
        if not isinstance(request, StreamAppend):
            raise InvalidAppend(
                f"append_batch takes StreamAppend items, got {type(request).__name__}"
            )
        events = check_events(request.events)
        if not isinstance(request.aggregate_id, UUID):
            raise InvalidAppend(
                f"aggregate_id must be a uuid.UUID, got {type(request.aggregate_id).__name__}; "
                "wrap text ids with uuid.UUID('...')"
            )
        check_expected(request.expected_version)
        given = check_event_ids(request.event_ids, len(events))
        return _Planned(
            request=request,
            encoded=[encode(e) for e in events],
            ids=given or [self._new_id() for _ in events],
            ids_given=given is not None,
            metadata=check_metadata(request.metadata),
        )

    def _write(self, planned: list[_Planned]) -> list[AppendResult]:
        """One transaction in two round trips (psycopg's pipeline mode): BEGIN, take the writer
        lock and read the head and versions; then check every expected version, INSERT all
        rows, NOTIFY and COMMIT. The lock is held for one round trip and the Python between."""
        psycopg = self._psycopg
        streams = list(dict.fromkeys(p.request.aggregate_id for p in planned))
        committing = False
        with self._using("an append") as raw:
            try:
                with raw.pipeline():
                    raw.execute("BEGIN")
                    raw.execute("LOCK TABLE events IN EXCLUSIVE MODE")
                    found = raw.execute(_VERSIONS, [streams]).fetchall()
                    # Stamped under the lock: recorded_at never goes backwards along positions.
                    recorded_at = self._now()
                    versions = {row[0]: int(row[1]) for row in found}
                    columns, results = _rows(planned, versions, int(found[0][2]), recorded_at)
                    raw.execute(_INSERT, columns)
                    raw.execute("SELECT pg_notify(%s, %s)", [CHANNEL, str(columns[0][-1])])
                    committing = True
                    self._commit(raw)
            except psycopg.OperationalError as exc:
                if committing:  # the COMMIT may or may not have happened
                    raise _CommitLost(exc) from exc
                raise
            except BaseException as exc:
                with suppress(psycopg.Error):
                    raw.execute("ROLLBACK")
                if isinstance(exc, psycopg.errors.UniqueViolation):
                    raise _KeyClash() from exc
                raise
            return results

    def _commit(self, raw: Any) -> None:
        raw.execute("COMMIT")

    def _after_lost_commit(self, planned: list[_Planned], lost: _CommitLost) -> list[AppendResult]:
        """The connection broke during COMMIT: ask the server (on a fresh connection) whether
        the events are stored, by their ids."""
        self._pool.check()
        try:
            earlier = self._earlier_batch(planned, every_id=True)
        except StoreError as exc:
            raise OutcomeUnknown(
                f"the connection broke while an append committed, and PostgreSQL cannot be "
                f"asked whether it did ({exc}); retry with the same event ids once the server "
                "is back: stored ids are recognised, never written twice"
            ) from lost.cause
        if earlier is not None:
            return earlier
        raise StoreError(
            f"the connection broke before the append committed ({lost.cause}); none of its "
            "events is stored, so sending it again (best with the same event ids) is safe"
        ) from lost.cause

    def copy_in(self, recorded: Sequence[RecordedEvent]) -> int:
        """Write already-recorded events (e.g. from another store) as they are, each payload
        re-encoded at the current schema version; the positions must continue this log."""
        if not recorded:
            return 0
        rows = [
            (
                r.position,
                str(r.aggregate_id),
                r.version,
                str(r.event_id),
                *encode(r.event),
                json.dumps(r.metadata, sort_keys=True) if r.metadata else None,
                r.recorded_at.astimezone(UTC),
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
            load.insert(pd.DataFrame(rows, columns=COLUMN_NAMES))
        return len(rows)

    def _earlier_batch(
        self, planned: list[_Planned], *, every_id: bool = False
    ) -> list[AppendResult] | None:
        """The results of an earlier identical batch, None if no id is stored, else
        ``DuplicateEventId``. ``every_id`` also looks up ids the store made itself."""
        asked = [p for p in planned if p.ids_given or every_id]
        ids = [i for p in asked for i in p.ids]
        if not ids:
            return None
        with self._using("looking up event ids") as raw:
            found = raw.execute(
                "SELECT position, aggregate_id, version, event_id, event_type, schema_version, "
                "payload FROM events WHERE event_id = ANY(%s) ORDER BY position",
                [ids],
            ).fetchall()
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
            if p.ids_given or every_id
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
        """The clock's time in UTC (an aware datetime)."""
        now = self._clock()
        if not isinstance(now, datetime) or now.tzinfo is None or now.utcoffset() is None:
            raise InvalidAppend(
                f"the store's clock must return a timezone-aware datetime, got {now!r}; "
                "use datetime.now(UTC) or esbank.teach.StepClock"
            )
        try:
            return now.astimezone(UTC)
        except OverflowError:
            raise InvalidAppend(
                f"the store's clock returned {now!r}, which is beyond the range of datetime "
                "in UTC; give the store a clock that returns real times"
            ) from None


class _KeyClash(Exception):
    """A key of the events table refused a row (its cause is psycopg's UniqueViolation)."""


class _CommitLost(Exception):
    """The connection broke during COMMIT."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.cause = cause


def _rows(
    planned: list[_Planned], versions: dict[UUID, int], head: int, recorded_at: datetime
) -> tuple[list[list[Any]], list[AppendResult]]:
    """The rows to insert (one list per column) and each append's result; a failed expected
    version raises ``ConcurrencyConflict`` before anything is written."""
    columns: list[list[Any]] = [[] for _ in COLUMN_NAMES]
    results = []
    position = head
    for p in planned:
        stream, expected = p.request.aggregate_id, p.request.expected_version
        version = versions[stream]
        if not version_matches(expected, version):
            raise ConcurrencyConflict(stream, expected, version)
        first = position + 1
        for event_id, (event_type, schema_version, payload) in zip(p.ids, p.encoded, strict=True):
            position += 1
            version += 1
            row = (position, stream, version, event_id, event_type, schema_version, payload)
            for column, value in zip(columns, (*row, p.metadata, recorded_at), strict=True):
                column.append(value)
        versions[stream] = version
        results.append(AppendResult(stream, version, tuple(range(first, position + 1))))
    return columns, results
