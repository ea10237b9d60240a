"""Fuzzing the edges: every command field and every argument of ``append``/``append_batch``.

Whatever goes in, what comes out is a valid command, an accepted write, or an ``EsbankError``
subclass (never a ``TypeError``, ``AttributeError``, a raw DuckDB error, ...), and a refused
write leaves the store byte for byte as it was.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from support import rows

from esbank import (
    ANY,
    INT64_MAX,
    NO_STREAM,
    STREAM_EXISTS,
    AccountClosed,
    AccountOpened,
    AppendResult,
    Bank,
    CloseAccount,
    CommandResult,
    ConcurrencyConflict,
    DepositMoney,
    DomainError,
    DuckDBEventStore,
    DuplicateEventId,
    EsbankError,
    InvalidAppend,
    InvalidCommand,
    MoneyDeposited,
    MoneyWithdrawn,
    OpenAccount,
    StreamAppend,
    WithdrawMoney,
    replay,
)

FIXED = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
A = UUID(int=0xA)
B = UUID(int=0xB)
C = UUID(int=0xC)
STORED_IDS = [UUID(int=1), UUID(int=2), UUID(int=3)]
FUZZ = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def fuzz(examples: int) -> settings:
    return settings(FUZZ, max_examples=examples)


# -- values of every kind ----------------------------------------------------------------------
surrogates = st.characters(categories=["Cs"])  # lone halves of a UTF-16 pair: not real text
texts = st.text(st.one_of(st.characters(), surrogates), max_size=12)
tricky_texts = st.sampled_from(
    [
        "",
        " ",
        "\t\n\r ",
        "\x00",
        "\ud800",
        "Ada \udfff",
        "\u2028",
        "Zoë",
        "A" * 200,
        " " + "B" * 200 + " ",
        "C" * 201,
        "🙂" * 200,
        "🙂" * 201,
        '"; DROP TABLE events; --',
    ]
)
ints = st.one_of(
    st.integers(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, 1, -1, INT64_MAX, INT64_MAX + 1, -(2**63), 2**64, 10**30]),
)
hashables = st.one_of(
    ints,
    st.floats(),
    st.booleans(),
    texts,
    tricky_texts,
    st.binary(max_size=6),
    st.none(),
    st.decimals(allow_nan=False),  # a signalling NaN cannot even be a dict key
    st.uuids(),
    st.complex_numbers(),
    st.fractions(),
    st.datetimes(),
    st.tuples(st.integers()),
    st.sampled_from([math.nan, math.inf, -math.inf, Decimal("NaN"), Fraction(1, 3)]),
)
anything = st.one_of(
    hashables,
    st.decimals(),
    st.lists(st.integers(), max_size=3),
    st.sets(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.builds(object),
    st.sampled_from([ANY, NO_STREAM, STREAM_EXISTS, MoneyDeposited(1), AccountClosed()]),
)
amounts = st.one_of(st.integers(1, INT64_MAX), st.integers(1, 10_000), st.integers(1, 2_000))


def mostly(valid: st.SearchStrategy[Any], *invalid: st.SearchStrategy[Any]) -> Any:
    """A valid value three times in four, else an invalid one: with several fields, a draw of
    all-garbage arguments would almost never reach the code behind the checks. (``one_of``
    with ``valid`` repeated would not weigh it: the repeats count once.)"""
    bad = st.one_of(*invalid)
    return st.sampled_from([True, True, True, False]).flatmap(lambda ok: valid if ok else bad)


owners = st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=30).filter(
    lambda s: s.strip()
)


# -- commands ----------------------------------------------------------------------------------
def _check_valid(command: Any) -> None:
    """A command that could be built holds only values the rules allow."""
    assert isinstance(command.account_id, UUID)
    if isinstance(command, OpenAccount):
        assert type(command.owner) is str
        assert 1 <= len(command.owner) <= 200
        assert command.owner == command.owner.strip()
        command.owner.encode("utf-8")  # real text, storable anywhere
        assert type(command.initial_balance) is int
        assert 0 <= command.initial_balance <= INT64_MAX
    if isinstance(command, DepositMoney | WithdrawMoney):
        assert type(command.amount) is int
        assert 1 <= command.amount <= INT64_MAX


commands = st.one_of(
    st.tuples(
        st.just(OpenAccount),
        st.fixed_dictionaries(
            {
                "account_id": mostly(st.uuids(), anything),
                "owner": mostly(owners, texts, tricky_texts, anything),
                "initial_balance": mostly(st.one_of(st.just(0), amounts), anything),
            }
        ),
    ),
    st.tuples(
        st.sampled_from([DepositMoney, WithdrawMoney]),
        st.fixed_dictionaries(
            {"account_id": mostly(st.uuids(), anything), "amount": mostly(amounts, anything)}
        ),
    ),
    st.tuples(
        st.just(CloseAccount),
        st.fixed_dictionaries({"account_id": mostly(st.uuids(), anything)}),
    ),
)


@pytest.fixture
def store() -> Iterator[DuckDBEventStore]:
    with DuckDBEventStore(clock=lambda: FIXED) as s:
        yield s


@fuzz(300)
@given(commands)
@example((OpenAccount, {"account_id": A, "owner": "\ud800", "initial_balance": 0}))
@example((OpenAccount, {"account_id": A, "owner": " Ada\udfff ", "initial_balance": 1}))
@example((OpenAccount, {"account_id": A, "owner": "🙂" * 200, "initial_balance": INT64_MAX}))
@example((DepositMoney, {"account_id": A, "amount": True}))
@example((WithdrawMoney, {"account_id": A, "amount": math.nan}))
@example((DepositMoney, {"account_id": str(A), "amount": 1}))
@example((CloseAccount, {"account_id": None}))
def test_building_a_command_gives_a_valid_command_or_an_invalid_command_error(
    case: tuple[type, dict[str, Any]],
) -> None:
    kind, fields = case
    try:
        command = kind(**fields)
    except EsbankError as error:
        assert isinstance(error, InvalidCommand)
        assert str(error)
        return
    _check_valid(command)


def test_handling_fuzzed_commands(store: DuckDBEventStore) -> None:
    """Built commands go through Bank.handle: accepted and stored exactly, or refused by a
    rule with nothing written. The store is shared by all examples, so the accounts carry
    whatever earlier examples left."""
    bank = Bank(store)

    @fuzz(200)
    @given(commands, st.booleans())
    @example((OpenAccount, {"account_id": C, "owner": "Ada\ud800", "initial_balance": 5}), False)
    @example((OpenAccount, {"account_id": B, "owner": "🙂" * 200, "initial_balance": 1}), True)
    @example((DepositMoney, {"account_id": B, "amount": INT64_MAX}), True)
    def check(case: tuple[type, dict[str, Any]], open_first: bool) -> None:
        kind, fields = case
        try:
            command = kind(**fields)
        except InvalidCommand:
            seen["not built"] += 1
            return
        account = command.account_id
        if open_first and store.stream_version(account) == 0:
            bank.handle(OpenAccount(account, "Owner", 1_000))
        version = store.stream_version(account)
        state = replay((r.event for r in store.read_stream(account)), account_id=account)
        before = rows(store)
        try:
            result = bank.handle(command)
        except EsbankError as error:
            assert isinstance(error, DomainError)
            assert rows(store) == before
            seen["refused"] += 1
            return
        seen["accepted"] += 1
        assert isinstance(result, CommandResult)
        assert (result.new_version, result.position) == (version + 1, len(before) + 1)
        stored = store.read_stream(account)
        assert [r.event for r in stored[version:]] == list(result.events)
        after = replay(result.events, state)
        assert bank.load(account) == after
        assert 0 <= after.balance <= INT64_MAX

    seen: Counter[str] = Counter()
    check()
    assert min(seen["not built"], seen["refused"], seen["accepted"]) > 3, seen
    assert [r.position for r in store.read_all()] == list(range(1, store.head_position() + 1))


def test_handle_refuses_anything_that_is_not_a_command(store: DuckDBEventStore) -> None:
    bank = Bank(store)

    @fuzz(200)
    @given(anything)
    def check(value: Any) -> None:
        with pytest.raises(InvalidCommand):
            bank.handle(value)
        try:
            outcomes = bank.handle_batch(value)
        except InvalidCommand:
            pass
        else:  # only an empty sequence is a batch of no commands
            assert outcomes == [] and len(value) == 0
        try:
            outcomes = bank.handle_batch([DepositMoney(A, 1), value])
        except InvalidCommand as error:
            assert "commands[1]" in str(error)
        else:  # pragma: no cover - a non-command was taken for a command
            raise AssertionError(f"handle_batch took {value!r} for a command: {outcomes}")

    check()
    assert store.head_position() == 0


# -- raw appends -------------------------------------------------------------------------------
valid_events = st.one_of(
    st.builds(AccountOpened, owners, st.one_of(st.just(0), amounts)),
    st.builds(MoneyDeposited, amounts),
    st.builds(MoneyWithdrawn, amounts),
    st.just(AccountClosed()),
)
event_lists = mostly(
    st.lists(valid_events, min_size=1, max_size=4),
    st.lists(st.one_of(valid_events, valid_events, anything), max_size=4),
    st.tuples(valid_events),
    valid_events,
    anything,
)
expected_versions = mostly(
    st.sampled_from([ANY, ANY, NO_STREAM, STREAM_EXISTS, 0, 1, 2, 3]),
    st.integers(-3, 3),
    anything,
)
known_ids = st.sampled_from([*STORED_IDS, UUID(int=4), UUID(int=5)])
event_id_lists = mostly(
    st.none(),
    st.lists(st.one_of(known_ids, st.uuids()), max_size=4),
    st.lists(st.one_of(known_ids, anything), max_size=3),
    anything,
)
json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        ints,
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(st.characters(exclude_categories=["Cs"]), max_size=8),
        st.uuids(),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=10,
)
json_leaves = st.one_of(
    st.none(),
    st.booleans(),
    ints,
    st.floats(),
    texts,
    tricky_texts,
    st.binary(max_size=4),
    st.uuids(),
    st.decimals(),
    st.sets(st.integers(), max_size=2),
    st.builds(object),
    st.datetimes(),
)
json_keys = st.one_of(
    st.text(max_size=4), texts, st.integers(), st.none(), st.booleans(), st.floats()
)
nested = st.recursive(
    json_leaves,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.tuples(inner, inner),
        st.dictionaries(json_keys, inner, max_size=3),
    ),
    max_leaves=10,
)
metadata = mostly(
    st.one_of(st.none(), st.dictionaries(st.text(max_size=6), json_values, max_size=4)),
    st.dictionaries(st.one_of(st.text(max_size=6), texts), nested, max_size=4),
    st.dictionaries(hashables, nested, max_size=2),
    anything,
)
aggregate_ids = mostly(st.sampled_from([A, B, C]), st.uuids(), anything)


def _deep(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = [value]
    return value


_circular: list[Any] = []
_circular.append(_circular)


def _seed(store: DuckDBEventStore) -> None:
    store.append(
        A,
        [AccountOpened("Ada", 5), MoneyDeposited(5)],
        expected_version=0,
        event_ids=STORED_IDS[:2],
    )
    store.append(B, [AccountOpened("Bob")], expected_version=0, event_ids=STORED_IDS[2:])


def _snapshot(store: DuckDBEventStore) -> tuple[Any, ...]:
    return (
        rows(store),
        store.head_position(),
        tuple(store.stream_version(s) for s in (A, B, C)),
    )


def _json_round_trip(value: dict[str, Any]) -> Any:
    return json.loads(json.dumps(value, default=str))


def _check_append(
    store: DuckDBEventStore,
    call: Callable[[], list[AppendResult]],
    requests: list[StreamAppend],
    after_rejection: Callable[[], None] | None = None,
) -> str:
    """Run one fuzzed append: refused with a typed error and nothing changed, or done right.
    Returns which of the two it was."""
    before = _snapshot(store)
    try:
        results = call()
    except EsbankError as error:
        assert isinstance(error, InvalidAppend | DuplicateEventId | ConcurrencyConflict)
        assert str(error)
        assert _snapshot(store) == before
        if after_rejection is not None:
            after_rejection()
        return "refused"
    table = rows(store)
    head = before[1]
    new_rows = table[len(before[0]) :]
    assert table[: len(before[0])] == before[0]  # nothing earlier was touched
    assert len(results) == len(requests)
    for request, result in zip(requests, results, strict=True):
        events = list(request.events)
        assert result.aggregate_id == request.aggregate_id
        assert len(result.positions) == len(events)
        stored = {row[0]: row for row in table}
        got = [stored[p] for p in result.positions]
        assert [row[1] for row in got] == [request.aggregate_id] * len(events)
        assert [row[2] for row in got] == list(
            range(result.new_version - len(events) + 1, result.new_version + 1)
        )
        recorded = store.read_stream(request.aggregate_id)
        by_position = {r.position: r for r in recorded}
        assert [by_position[p].event for p in result.positions] == events
        if request.event_ids is not None:
            assert [row[3] for row in got] == list(request.event_ids)
        if all(p > head for p in result.positions) and request.metadata is not None:
            expected_metadata = _json_round_trip(dict(request.metadata))
            assert [by_position[p].metadata for p in result.positions] == [expected_metadata] * len(
                events
            )
    assert [row[0] for row in new_rows] == list(range(head + 1, head + 1 + len(new_rows)))
    assert len(new_rows) in (0, sum(len(list(r.events)) for r in requests))
    assert [r.position for r in store.read_all()] == list(range(1, len(table) + 1))
    return "written"


def test_fuzzed_appends_are_refused_with_typed_errors_and_change_nothing(
    store: DuckDBEventStore,
) -> None:
    _seed(store)

    @example(A, [MoneyDeposited(1)], 2, None, {"x": "\ud800"})
    @example(A, [MoneyDeposited(1)], 2, None, {"x": {"y": ["ok", "\udfff"]}})
    @example(A, [MoneyDeposited(1)], 2, None, {"\udfff": 1})
    @example(A, [MoneyDeposited(1)], 2, None, {"n": math.nan, "i": -math.inf})
    @example(A, [MoneyDeposited(1)], 2, None, {"big": 10**5000})
    @example(A, [MoneyDeposited(1)], 2, None, {"x": {1: "a", "b": 2}})
    @example(A, [MoneyDeposited(1)], 2, None, {"x": {(1, 2): "a"}})
    @example(A, [MoneyDeposited(1)], 2**100, None, None)
    @example(A, [AccountOpened("Ada", 5), MoneyDeposited(5)], ANY, STORED_IDS[:2], {"k": 1})
    @example(A, [MoneyDeposited(5)], 2, [STORED_IDS[0]], None)
    @example(C, [MoneyDeposited(5), MoneyDeposited(6)], 0, [UUID(int=9), UUID(int=9)], None)
    @fuzz(400)
    @given(aggregate_ids, event_lists, expected_versions, event_id_lists, metadata)
    def check(
        aggregate_id: Any, events: Any, expected_version: Any, event_ids: Any, meta: Any
    ) -> None:
        request = StreamAppend(aggregate_id, events, expected_version, event_ids, meta)

        def call() -> list[AppendResult]:
            return [
                store.append(
                    aggregate_id,
                    events,
                    expected_version=expected_version,
                    event_ids=event_ids,
                    metadata=meta,
                )
            ]

        seen[_check_append(store, call, [request])] += 1

    seen: Counter[str] = Counter()
    check()
    assert seen["refused"] > 50 and seen["written"] > 5, seen


@pytest.mark.parametrize(
    "meta",
    [{"deep": _deep(5_000)}, {"deep": {"x": _deep(2_000)}}, {"loop": _circular}],
    ids=["deep list", "deep dict", "circular"],
)
def test_metadata_too_deep_or_circular_is_refused(
    store: DuckDBEventStore, meta: dict[str, Any]
) -> None:
    """Hypothesis cannot even print values this deep, so these are plain cases."""
    _seed(store)
    before = _snapshot(store)
    for call in (
        lambda: store.append(A, [MoneyDeposited(1)], expected_version=2, metadata=meta),
        lambda: store.append_batch([StreamAppend(A, [MoneyDeposited(1)], 2, metadata=meta)]),
    ):
        with pytest.raises(InvalidAppend, match="metadata must be JSON-serialisable"):
            call()
        assert _snapshot(store) == before
    assert store.append(A, [MoneyDeposited(1)], expected_version=2).positions == (4,)


stream_appends = st.builds(
    StreamAppend, aggregate_ids, event_lists, expected_versions, event_id_lists, metadata
)
plain_appends = st.builds(
    StreamAppend,
    st.one_of(st.sampled_from([A, B, C]), st.uuids()),
    st.lists(valid_events, min_size=1, max_size=4),
    st.sampled_from([ANY, STREAM_EXISTS, NO_STREAM]),
    st.none(),
    st.one_of(st.none(), st.dictionaries(st.text(max_size=6), json_values, max_size=3)),
)
batches = st.one_of(
    st.lists(plain_appends, min_size=1, max_size=8),  # valid but for conflicts
    st.lists(st.one_of(plain_appends, plain_appends, stream_appends), min_size=1, max_size=8),
    st.lists(stream_appends, min_size=1, max_size=4),
    st.lists(st.one_of(stream_appends, anything), max_size=4),
    stream_appends,
    anything,
)


def test_fuzzed_batches_on_a_shared_store(store: DuckDBEventStore) -> None:
    """Many batches against one store: every rejection leaves the whole table as it was, and
    every success takes the next positions."""
    _seed(store)

    @fuzz(400)
    @given(batches)
    @example([StreamAppend(A, [MoneyDeposited(1)], 2), StreamAppend(B, [MoneyDeposited(1)], 0)])
    @example([StreamAppend(C, [AccountOpened("Cy")], 0), StreamAppend(A, [], 2)])
    @example([StreamAppend(C, [AccountOpened("Cy")], 0, metadata={"x": "\ud800"})])
    @example(
        [StreamAppend(C, [AccountOpened("Cy")], 0)] * 10
        + [StreamAppend(A, [MoneyDeposited(1)], 2, metadata={"x": ["\udc00"]})] * 10
    )
    def check(appends: Any) -> None:
        requests = appends if isinstance(appends, list) else []
        seen[_check_append(store, lambda: store.append_batch(appends), requests)] += 1

    seen: Counter[str] = Counter()
    check()
    assert seen["refused"] > 50 and seen["written"] > 5, seen


def test_fuzzed_batches_leave_a_file_store_byte_for_byte_unchanged(tmp_path: Path) -> None:
    """On a file: after each rejection and a CHECKPOINT the database file has the very same
    bytes, and there is no write-ahead log left behind."""
    path = tmp_path / "fuzz.duckdb"
    wal = Path(f"{path}.wal")
    with DuckDBEventStore(path, clock=lambda: FIXED) as store:
        _seed(store)
        store.connection.execute("CHECKPOINT")

        def file_state() -> tuple[bytes, bool]:
            return path.read_bytes(), wal.exists() and wal.stat().st_size > 0

        baseline = {"file": file_state()}
        checked = {"rejections": 0}

        def same_file() -> None:
            store.connection.execute("CHECKPOINT")
            assert file_state() == baseline["file"]
            checked["rejections"] += 1

        @fuzz(120)
        @given(batches)
        @example([StreamAppend(A, [MoneyDeposited(1)], 2, metadata={"x": "\ud800"})])
        @example([StreamAppend(A, [MoneyDeposited(1)], 2), StreamAppend(B, [MoneyDeposited(1)], 9)])
        @example([StreamAppend(A, [MoneyDeposited(1)], 2, [STORED_IDS[2]])])
        def check(appends: Any) -> None:
            requests = appends if isinstance(appends, list) else []
            _check_append(store, lambda: store.append_batch(appends), requests, same_file)
            store.connection.execute("CHECKPOINT")
            baseline["file"] = file_state()

        check()
        assert checked["rejections"] > 20
    with DuckDBEventStore(path) as reopened:
        assert [r.position for r in reopened.read_all()] == list(
            range(1, reopened.head_position() + 1)
        )
