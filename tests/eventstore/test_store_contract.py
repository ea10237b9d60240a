"""The contract of an event store, on both backends (the ``backend`` fixture): expected
versions, atomicity, idempotency, ordering, input checks, corrupt rows. DuckDB only: the three
shapes of a DuckDB conflict, the file lock and file paths.
"""

from __future__ import annotations

import math
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from uuid import UUID

import duckdb
import psycopg
import pytest
from backends import Backend
from support import rows

from esbank import (
    ANY,
    NO_STREAM,
    STREAM_EXISTS,
    AccountOpened,
    AppendResult,
    ConcurrencyConflict,
    CorruptEvent,
    DepositMoney,
    DuckDBEventStore,
    DuplicateEventId,
    InvalidAppend,
    InvalidArgument,
    MoneyDeposited,
    MoneyWithdrawn,
    RecordedEvent,
    StoreError,
    StoreLocked,
    UnknownEventType,
    UnsupportedSchemaVersion,
)
from esbank.eventstore.protocol import SqlStore
from esbank.teach import SequentialIds, StepClock

REPO = Path(__file__).resolve().parents[2]
A = UUID(int=0xA)
B = UUID(int=0xB)
C = UUID(int=0xC)
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
OPEN = AccountOpened("Ada", 100)


@pytest.fixture
def store(backend: Backend) -> SqlStore:
    return backend.store(clock=StepClock(START), new_id=SequentialIds(prefix=0xE))


def assert_usable(store: SqlStore) -> None:
    """A follow-up append works: no transaction was left dangling, positions stay gap-free."""
    head = store.head_position()
    stream = UUID(int=0xF00D)
    result = store.append(stream, [MoneyDeposited(1)], expected_version=ANY)
    assert result.positions == (head + 1,)
    assert [r.position for r in store.read_all()] == list(range(1, head + 2))


def insert_raw(store: Any, **values: Any) -> None:
    """Write one row straight into the table, bypassing every check of the store."""
    row = {
        "position": store.head_position() + 1,
        "aggregate_id": A,
        "version": store.stream_version(A) + 1,
        "event_id": UUID(int=0xBAD0000 + store.head_position()),
        "event_type": "MoneyDeposited",
        "schema_version": MoneyDeposited.schema_version,
        "payload": '{"amount": 5}',
        "metadata": None,
        "recorded_at": START,
    }
    row.update(values)
    names = ", ".join(row)
    marks = ", ".join("?" * len(row))
    store.connection.execute(f"INSERT INTO events ({names}) VALUES ({marks})", list(row.values()))


# -- expected version ------------------------------------------------------------------------
def test_exact_int_expected_version(backend: Backend) -> None:
    with backend.store() as store:
        first = store.append(A, [OPEN], expected_version=0)
        assert first == AppendResult(A, 1, (1,))
        second = store.append(A, [MoneyDeposited(5)], expected_version=1)
        assert second == AppendResult(A, 2, (2,))
        assert second.last_position == 2
        assert store.stream_version(A) == 2


@pytest.mark.parametrize(
    ("existing", "expected"),
    [(0, 1), (0, 5), (2, 0), (2, 1), (2, 3)],
    ids=lambda v: str(v),
)
def test_exact_int_expected_version_conflict(store: SqlStore, existing: int, expected: int) -> None:
    if existing:
        store.append(A, [OPEN, MoneyDeposited(1)][:existing], expected_version=0)
    before = rows(store)
    with pytest.raises(ConcurrencyConflict) as info:
        store.append(A, [MoneyDeposited(5)], expected_version=expected)
    error = info.value
    assert (error.aggregate_id, error.expected, error.actual) == (A, expected, existing)
    assert f"expected version {expected}" in str(error)
    assert f"at version {existing}" in str(error)
    assert "reload" in str(error)
    assert error.__cause__ is None
    assert rows(store) == before
    assert_usable(store)


def test_no_stream(store: SqlStore) -> None:
    assert store.append(A, [OPEN], expected_version=NO_STREAM).new_version == 1
    before = rows(store)
    with pytest.raises(ConcurrencyConflict) as info:
        store.append(A, [AccountOpened("Bob")], expected_version=NO_STREAM)
    assert (info.value.expected, info.value.actual) == (NO_STREAM, 1)
    assert "expected version NO_STREAM" in str(info.value)
    assert rows(store) == before


def test_stream_exists(store: SqlStore) -> None:
    with pytest.raises(ConcurrencyConflict) as info:
        store.append(A, [MoneyDeposited(5)], expected_version=STREAM_EXISTS)
    assert (info.value.expected, info.value.actual) == (STREAM_EXISTS, 0)
    assert rows(store) == []
    store.append(A, [OPEN], expected_version=0)
    assert store.append(A, [MoneyDeposited(5)], expected_version=STREAM_EXISTS).new_version == 2


def test_any(store: SqlStore) -> None:
    assert store.append(A, [OPEN], expected_version=ANY) == AppendResult(A, 1, (1,))
    assert store.append(A, [MoneyDeposited(5)], expected_version=ANY) == AppendResult(A, 2, (2,))
    assert [r.version for r in store.read_stream(A)] == [1, 2]


# -- atomic multi-event append ---------------------------------------------------------------
def test_multi_event_append_takes_consecutive_versions_and_positions(
    store: SqlStore,
) -> None:
    store.append(B, [OPEN], expected_version=0)
    result = store.append(
        A, [OPEN, MoneyDeposited(5), MoneyWithdrawn(105)], expected_version=NO_STREAM
    )
    assert result == AppendResult(A, 3, (2, 3, 4))
    recorded = store.read_stream(A)
    assert [(r.version, r.position) for r in recorded] == [(1, 2), (2, 3), (3, 4)]
    assert [r.event for r in recorded] == [OPEN, MoneyDeposited(5), MoneyWithdrawn(105)]
    assert len({r.recorded_at for r in recorded}) == 1  # one append, one instant


def test_failing_multi_event_append_leaves_nothing(store: SqlStore) -> None:
    taken = UUID(int=0x7A4E)
    store.append(A, [OPEN, MoneyDeposited(5)], expected_version=0, event_ids=[UUID(int=1), taken])
    before = rows(store)
    fresh = UUID(int=0xF4E5)
    with pytest.raises(DuplicateEventId) as info:
        store.append(
            A,
            [MoneyDeposited(1), MoneyDeposited(2)],
            expected_version=2,
            event_ids=[fresh, taken],
        )
    assert str(taken) in str(info.value)
    assert "different content" in str(info.value)
    assert rows(store) == before
    assert store.connection.execute(
        "SELECT count(*) FROM events WHERE event_id = ?", [fresh]
    ).fetchone() == (0,)
    assert_usable(store)


# -- idempotent retries ----------------------------------------------------------------------
@pytest.mark.parametrize("retry_expected", [0, ANY, NO_STREAM, STREAM_EXISTS], ids=str)
def test_idempotent_retry_returns_the_original_result(
    store: SqlStore, retry_expected: object
) -> None:
    ids = [UUID(int=0x1D1), UUID(int=0x1D2)]
    store.append(B, [OPEN], expected_version=0)
    original = store.append(
        A, [OPEN, MoneyDeposited(5)], expected_version=0, event_ids=ids, metadata={"try": 1}
    )
    store.append(B, [MoneyDeposited(9)], expected_version=1)
    before = rows(store)
    again = store.append(
        A,
        [OPEN, MoneyDeposited(5)],
        expected_version=retry_expected,  # type: ignore[arg-type]
        event_ids=tuple(ids),
        metadata={"try": 2},
    )
    assert again == original == AppendResult(A, 2, (2, 3))
    assert rows(store) == before
    assert_usable(store)


@pytest.mark.parametrize("reused_expected", [0, 2, 7])
def test_stored_ids_with_another_exact_expected_version_are_refused(
    store: SqlStore, reused_expected: int
) -> None:
    # Same ids and content, but an exact expected version the original append did not have:
    # not a retry but a reused id (e.g. an id factory restarted), so it must not be swallowed.
    ids = [UUID(int=0x1D1)]
    store.append(A, [OPEN], expected_version=0)
    store.append(A, [MoneyDeposited(5)], expected_version=1, event_ids=ids)
    store.append(A, [MoneyDeposited(5)], expected_version=2)
    before = rows(store)
    with pytest.raises(DuplicateEventId) as info:
        store.append(A, [MoneyDeposited(5)], expected_version=reused_expected, event_ids=ids)
    assert "expected version 1, not" in str(info.value)
    assert "new event ids" in str(info.value)
    assert rows(store) == before
    assert_usable(store)


@pytest.mark.parametrize(
    ("stream", "events", "ids"),
    [
        (A, [MoneyDeposited(6)], [UUID(int=2)]),  # different amount
        (A, [MoneyWithdrawn(5)], [UUID(int=2)]),  # different type
        (B, [MoneyDeposited(5)], [UUID(int=2)]),  # different stream
        (A, [OPEN, MoneyDeposited(5), MoneyDeposited(1)], [UUID(int=i) for i in (1, 2, 3)]),
        (A, [MoneyDeposited(5), OPEN], [UUID(int=2), UUID(int=1)]),  # other order
    ],
    ids=["amount", "type", "stream", "more", "order"],
)
def test_same_ids_different_content_is_an_error(
    store: SqlStore, stream: UUID, events: list[Any], ids: list[UUID]
) -> None:
    store.append(
        A, [OPEN, MoneyDeposited(5)], expected_version=0, event_ids=[UUID(int=1), UUID(int=2)]
    )
    store.append(B, [OPEN], expected_version=0)
    before = rows(store)
    with pytest.raises(DuplicateEventId) as info:
        store.append(stream, events, expected_version=ANY, event_ids=ids)
    assert "already stored with different content" in str(info.value)
    assert rows(store) == before
    assert_usable(store)


# -- positions and reads ---------------------------------------------------------------------
def test_positions_are_global_and_gap_free_in_commit_order(store: SqlStore) -> None:
    plan = [
        (A, [OPEN]),
        (B, [OPEN, MoneyDeposited(1)]),
        (A, [MoneyDeposited(2)]),
        (C, [OPEN]),
        (B, [MoneyWithdrawn(3), MoneyWithdrawn(4)]),
        (A, [MoneyWithdrawn(5)]),
    ]
    committed: list[tuple[UUID, int]] = []
    for stream, events in plan:
        result = store.append(stream, events, expected_version=ANY)
        first = result.new_version - len(events) + 1
        committed += [(stream, v) for v in range(first, result.new_version + 1)]
        assert result.positions == tuple(
            range(len(committed) - len(events) + 1, len(committed) + 1)
        )
    recorded = store.read_all()
    assert [r.position for r in recorded] == list(range(1, len(committed) + 1))
    assert [(r.aggregate_id, r.version) for r in recorded] == committed
    assert store.head_position() == len(committed)


def test_read_stream_ranges(store: SqlStore) -> None:
    store.append(A, [OPEN], expected_version=0)
    store.append(B, [OPEN], expected_version=0)
    store.append(A, [MoneyDeposited(i) for i in (1, 2, 3, 4)], expected_version=1)

    def versions(**kwargs: Any) -> list[int]:
        return [r.version for r in store.read_stream(A, **kwargs)]

    assert versions() == [1, 2, 3, 4, 5]
    assert versions(from_version=2) == [2, 3, 4, 5]
    assert versions(to_version=3) == [1, 2, 3]
    assert versions(from_version=2, to_version=4) == [2, 3, 4]
    assert versions(from_version=3, to_version=3) == [3]
    assert versions(from_version=6) == []
    assert versions(to_version=0) == []
    assert versions(from_version=4, to_version=2) == []
    assert versions(to_version=99) == [1, 2, 3, 4, 5]
    assert store.read_stream(C) == []
    assert [r.event for r in store.read_stream(A, from_version=4)] == [
        MoneyDeposited(3),
        MoneyDeposited(4),
    ]


def test_read_all_after_position_and_limit(store: SqlStore) -> None:
    store.append(A, [OPEN, MoneyDeposited(1)], expected_version=0)
    store.append(B, [OPEN, MoneyDeposited(2), MoneyDeposited(3)], expected_version=0)

    def positions(**kwargs: Any) -> list[int]:
        return [r.position for r in store.read_all(**kwargs)]

    assert positions() == [1, 2, 3, 4, 5]
    assert positions(after_position=2) == [3, 4, 5]
    assert positions(after_position=2, limit=2) == [3, 4]
    assert positions(limit=1) == [1]
    assert positions(limit=100) == [1, 2, 3, 4, 5]
    assert positions(after_position=5) == []
    assert positions(after_position=50) == []


def test_stream_version_and_head_position(store: SqlStore) -> None:
    assert (store.stream_version(A), store.head_position()) == (0, 0)
    store.append(A, [OPEN, MoneyDeposited(1)], expected_version=0)
    store.append(B, [OPEN], expected_version=0)
    assert (store.stream_version(A), store.stream_version(B), store.stream_version(C)) == (2, 1, 0)
    assert store.head_position() == 3


def test_recorded_event_fields(store: SqlStore) -> None:
    store.append(A, [OPEN], expected_version=0, event_ids=[UUID(int=0x99)])
    (recorded,) = store.read_stream(A)
    assert recorded == RecordedEvent(
        position=1,
        aggregate_id=A,
        version=1,
        event_id=UUID(int=0x99),
        event_type="AccountOpened",
        schema_version=AccountOpened.schema_version,
        event=OPEN,
        metadata={},
        recorded_at=START,
    )
    assert store.read_all() == [recorded]


def test_event_ids_come_from_the_injected_factory(store: SqlStore) -> None:
    store.append(A, [OPEN, MoneyDeposited(1)], expected_version=0)
    ids = [r.event_id for r in store.read_stream(A)]
    assert ids == [UUID(int=(0xE << 112) | 1), UUID(int=(0xE << 112) | 2)]


# -- the clock -------------------------------------------------------------------------------
def test_recorded_at_comes_from_the_injected_clock(store: SqlStore) -> None:
    store.append(A, [OPEN], expected_version=0)
    store.append(A, [MoneyDeposited(1)], expected_version=1)
    times = [r.recorded_at for r in store.read_stream(A)]
    assert times == [START, START + timedelta(minutes=1)]
    assert all(t.utcoffset() == timedelta(0) for t in times)


def test_recorded_at_is_converted_to_utc(backend: Backend) -> None:
    plus_two = timezone(timedelta(hours=2))
    with backend.store(clock=lambda: datetime(2026, 3, 1, 12, 0, tzinfo=plus_two)) as store:
        store.append(A, [OPEN], expected_version=0)
        (recorded,) = store.read_all()
        raw = store.connection.execute(
            "SELECT substr(CAST(recorded_at AT TIME ZONE 'UTC' AS VARCHAR), 1, 16) FROM events"
        ).fetchone()
    assert recorded.recorded_at == datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
    assert recorded.recorded_at.utcoffset() == timedelta(0)
    assert recorded.recorded_at.hour == 10
    assert raw == ("2026-03-01 10:00",)


@pytest.mark.parametrize(
    "clock_value",
    [datetime(2026, 3, 1, 12, 0), "2026-03-01T12:00:00Z", None],
    ids=["naive", "str", "none"],
)
def test_a_clock_without_timezone_is_refused(backend: Backend, clock_value: object) -> None:
    with backend.store(clock=lambda: clock_value) as store:  # type: ignore[arg-type,return-value]
        with pytest.raises(InvalidAppend, match="timezone-aware datetime"):
            store.append(A, [OPEN], expected_version=0)
        assert rows(store) == []
        assert store.head_position() == 0


# -- metadata --------------------------------------------------------------------------------
def test_metadata_round_trips(store: SqlStore) -> None:
    metadata = {
        "command_id": "c-1",
        "correlation": {"id": 7, "chain": ["a", "b"]},
        "amount": 2**63 - 1,
        "ratio": 0.25,
        "flag": True,
        "nothing": None,
        "text": "Zoë ☃ 東京",
    }
    store.append(A, [OPEN, MoneyDeposited(1)], expected_version=0, metadata=metadata)
    store.append(B, [OPEN], expected_version=0)
    assert [r.metadata for r in store.read_stream(A)] == [metadata, metadata]
    assert [r.metadata for r in store.read_all()] == [metadata, metadata, {}]


# -- input checks on append ------------------------------------------------------------------
def _gen() -> Iterator[Any]:
    yield OPEN


BAD_APPENDS: list[tuple[str, dict[str, Any], str]] = [
    ("aggregate str", {"aggregate_id": str(A)}, "aggregate_id must be a uuid.UUID"),
    ("aggregate int", {"aggregate_id": 10}, "aggregate_id must be a uuid.UUID"),
    ("aggregate None", {"aggregate_id": None}, "aggregate_id must be a uuid.UUID"),
    ("empty list", {"events": []}, "events is empty"),
    ("single event", {"events": OPEN}, "wrap a single event as [event]"),
    ("string", {"events": "AccountOpened"}, "events must be a list"),
    ("dict", {"events": {"a": OPEN}}, "events must be a list"),
    ("generator", {"events": _gen()}, "events must be a list"),
    ("str item", {"events": [OPEN, "MoneyDeposited"]}, "events[1] is a str"),
    ("command item", {"events": [DepositMoney(A, 5)]}, "events[0] is a DepositMoney"),
    ("None item", {"events": [None]}, "events[0] is a NoneType"),
    ("expected True", {"expected_version": True}, "expected_version must be an int >= 0"),
    ("expected False", {"expected_version": False}, "expected_version must be an int >= 0"),
    ("expected -1", {"expected_version": -1}, "expected_version must be an int >= 0"),
    ("expected str", {"expected_version": "0"}, "expected_version must be an int >= 0"),
    ("expected float", {"expected_version": 0.0}, "expected_version must be an int >= 0"),
    ("expected None", {"expected_version": None}, "expected_version must be an int >= 0"),
    ("ids too few", {"event_ids": []}, "event_ids has 0 ids for 1 events"),
    ("ids too many", {"event_ids": [UUID(int=1), UUID(int=2)]}, "has 2 ids for 1 events"),
    ("ids a uuid", {"event_ids": UUID(int=1)}, "event_ids must be a list of uuid.UUID"),
    ("ids a str", {"event_ids": "x"}, "event_ids must be a list of uuid.UUID"),
    ("ids items str", {"event_ids": [str(UUID(int=1))]}, "event_ids[0] must be a uuid.UUID"),
    (
        "ids duplicate",
        {"events": [OPEN, MoneyDeposited(1)], "event_ids": [UUID(int=1), UUID(int=1)]},
        "repeats an id",
    ),
    ("metadata object", {"metadata": {"x": object()}}, "JSON-serialisable"),
    ("metadata set", {"metadata": {"x": {1, 2}}}, "JSON-serialisable"),
    ("metadata NaN", {"metadata": {"x": math.nan}}, "JSON-serialisable"),
    ("metadata inf", {"metadata": {"x": [math.inf]}}, "JSON-serialisable"),
    ("metadata int key", {"metadata": {1: "x"}}, "dict with str keys"),
    ("metadata list", {"metadata": [("x", 1)]}, "dict with str keys"),
    ("metadata str", {"metadata": "command=1"}, "dict with str keys"),
]


@pytest.mark.parametrize(
    ("overrides", "why"), [b[1:] for b in BAD_APPENDS], ids=[b[0] for b in BAD_APPENDS]
)
def test_bad_append_input_is_refused_and_nothing_is_written(
    store: SqlStore, overrides: dict[str, Any], why: str
) -> None:
    store.append(B, [OPEN], expected_version=0)
    before = rows(store)
    arguments: dict[str, Any] = {"aggregate_id": A, "events": [OPEN], "expected_version": 0}
    arguments.update(overrides)
    aggregate_id = arguments.pop("aggregate_id")
    events = arguments.pop("events")
    with pytest.raises(InvalidAppend) as info:
        store.append(aggregate_id, events, **arguments)
    assert why in str(info.value)
    assert isinstance(info.value, StoreError)
    assert isinstance(info.value, InvalidArgument)
    assert rows(store) == before
    assert_usable(store)


# -- input checks on reads -------------------------------------------------------------------
BAD_READS: list[tuple[str, Any, str]] = [
    ("stream str id", lambda s: s.read_stream(str(A)), "aggregate_id must be a uuid.UUID"),
    ("stream None id", lambda s: s.read_stream(None), "aggregate_id must be a uuid.UUID"),
    ("from 0", lambda s: s.read_stream(A, from_version=0), "from_version must be an int >= 1"),
    ("from -3", lambda s: s.read_stream(A, from_version=-3), "from_version must be an int >= 1"),
    ("from True", lambda s: s.read_stream(A, from_version=True), "from_version must be an int"),
    ("from str", lambda s: s.read_stream(A, from_version="1"), "from_version must be an int"),
    ("to -1", lambda s: s.read_stream(A, to_version=-1), "to_version must be an int >= 0"),
    ("to float", lambda s: s.read_stream(A, to_version=2.0), "to_version must be an int"),
    ("after -1", lambda s: s.read_all(after_position=-1), "after_position must be an int >= 0"),
    ("after bool", lambda s: s.read_all(after_position=False), "after_position must be an int"),
    ("after float", lambda s: s.read_all(after_position=1.0), "after_position must be an int"),
    ("limit 0", lambda s: s.read_all(limit=0), "limit must be an int >= 1"),
    ("limit -1", lambda s: s.read_all(limit=-1), "limit must be an int >= 1"),
    ("limit str", lambda s: s.read_all(limit="10"), "limit must be an int"),
    ("limit True", lambda s: s.read_all(limit=True), "limit must be an int"),
    ("version str", lambda s: s.stream_version(str(A)), "aggregate_id must be a uuid.UUID"),
]


@pytest.mark.parametrize(("read", "why"), [b[1:] for b in BAD_READS], ids=[b[0] for b in BAD_READS])
def test_bad_read_arguments_raise_invalid_argument(store: SqlStore, read: Any, why: str) -> None:
    store.append(A, [OPEN], expected_version=0)
    with pytest.raises(InvalidArgument) as info:
        read(store)
    assert why in str(info.value)
    # a read never claims that an append was refused
    assert not isinstance(info.value, InvalidAppend)


# -- corrupt rows ----------------------------------------------------------------------------
def names_the_row(message: str, position: int, version: int, aggregate: UUID = A) -> bool:
    return (
        f"position {position}" in message
        and str(aggregate) in message
        and f"version {version}" in message
    )


def test_the_json_column_already_refuses_malformed_payloads(store: SqlStore) -> None:
    store.append(A, [OPEN], expected_version=0)
    with pytest.raises((duckdb.ConversionException, psycopg.errors.InvalidTextRepresentation)):
        insert_raw(store, payload="{not json")


CORRUPTIONS: list[tuple[str, dict[str, Any], type[Exception], str]] = [
    ("bad JSON", {"payload": "{not json"}, CorruptEvent, "is not valid JSON"),
    ("JSON list", {"payload": "[1, 2]"}, CorruptEvent, "must be a JSON object, got list"),
    ("JSON str", {"payload": '"five"'}, CorruptEvent, "must be a JSON object, got str"),
    (
        "unknown type",
        {"event_type": "MoneyTeleported"},
        UnknownEventType,
        "unknown event type 'MoneyTeleported'",
    ),
    ("debug dump type", {"event_type": "<MoneyDeposited object>"}, UnknownEventType, "unknown"),
    ("schema 99", {"schema_version": 99}, UnsupportedSchemaVersion, "schema version 99"),
    ("schema 0", {"schema_version": 0}, UnsupportedSchemaVersion, "schema version 0"),
    ("missing field", {"payload": "{}"}, CorruptEvent, "missing field(s) amount"),
    ("negative", {"payload": '{"amount": -5}'}, CorruptEvent, "invalid value"),
    ("zero", {"payload": '{"amount": 0}'}, CorruptEvent, "invalid value"),
    ("float", {"payload": '{"amount": 1.5}'}, CorruptEvent, "invalid value"),
    ("string amount", {"payload": '{"amount": "5"}'}, CorruptEvent, "invalid value"),
    ("too big", {"payload": '{"amount": 9223372036854775808}'}, CorruptEvent, "invalid value"),
    ("bad metadata", {"metadata": "{oops"}, CorruptEvent, "metadata"),
]


@pytest.mark.parametrize(
    ("values", "error", "why"), [c[1:] for c in CORRUPTIONS], ids=[c[0] for c in CORRUPTIONS]
)
def test_corrupt_rows_raise_typed_errors_naming_the_row(
    backend: Backend,
    store: SqlStore,
    values: dict[str, Any],
    error: type[Exception],
    why: str,
) -> None:
    store.append(A, [OPEN, MoneyDeposited(1)], expected_version=0)
    store.append(B, [OPEN], expected_version=0)
    backend.loosen_json(store)
    insert_raw(store, **values)  # position 4, stream A version 3
    for read in (
        lambda: store.read_stream(A),
        lambda: store.read_all(),
        lambda: store.read_all(after_position=3),
    ):
        with pytest.raises(error) as info:
            read()
        assert isinstance(info.value, StoreError)
        assert why in str(info.value)
        assert names_the_row(str(info.value), position=4, version=3)
    # the rows before the bad one are still readable
    assert [r.position for r in store.read_all(limit=3)] == [1, 2, 3]
    assert [r.version for r in store.read_stream(A, to_version=2)] == [1, 2]


def test_a_gap_in_versions_is_corrupt(store: SqlStore) -> None:
    store.append(A, [OPEN, MoneyDeposited(1)], expected_version=0)
    insert_raw(store, version=4)  # version 3 is missing; position 3 is fine
    with pytest.raises(CorruptEvent) as info:
        store.read_stream(A)
    message = str(info.value)
    assert "gap" in message
    assert "version 3 is missing" in message
    assert names_the_row(message, position=3, version=4)
    with pytest.raises(CorruptEvent, match="version 3 is missing"):
        store.read_stream(A, from_version=2)


def test_a_missing_first_version_is_corrupt(store: SqlStore) -> None:
    insert_raw(store, version=2, event_type="AccountOpened", payload='{"owner": "Ada"}')
    with pytest.raises(CorruptEvent) as info:
        store.read_stream(A)
    assert "version 1 is missing" in str(info.value)
    assert names_the_row(str(info.value), position=1, version=2)


def test_a_gap_in_positions_is_corrupt(store: SqlStore) -> None:
    store.append(A, [OPEN, MoneyDeposited(1)], expected_version=0)
    insert_raw(store, position=5)  # positions 3 and 4 are missing
    with pytest.raises(CorruptEvent) as info:
        store.read_all()
    message = str(info.value)
    assert "the global log has a gap" in message
    assert "position 3 is missing" in message
    assert names_the_row(message, position=5, version=3)
    with pytest.raises(CorruptEvent, match="position 4 is missing"):
        store.read_all(after_position=3)
    assert [r.position for r in store.read_all(limit=2)] == [1, 2]


# -- the three shapes of a conflict ----------------------------------------------------------
class _HookedConnection:
    """Wraps a DuckDB connection; runs ``hook`` once, just before the first matching statement."""

    def __init__(self, conn: duckdb.DuckDBPyConnection, prefix: str, hook: Any) -> None:
        self._conn = conn
        self._prefix = prefix
        self._hook = hook

    def execute(self, sql: str, *args: Any) -> Any:
        if self._hook is not None and sql.lstrip().upper().startswith(self._prefix):
            hook, self._hook = self._hook, None
            hook()
        return self._conn.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


class HookedStore(DuckDBEventStore):
    """A store whose transaction lets a test run code between two of its statements."""

    hooked: _HookedConnection | None = None

    def arm(self, prefix: str, hook: Any) -> None:
        self.hooked = _HookedConnection(super()._own(), prefix, hook)

    def _own(self) -> Any:  # the connection the store runs its own statements on
        if self.hooked is not None and self.hooked._hook is not None:
            return self.hooked
        return super()._own()


def other_writer_row(cursor: duckdb.DuckDBPyConnection, position: int, version: int) -> None:
    cursor.execute(
        "INSERT INTO events (position, aggregate_id, version, event_id, event_type, "
        "schema_version, payload, metadata, recorded_at) "
        "VALUES (?, ?, ?, ?, 'MoneyWithdrawn', 1, '{\"amount\": 40}', NULL, ?)",
        [position, A, version, UUID(int=0x07E4), START],
    )


@pytest.fixture
def hooked() -> Iterator[HookedStore]:
    with HookedStore(clock=StepClock(START)) as s:
        s.append(A, [OPEN], expected_version=0)
        yield s


def test_conflict_as_constraint_exception_becomes_concurrency_conflict(
    hooked: HookedStore,
) -> None:
    """Another writer commits the same keys after our BEGIN, before our INSERT."""
    cursor = hooked.connection.cursor()

    def other_writer_commits() -> None:
        other_writer_row(cursor, position=2, version=2)  # autocommit

    hooked.arm("INSERT", other_writer_commits)
    with pytest.raises(ConcurrencyConflict) as info:
        hooked.append(A, [MoneyDeposited(5)], expected_version=1, event_ids=[UUID(int=0x51)])
    assert isinstance(info.value.__cause__, duckdb.ConstraintException)
    assert (info.value.aggregate_id, info.value.expected, info.value.actual) == (A, 1, 2)
    assert [r.event for r in hooked.read_stream(A)] == [OPEN, MoneyWithdrawn(40)]
    assert_usable(hooked)


def test_conflict_at_commit_becomes_concurrency_conflict(hooked: HookedStore) -> None:
    """A rival transaction commits the same keys inside our INSERT's own commit.

    An append is one autocommit INSERT, so Python cannot pause between our insert and our
    commit; the hook commits the rival there and raises what DuckDB raises in that window.
    """
    cursor = hooked.connection.cursor()
    cursor.execute("BEGIN TRANSACTION")
    other_writer_row(cursor, position=2, version=2)  # not committed yet

    def rival_commits_inside_our_commit() -> None:
        cursor.execute("COMMIT")
        raise duckdb.TransactionException(
            "TransactionContext Error: Failed to commit: PRIMARY KEY or UNIQUE constraint "
            "violation: duplicate key"
        )

    hooked.arm("INSERT", rival_commits_inside_our_commit)
    with pytest.raises(ConcurrencyConflict) as info:
        hooked.append(A, [MoneyDeposited(5)], expected_version=1)
    assert isinstance(info.value.__cause__, duckdb.TransactionException)
    assert (info.value.expected, info.value.actual) == (1, 2)
    assert [r.event for r in hooked.read_stream(A)] == [OPEN, MoneyWithdrawn(40)]
    assert_usable(hooked)


def test_an_uncommitted_rival_loses_to_the_store_at_its_own_commit(hooked: HookedStore) -> None:
    """What DuckDB really does when the rival inserted first but commits last.

    DuckDB does not block or refuse our INSERT because of another transaction's uncommitted
    row: the first COMMIT wins, and the rival's COMMIT is the one that fails.
    """
    cursor = hooked.connection.cursor()
    cursor.execute("BEGIN TRANSACTION")
    other_writer_row(cursor, position=2, version=2)
    result = hooked.append(A, [MoneyDeposited(5)], expected_version=1)
    assert result == AppendResult(A, 2, (2,))
    with pytest.raises(duckdb.TransactionException, match="constraint violation"):
        cursor.execute("COMMIT")
    assert [r.event for r in hooked.read_stream(A)] == [OPEN, MoneyDeposited(5)]
    assert_usable(hooked)


def test_conflict_as_expected_version_mismatch(hooked: HookedStore) -> None:
    cursor = hooked.connection.cursor()
    other_writer_row(cursor, position=2, version=2)
    before = rows(hooked)
    with pytest.raises(ConcurrencyConflict) as info:
        hooked.append(A, [MoneyDeposited(5)], expected_version=1)
    assert (info.value.expected, info.value.actual) == (1, 2)
    assert rows(hooked) == before
    assert_usable(hooked)


def test_store_keeps_working_after_every_kind_of_failure(store: SqlStore) -> None:
    store.append(A, [OPEN], expected_version=0, event_ids=[UUID(int=1)])
    failures = [
        lambda: store.append(A, [MoneyDeposited(1)], expected_version=5),
        lambda: store.append(A, [MoneyDeposited(1)], expected_version=1, event_ids=[UUID(int=1)]),
        lambda: store.append(A, [], expected_version=1),
        lambda: store.append(A, [MoneyDeposited(1)], expected_version=1, metadata={"x": math.nan}),
    ]
    for fail in failures:
        with pytest.raises((ConcurrencyConflict, DuplicateEventId, InvalidAppend)):
            fail()
        # a dangling transaction would make this BEGIN fail
        store.connection.execute("BEGIN TRANSACTION")
        store.connection.execute("ROLLBACK")
    assert store.append(A, [MoneyDeposited(1)], expected_version=1).positions == (2,)


# -- lifecycle and files ---------------------------------------------------------------------
def test_closed_store_says_so(backend: Backend) -> None:
    store = backend.store()
    store.close()
    store.close()  # closing twice is harmless
    with pytest.raises(StoreError, match="closed"):
        store.append(A, [OPEN], expected_version=0)
    with pytest.raises(StoreError, match="closed"):
        store.read_all()


def test_a_file_store_keeps_its_events(tmp_path: Path) -> None:
    path = tmp_path / "bank.duckdb"
    with DuckDBEventStore(path, clock=StepClock(START)) as store:
        store.append(A, [OPEN, MoneyDeposited(5)], expected_version=0, metadata={"k": "v"})
    with DuckDBEventStore(str(path)) as store:
        recorded = store.read_stream(A)
    assert [r.event for r in recorded] == [OPEN, MoneyDeposited(5)]
    assert [r.metadata for r in recorded] == [{"k": "v"}, {"k": "v"}]
    assert recorded[0].recorded_at == START


def test_path_must_be_a_path() -> None:
    with pytest.raises(InvalidArgument, match=r"path must be a str or os\.PathLike"):
        DuckDBEventStore(42)  # type: ignore[arg-type]


CHILD = """
import sys
from uuid import UUID
from esbank import DuckDBEventStore, AccountOpened
store = DuckDBEventStore(sys.argv[1])
store.append(UUID(int=0xC41D), [AccountOpened("child")], expected_version=0)
print("ready", flush=True)
sys.stdin.readline()
store.close()
"""


def test_a_file_held_by_another_process_raises_store_locked(tmp_path: Path) -> None:
    path = tmp_path / "locked.duckdb"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    try:
        assert child.stdout is not None and child.stdin is not None
        assert child.stdout.readline().strip() == "ready"
        with pytest.raises(StoreLocked) as info:
            DuckDBEventStore(path)
        message = str(info.value)
        assert str(path) in message
        assert "is locked by process" in message
        assert str(child.pid) in message
        assert "one process" in message
        assert "Close that process" in message
        assert isinstance(info.value, StoreError)
        child.stdin.write("done\n")
        child.stdin.flush()
        assert child.wait(timeout=30) == 0
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    with DuckDBEventStore(path) as store:
        assert [r.event for r in store.read_all()] == [AccountOpened("child")]
        assert store.append(A, [OPEN], expected_version=0).positions == (2,)


def test_two_stores_on_one_file_share_a_lock_and_stay_gap_free(tmp_path: Path) -> None:
    path = tmp_path / "shared.duckdb"
    with DuckDBEventStore(path) as first, DuckDBEventStore(path) as second:
        assert first._lock is second._lock
        first.append(A, [OPEN], expected_version=0)
        assert second.stream_version(A) == 1
        with pytest.raises(ConcurrencyConflict):
            second.append(A, [OPEN], expected_version=0)
        second.append(A, [MoneyDeposited(1)], expected_version=1)

        errors: list[BaseException] = []

        def writer(store: SqlStore, stream: UUID) -> None:
            try:
                store.append(stream, [OPEN], expected_version=ANY)
                for _ in range(30):
                    store.append(stream, [MoneyDeposited(1)], expected_version=ANY)
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [
            threading.Thread(target=writer, args=(store, stream))
            for store, stream in ((first, B), (second, C), (first, UUID(int=0xD)))
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        for store in (first, second):
            recorded = store.read_all()
            assert [r.position for r in recorded] == list(range(1, 2 + 3 * 31 + 1))
            for stream in (B, C, UUID(int=0xD)):
                assert [r.version for r in store.read_stream(stream)] == list(range(1, 32))


def test_two_store_objects_on_one_database_stay_gap_free(backend: Backend) -> None:
    first, second = backend.store(), backend.store()
    assert first.same_database(second) and second.same_database(first)
    first.append(A, [OPEN], expected_version=0)
    with pytest.raises(ConcurrencyConflict):
        second.append(A, [OPEN], expected_version=0)
    errors: list[BaseException] = []

    def writer(store: SqlStore, stream: UUID) -> None:
        try:
            for _ in range(20):
                store.append(stream, [MoneyDeposited(1)], expected_version=ANY)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [
        threading.Thread(target=writer, args=(store, stream))
        for store, stream in ((first, B), (second, C), (first, A), (second, UUID(int=0xD)))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert [r.position for r in second.read_all()] == list(range(1, 82))
    assert [r.version for r in first.read_stream(A)] == list(range(1, 22))


def test_in_memory_stores_are_independent() -> None:
    with DuckDBEventStore() as one, DuckDBEventStore() as two:
        one.append(A, [OPEN], expected_version=0)
        assert two.head_position() == 0
        assert two.append(A, [OPEN], expected_version=0).positions == (1,)


@pytest.mark.parametrize("kind", ["not a database", "missing folder", "a folder"])
def test_a_file_that_cannot_be_opened_is_a_store_error(tmp_path: Path, kind: str) -> None:
    path = {
        "not a database": tmp_path / "garbage.duckdb",
        "missing folder": tmp_path / "no" / "such" / "bank.duckdb",
        "a folder": tmp_path,
    }[kind]
    if kind == "not a database":
        path.write_text("hello, I am not a database\n" * 200, encoding="utf-8")
    with pytest.raises(StoreError) as info:
        DuckDBEventStore(path)
    assert not isinstance(info.value, StoreLocked)
    assert "cannot open event store" in str(info.value)
    assert str(path) in str(info.value)


def test_every_spelling_of_one_file_shares_one_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "bank.duckdb"
    (tmp_path / "link.duckdb").symlink_to(path)
    with DuckDBEventStore(path) as first:
        first.append(A, [OPEN], expected_version=0)
        for spelling in ("bank.duckdb", str(tmp_path / "." / "bank.duckdb"), "link.duckdb"):
            with DuckDBEventStore(spelling) as other:
                assert other._lock is first._lock
                version = other.stream_version(A)
                other.append(A, [MoneyDeposited(1)], expected_version=version)
        assert [r.position for r in first.read_all()] == [1, 2, 3, 4]


def test_unknown_payload_fields_are_tolerated(store: SqlStore) -> None:
    store.append(A, [OPEN], expected_version=0)
    insert_raw(store, payload='{"amount": 5, "currency": "EUR"}')
    assert store.read_stream(A)[-1].event == MoneyDeposited(5)
