"""The batched single-writer path: ``Bank.handle_batch`` and ``DuckDBEventStore.append_batch``.

Each command gets its own result or refusal, in order, decided against the state the commands
before it left; every accepted event goes in with one append (all or nothing); a conflict is
decided again from fresh state; a batch retried with the same event ids is a no-op.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Any
from uuid import UUID

import pandas as pd
import pytest
from support import rows

from esbank import (
    ANY,
    NO_STREAM,
    STREAM_EXISTS,
    AccountAlreadyOpen,
    AccountClosed,
    AccountClosedError,
    AccountNotOpen,
    AccountOpened,
    AppendResult,
    Bank,
    BankAccount,
    CloseAccount,
    CommandRejected,
    CommandResult,
    ConcurrencyConflict,
    DepositMoney,
    DuckDBEventStore,
    DuplicateEventId,
    InsufficientFunds,
    InvalidAppend,
    InvalidCommand,
    MoneyDeposited,
    MoneyWithdrawn,
    NonZeroBalance,
    OpenAccount,
    StreamAppend,
    WithdrawMoney,
    decide,
)
from esbank.eventstore import duckdb_store
from esbank.eventstore.codec import encode
from esbank.teach import SequentialIds, StepClock

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
A = UUID(int=0xA)
B = UUID(int=0xB)
C = UUID(int=0xC)
UNKNOWN = UUID(int=0xDEAD)


class CountingStore(DuckDBEventStore):
    """A real store that counts ``append_batch`` calls and can let a rival write first."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.batches: list[Any] = []
        self.rival: Callable[[], object] | None = None
        self.rival_times = 0
        self._in_rival = False

    def append_batch(self, appends: Sequence[StreamAppend]) -> list[AppendResult]:
        if self._in_rival:  # the rival's own append: neither counted nor interfered with
            return super().append_batch(appends)
        self.batches.append(appends)
        if self.rival is not None and self.rival_times > 0:
            self.rival_times -= 1
            self._in_rival = True
            try:
                self.rival()
            finally:
                self._in_rival = False
        return super().append_batch(appends)


@pytest.fixture
def store() -> Iterator[CountingStore]:
    with CountingStore(clock=StepClock(START), new_id=SequentialIds(prefix=0xE)) as s:
        yield s


@pytest.fixture
def bank(store: CountingStore) -> Bank:
    return Bank(store, new_id=SequentialIds(prefix=0x1D))


def accepted(
    account: UUID, version: int, position: int, event: Any, attempts: int = 1
) -> CommandResult:
    return CommandResult("accepted", account, version, position, (event,), attempts)


# -- one result per command, in order ----------------------------------------------------------
def test_each_command_gets_its_own_exact_outcome_in_order(bank: Bank, store: CountingStore) -> None:
    bank.handle(OpenAccount(A, "Ada", 100))
    commands = [
        DepositMoney(A, 50),
        WithdrawMoney(A, 500),
        WithdrawMoney(A, 120),
        DepositMoney(UNKNOWN, 5),
        CloseAccount(A),
        OpenAccount(A, "Eve"),
    ]
    outcomes = bank.handle_batch(commands)
    assert len(outcomes) == len(commands)
    assert outcomes[0] == accepted(A, 2, 2, MoneyDeposited(50))
    assert outcomes[2] == accepted(A, 3, 3, MoneyWithdrawn(120))
    for i, error in ((1, InsufficientFunds), (3, AccountNotOpen), (4, NonZeroBalance)):
        outcome = outcomes[i]
        assert isinstance(outcome, CommandRejected)
        assert outcome.status == "rejected"
        assert outcome.command is commands[i]
        assert outcome.aggregate_id == commands[i].account_id
        assert type(outcome.error) is error
    assert isinstance(outcomes[5], CommandRejected)
    assert type(outcomes[5].error) is AccountAlreadyOpen
    # the refusals carry what the state was when the command was judged
    assert (outcomes[1].error.balance, outcomes[1].error.requested) == (150, 500)  # type: ignore[union-attr]
    assert outcomes[4].error.balance == 30  # type: ignore[union-attr]
    assert bank.load(A) == BankAccount(A, "Ada", 30, 3, is_open=True, is_closed=False)
    assert store.stream_version(UNKNOWN) == 0


def test_commands_see_the_effects_of_earlier_ones(bank: Bank, store: CountingStore) -> None:
    # open, then use the account, all in one batch: every step needs the one before it
    outcomes = bank.handle_batch(
        [
            OpenAccount(A, "Ada", 0),
            DepositMoney(A, 100),
            WithdrawMoney(A, 100),
            CloseAccount(A),
            OpenAccount(B, "Bob", 10),
            DepositMoney(B, 90),
            WithdrawMoney(B, 100),  # more than B held before the batch
        ]
    )
    assert outcomes == [
        accepted(A, 1, 1, AccountOpened("Ada", 0)),
        accepted(A, 2, 2, MoneyDeposited(100)),
        accepted(A, 3, 3, MoneyWithdrawn(100)),
        accepted(A, 4, 4, AccountClosed()),
        accepted(B, 1, 5, AccountOpened("Bob", 10)),
        accepted(B, 2, 6, MoneyDeposited(90)),
        accepted(B, 3, 7, MoneyWithdrawn(100)),
    ]
    assert bank.load(A).is_closed
    assert bank.load(B).balance == 0
    # and a later command in the same batch sees the account closed
    again = bank.handle_batch([DepositMoney(A, 1), WithdrawMoney(B, 1), DepositMoney(B, 1)])
    assert [type(o.error) for o in again[:2]] == [AccountClosedError, InsufficientFunds]  # type: ignore[union-attr]
    assert again[2] == accepted(B, 4, 8, MoneyDeposited(1))


def test_a_rejected_command_changes_nothing(bank: Bank, store: CountingStore) -> None:
    bank.handle(OpenAccount(B, "Bob", 7))
    commands = [
        OpenAccount(A, "Ada", 100),
        WithdrawMoney(A, 150),  # rejected: its withdrawal must not count for what follows
        DepositMoney(A, 1),
        WithdrawMoney(A, 101),  # fine only if the rejected withdrawal left no trace
        OpenAccount(B, "Eve", 5),  # rejected: Bob keeps his account
        DepositMoney(B, 3),
    ]
    outcomes = bank.handle_batch(commands)
    assert [o.status for o in outcomes] == [
        "accepted",
        "rejected",
        "accepted",
        "accepted",
        "rejected",
        "accepted",
    ]
    # the refusal is exactly what decide says against the state the accepted ones left
    with pytest.raises(InsufficientFunds) as info:
        decide(WithdrawMoney(A, 150), bank.load(A, as_of_version=1))
    assert str(outcomes[1].error) == str(info.value)  # type: ignore[union-attr]
    assert type(outcomes[4].error) is AccountAlreadyOpen  # type: ignore[union-attr]
    events = [(r.aggregate_id, r.event) for r in store.read_all()]
    assert events == [
        (B, AccountOpened("Bob", 7)),
        (A, AccountOpened("Ada", 100)),
        (A, MoneyDeposited(1)),
        (A, MoneyWithdrawn(101)),
        (B, MoneyDeposited(3)),
    ]
    assert bank.load(A).balance == 0
    assert bank.load(B) == BankAccount(B, "Bob", 10, 2, is_open=True, is_closed=False)


def test_accepted_events_land_in_one_append_with_contiguous_positions_and_versions(
    bank: Bank, store: CountingStore
) -> None:
    bank.handle(OpenAccount(A, "Ada", 100))
    bank.handle(OpenAccount(B, "Bob", 100))
    bank.handle(DepositMoney(A, 1))
    store.batches.clear()
    commands = [
        DepositMoney(B, 10),
        WithdrawMoney(A, 1000),  # rejected
        OpenAccount(C, "Cy", 5),
        DepositMoney(A, 20),
        WithdrawMoney(B, 30),
        DepositMoney(C, 6),
        DepositMoney(A, 40),
    ]
    outcomes = bank.handle_batch(commands)
    assert len(store.batches) == 1  # one append for the whole batch
    assert [s.aggregate_id for s in store.batches[0]] == [B, C, A, B, C, A]
    results = [o for o in outcomes if isinstance(o, CommandResult)]
    assert [r.position for r in results] == [4, 5, 6, 7, 8, 9]  # command order, no gap
    assert [(r.aggregate_id, r.new_version) for r in results] == [
        (B, 2),
        (C, 1),
        (A, 3),
        (B, 3),
        (C, 2),
        (A, 4),
    ]
    new_rows = rows(store)[3:]
    assert [row[0] for row in new_rows] == [4, 5, 6, 7, 8, 9]
    assert len({row[8] for row in new_rows}) == 1  # one append, one instant
    assert new_rows[0][8] != rows(store)[2][8]
    for stream in (A, B, C):
        versions = [r.version for r in store.read_stream(stream)]
        assert versions == list(range(1, len(versions) + 1))
    assert [r.position for r in store.read_all()] == list(range(1, 10))
    assert all(row[7] is not None for row in new_rows)
    assert [row[7] for row in new_rows][:2] == [
        '{"command": "DepositMoney"}',
        '{"command": "OpenAccount"}',
    ]


def test_a_batch_where_everything_is_rejected_writes_nothing(
    bank: Bank, store: CountingStore
) -> None:
    bank.handle(OpenAccount(A, "Ada", 1))
    before, calls = rows(store), len(store.batches)
    outcomes = bank.handle_batch([WithdrawMoney(A, 2), CloseAccount(A), DepositMoney(B, 1)])
    assert [type(o.error) for o in outcomes] == [  # type: ignore[union-attr]
        InsufficientFunds,
        NonZeroBalance,
        AccountNotOpen,
    ]
    assert rows(store) == before
    assert len(store.batches) == calls  # no append at all


def test_an_empty_batch_returns_no_outcomes_and_writes_nothing(
    bank: Bank, store: CountingStore
) -> None:
    bank.handle(OpenAccount(A, "Ada", 1))
    before, calls = rows(store), len(store.batches)
    assert bank.handle_batch([]) == []
    assert bank.handle_batch(()) == []
    assert rows(store) == before
    assert len(store.batches) == calls
    with pytest.raises(InvalidAppend, match="the batch is empty"):
        store.append_batch([])
    assert rows(store) == before


@pytest.mark.parametrize(
    ("batch", "where"),
    [
        ([DepositMoney(A, 1), None], "commands[1]"),
        ([DepositMoney(A, 1), "DepositMoney"], "commands[1]"),
        ([MoneyDeposited(5)], "commands[0]"),
        ([DepositMoney(A, 1), {"account_id": A, "amount": 5}], "commands[1]"),
        ([DepositMoney(A, 1), [DepositMoney(A, 2)]], "commands[1]"),
        ([StreamAppend(A, [MoneyDeposited(1)], 1)], "commands[0]"),
    ],
    ids=["None", "str", "event", "dict", "nested list", "stream append"],
)
def test_non_command_items_are_refused_and_nothing_is_written(
    bank: Bank, store: CountingStore, batch: list[Any], where: str
) -> None:
    bank.handle(OpenAccount(A, "Ada", 1))
    before, calls = rows(store), len(store.batches)
    with pytest.raises(InvalidCommand) as info:
        bank.handle_batch(batch)
    assert where in str(info.value)
    assert "expected one of OpenAccount" in str(info.value)
    assert rows(store) == before  # not even the valid command before the bad item
    assert len(store.batches) == calls


@pytest.mark.parametrize(
    "not_a_list",
    [DepositMoney(A, 1), (c for c in [DepositMoney(A, 1)]), {A: DepositMoney(A, 1)}, None, 3],
    ids=["command", "generator", "dict", "None", "int"],
)
def test_handle_batch_needs_a_list(bank: Bank, store: CountingStore, not_a_list: Any) -> None:
    before = rows(store)
    with pytest.raises(InvalidCommand, match="handle_batch takes a list of commands"):
        bank.handle_batch(not_a_list)
    assert rows(store) == before


@pytest.mark.parametrize(
    ("appends", "why"),
    [
        (StreamAppend(A, [AccountOpened("Ada")], 0), "takes a list of StreamAppend"),
        ("batch", "takes a list of StreamAppend"),
        ((s for s in [StreamAppend(A, [AccountOpened("Ada")], 0)]), "takes a list"),
        ([StreamAppend(A, [AccountOpened("Ada")], 0), None], "got NoneType"),
        ([StreamAppend(A, [AccountOpened("Ada")], 0), (B, [AccountOpened("Bob")], 0)], "tuple"),
        ([OpenAccount(A, "Ada")], "got OpenAccount"),
        ([StreamAppend(A, [AccountOpened("Ada")], 0), StreamAppend(B, [], 0)], "events is empty"),
        (
            [
                StreamAppend(A, [AccountOpened("Ada")], 0),
                StreamAppend(str(B), [MoneyDeposited(1)], 0),
            ],
            "aggregate_id must be a uuid.UUID",
        ),
    ],
    ids=["single", "str", "generator", "None item", "tuple item", "command", "empty", "bad id"],
)
def test_append_batch_refuses_bad_items_and_writes_nothing(
    store: CountingStore, appends: Any, why: str
) -> None:
    store.append(C, [AccountOpened("Cy")], expected_version=0)
    before = rows(store)
    with pytest.raises(InvalidAppend) as info:
        store.append_batch(appends)
    assert why in str(info.value)
    assert rows(store) == before
    assert store.append(C, [MoneyDeposited(1)], expected_version=1).positions == (2,)


def test_append_batch_refuses_an_event_id_used_twice_across_items(store: CountingStore) -> None:
    same = UUID(int=0x5A3E)
    with pytest.raises(InvalidAppend, match="repeats an event id"):
        store.append_batch(
            [
                StreamAppend(A, [AccountOpened("Ada")], 0, event_ids=[same]),
                StreamAppend(B, [AccountOpened("Bob")], 0, event_ids=[same]),
            ]
        )
    assert rows(store) == []


# -- append_batch: all or nothing --------------------------------------------------------------
def test_append_batch_results_follow_the_order_of_the_appends(store: CountingStore) -> None:
    store.append(B, [AccountOpened("Bob")], expected_version=0)
    results = store.append_batch(
        [
            StreamAppend(A, [AccountOpened("Ada", 5), MoneyDeposited(1)], NO_STREAM),
            StreamAppend(B, [MoneyDeposited(2)], 1),
            StreamAppend(A, [MoneyWithdrawn(3)], 2),  # the same stream again, after itself
            StreamAppend(C, [AccountOpened("Cy")], ANY),
            StreamAppend(B, [MoneyDeposited(4), MoneyDeposited(5)], STREAM_EXISTS),
        ]
    )
    assert results == [
        AppendResult(A, 2, (2, 3)),
        AppendResult(B, 2, (4,)),
        AppendResult(A, 3, (5,)),
        AppendResult(C, 1, (6,)),
        AppendResult(B, 4, (7, 8)),
    ]
    assert [(r.position, r.aggregate_id, r.version) for r in store.read_all()] == [
        (1, B, 1),
        (2, A, 1),
        (3, A, 2),
        (4, B, 2),
        (5, A, 3),
        (6, C, 1),
        (7, B, 3),
        (8, B, 4),
    ]


def _history(store: DuckDBEventStore) -> None:
    store.append(A, [AccountOpened("Ada", 100), MoneyDeposited(5)], expected_version=0)
    store.append(B, [AccountOpened("Bob")], expected_version=0)


CONFLICTS: list[tuple[str, list[StreamAppend], UUID, object, int]] = [
    (
        "first",
        [
            StreamAppend(A, [MoneyDeposited(1)], 1),
            StreamAppend(B, [MoneyDeposited(1)], 1),
            StreamAppend(C, [AccountOpened("Cy")], 0),
        ],
        A,
        1,
        2,
    ),
    (
        "middle",
        [
            StreamAppend(A, [MoneyDeposited(1)], 2),
            StreamAppend(B, [MoneyDeposited(1)], NO_STREAM),
            StreamAppend(C, [AccountOpened("Cy")], 0),
        ],
        B,
        NO_STREAM,
        1,
    ),
    (
        "last",
        [
            StreamAppend(A, [MoneyDeposited(1)], 2),
            StreamAppend(B, [MoneyDeposited(1)], 1),
            StreamAppend(C, [MoneyDeposited(1)], STREAM_EXISTS),
        ],
        C,
        STREAM_EXISTS,
        0,
    ),
    (
        "same stream twice",
        [
            StreamAppend(A, [MoneyDeposited(1)], 2),
            StreamAppend(A, [MoneyDeposited(1)], 2),  # the first part already took version 3
        ],
        A,
        2,
        3,
    ),
    (
        "large batch",
        [StreamAppend(C, [AccountOpened("Cy")], 0)]
        + [StreamAppend(C, [MoneyDeposited(i)], i) for i in range(1, 30)]
        + [StreamAppend(A, [MoneyDeposited(1)], 7)],
        A,
        7,
        2,
    ),
]


@pytest.mark.parametrize(
    ("appends", "stream", "expected", "actual"),
    [c[1:] for c in CONFLICTS],
    ids=[c[0] for c in CONFLICTS],
)
def test_a_conflict_anywhere_in_a_batch_writes_nothing(
    store: CountingStore,
    appends: list[StreamAppend],
    stream: UUID,
    expected: object,
    actual: int,
) -> None:
    _history(store)
    before = rows(store)
    with pytest.raises(ConcurrencyConflict) as info:
        store.append_batch(appends)
    error = info.value
    assert (error.aggregate_id, error.expected, error.actual) == (stream, expected, actual)
    assert rows(store) == before
    assert store.head_position() == 3
    # nothing half-remembered either: the next append lands right after the old head
    assert store.append(C, [AccountOpened("Cy")], expected_version=0).positions == (4,)
    assert [r.position for r in store.read_all()] == [1, 2, 3, 4]


def test_a_conflict_found_by_the_keys_writes_nothing(store: CountingStore) -> None:
    """The remembered versions say "fine", the table says otherwise (a row written around the
    store): the INSERT is refused by the keys and not a single row of the batch stays."""
    _history(store)
    event_type, schema_version, payload = encode(MoneyDeposited(9))
    store.connection.execute(
        "INSERT INTO events VALUES (4, ?, 2, ?, ?, ?, ?, NULL, ?)",
        [B, UUID(int=0x0DD), event_type, schema_version, payload, START],
    )
    before = rows(store)
    appends = [
        StreamAppend(C, [AccountOpened("Cy")], 0),
        StreamAppend(A, [MoneyDeposited(1)], 2),
        StreamAppend(B, [MoneyDeposited(1)], 1),  # the remembered version, no longer true
    ]
    with pytest.raises(ConcurrencyConflict) as info:
        store.append_batch(appends)
    assert (info.value.aggregate_id, info.value.expected, info.value.actual) == (B, 1, 2)
    assert rows(store) == before
    appends[2] = StreamAppend(B, [MoneyDeposited(1)], 2)
    assert [r.positions for r in store.append_batch(appends)] == [(5,), (6,), (7,)]
    assert [r.position for r in store.read_all()] == list(range(1, 8))


# -- handle_batch: conflicts are decided again from fresh state -------------------------------
def test_a_conflicting_batch_is_decided_again_from_fresh_state(store: CountingStore) -> None:
    Bank(store).handle_batch([OpenAccount(A, "Ada", 100), OpenAccount(B, "Bob", 0)])
    # a bank with nothing cached reads the accounts for its first decision: a rival that
    # writes before the append is a real conflict, and the batch is decided a second time
    bank = Bank(store, new_id=SequentialIds(prefix=0x1D))
    store.rival = lambda: store.append(A, [MoneyWithdrawn(30)], expected_version=ANY)
    store.rival_times = 1
    store.batches.clear()
    outcomes = bank.handle_batch([WithdrawMoney(A, 60), DepositMoney(B, 5), WithdrawMoney(A, 10)])
    assert len(store.batches) == 2
    assert outcomes == [
        accepted(A, 3, 4, MoneyWithdrawn(60), attempts=2),
        accepted(B, 2, 5, MoneyDeposited(5), attempts=2),
        accepted(A, 4, 6, MoneyWithdrawn(10), attempts=2),
    ]
    # the first attempt's expected versions were stale: none of its rows exist
    assert [(r.aggregate_id, r.event) for r in store.read_all()] == [
        (A, AccountOpened("Ada", 100)),
        (B, AccountOpened("Bob", 0)),
        (A, MoneyWithdrawn(30)),  # the rival
        (A, MoneyWithdrawn(60)),
        (B, MoneyDeposited(5)),
        (A, MoneyWithdrawn(10)),
    ]
    assert bank.load(A).balance == 100 - 30 - 60 - 10 == 0
    stored_ids = {r.event_id for r in store.read_all()}
    first_try = {i for s in store.batches[0] for i in s.event_ids or ()}
    assert first_try and not first_try & stored_ids


def test_a_redecided_batch_can_rightly_refuse(store: CountingStore) -> None:
    Bank(store).handle(OpenAccount(A, "Ada", 100))
    bank = Bank(store)
    store.rival = lambda: store.append(A, [MoneyWithdrawn(50)], expected_version=ANY)
    store.rival_times = 1
    outcomes = bank.handle_batch([WithdrawMoney(A, 80), DepositMoney(A, 5)])
    assert isinstance(outcomes[0], CommandRejected)
    assert isinstance(outcomes[0].error, InsufficientFunds)
    assert (outcomes[0].error.balance, outcomes[0].error.requested) == (50, 80)
    assert outcomes[1] == accepted(A, 3, 3, MoneyDeposited(5), attempts=2)
    assert [r.event for r in store.read_stream(A)] == [
        AccountOpened("Ada", 100),
        MoneyWithdrawn(50),
        MoneyDeposited(5),
    ]


@pytest.mark.parametrize("max_retries", [0, 1, 3])
def test_a_batch_gives_up_after_max_retries_with_nothing_written(
    store: CountingStore, max_retries: int
) -> None:
    Bank(store).handle(OpenAccount(A, "Ada", 1000))
    bank = Bank(store, max_retries=max_retries)
    store.rival = lambda: store.append(A, [MoneyWithdrawn(1)], expected_version=ANY)
    store.rival_times = 10**6
    store.batches.clear()
    with pytest.raises(ConcurrencyConflict) as info:
        bank.handle_batch([OpenAccount(B, "Bob", 5), DepositMoney(A, 7), DepositMoney(B, 1)])
    assert info.value.aggregate_id == A
    assert len(store.batches) == max_retries + 1
    assert store.stream_version(B) == 0
    assert [r.event for r in store.read_stream(A)] == [AccountOpened("Ada", 1000)] + [
        MoneyWithdrawn(1)
    ] * (max_retries + 1)
    assert [r.position for r in store.read_all()] == list(range(1, max_retries + 3))


# -- the two INSERT shapes write the same rows -------------------------------------------------
def _fixed_clock() -> datetime:
    # not UTC and with microseconds: both paths must convert and keep them the same way
    return datetime(2026, 3, 1, 12, 34, 56, 789012, tzinfo=timezone(timedelta(hours=2)))


def _appends(n: int) -> list[StreamAppend]:
    """``n`` one-event appends over three streams, with and without metadata."""
    streams = [A, B, C]
    out: list[StreamAppend] = []
    for i in range(n):
        stream = streams[i % 3]
        version = i // 3
        event: Any = (
            AccountOpened(f'Zoë "{i}" 東京 \\ \'', 2**63 - 1 - i)
            if version == 0
            else MoneyWithdrawn(i)
            if i % 5 == 0
            else MoneyDeposited(i)
        )
        if version and i % 5 == 0:
            event = MoneyWithdrawn(1)
        metadata: dict[str, Any] | None = (
            None if i % 4 == 0 else {"command": "X", "n": i, "nested": {"ü": [1, None, True]}}
        )
        out.append(
            StreamAppend(stream, [event], version, [UUID(int=0x1000 + i)], metadata=metadata)
        )
    return out


class _CountFrames:
    def __init__(self) -> None:
        self.frames = 0

    def DataFrame(self, *args: Any, **kwargs: Any) -> pd.DataFrame:
        self.frames += 1
        return pd.DataFrame(*args, **kwargs)


@pytest.mark.parametrize("n", [duckdb_store.VALUES_LIMIT + 1, 40])
def test_dataframe_and_values_inserts_store_identical_rows(
    monkeypatch: pytest.MonkeyPatch, n: int
) -> None:
    assert duckdb_store.VALUES_LIMIT == 16
    counter = _CountFrames()
    monkeypatch.setattr(duckdb_store, "pd", SimpleNamespace(DataFrame=counter.DataFrame))
    appends = _appends(n)
    with DuckDBEventStore(clock=_fixed_clock) as one, DuckDBEventStore(clock=_fixed_clock) as many:
        big = one.append_batch(appends)  # > VALUES_LIMIT rows: the DataFrame path
        assert counter.frames == 1
        small = [r for i in range(0, n, 7) for r in many.append_batch(appends[i : i + 7])]
        assert counter.frames == 1  # chunks of 7 rows: the VALUES path only
        assert big == small
        assert rows(one) == rows(many)
        assert one.read_all() == many.read_all()
        recorded = one.read_all()
        assert [r.position for r in recorded] == list(range(1, n + 1))
        assert {r.recorded_at for r in recorded} == {datetime(2026, 3, 1, 10, 34, 56, 789012, UTC)}
        assert recorded[0].event == AccountOpened('Zoë "0" 東京 \\ \'', 2**63 - 1)
        assert recorded[0].metadata == {}
        assert recorded[1].metadata == {"command": "X", "n": 1, "nested": {"ü": [1, None, True]}}
        assert one.connection.execute(
            "SELECT count(*) FROM events WHERE metadata IS NULL"
        ).fetchone() == (len(range(0, n, 4)),)


def test_handle_batch_and_handle_store_identical_rows() -> None:
    """A large batch (the DataFrame path) writes what the same commands one by one write."""
    commands: list[Any] = [OpenAccount(A, "Ada", 10), OpenAccount(B, "Bob")]
    commands += [DepositMoney(A if i % 2 else B, i + 1) for i in range(20)]
    commands += [WithdrawMoney(A, 5), CloseAccount(B)]
    with (
        DuckDBEventStore(clock=_fixed_clock) as batched,
        DuckDBEventStore(clock=_fixed_clock) as single,
    ):
        outcomes = Bank(batched, new_id=SequentialIds()).handle_batch(commands)
        one_by_one = Bank(single, new_id=SequentialIds())
        results = []
        for command in commands:
            try:
                results.append(one_by_one.handle(command))
            except NonZeroBalance as error:
                results.append(error)
        assert isinstance(outcomes[-1], CommandRejected)
        assert isinstance(results[-1], NonZeroBalance)
        assert outcomes[:-1] == results[:-1]
        assert len(rows(batched)) == len(commands) - 1 > duckdb_store.VALUES_LIMIT
        assert rows(batched) == rows(single)


# -- idempotent retries of a whole batch -------------------------------------------------------
def _batch_with_ids(size: int) -> list[StreamAppend]:
    appends = [
        StreamAppend(
            A, [AccountOpened("Ada", 5), MoneyDeposited(1)], 0, [UUID(int=1), UUID(int=2)]
        ),
        StreamAppend(B, [AccountOpened("Bob")], NO_STREAM, [UUID(int=3)], {"try": 1}),
    ]
    appends += [
        StreamAppend(A, [MoneyDeposited(i)], i + 1, [UUID(int=100 + i)]) for i in range(1, size)
    ]
    return appends


@pytest.mark.parametrize("size", [2, 30], ids=["values", "dataframe"])
def test_retrying_a_whole_batch_with_the_same_ids_returns_the_original_results(
    store: CountingStore, size: int
) -> None:
    appends = _batch_with_ids(size)
    original = store.append_batch(appends)
    store.append(C, [AccountOpened("Cy")], expected_version=0)  # something happens in between
    before = rows(store)
    again = store.append_batch(list(appends))
    assert again == original
    assert rows(store) == before
    assert store.append_batch(tuple(appends)) == original
    assert rows(store) == before
    # the store still works and stays gap-free
    head = store.head_position()
    assert store.append(C, [MoneyDeposited(1)], expected_version=1).positions == (head + 1,)


def test_a_batch_part_of_which_is_stored_is_a_duplicate_event_id(store: CountingStore) -> None:
    done = StreamAppend(A, [AccountOpened("Ada", 5)], 0, [UUID(int=1)])
    store.append_batch([done])
    before = rows(store)
    new = StreamAppend(B, [AccountOpened("Bob")], 0, [UUID(int=2)])
    anonymous = StreamAppend(C, [AccountOpened("Cy")], 0)
    for batch in ([done, new], [new, done], [done, anonymous]):
        with pytest.raises(DuplicateEventId, match="part of this batch is already stored"):
            store.append_batch(batch)
        assert rows(store) == before
    assert store.stream_version(B) == store.stream_version(C) == 0
    # the same ids with other content is refused as well, and the batch leaves nothing
    changed = StreamAppend(A, [AccountOpened("Eve", 5)], 0, [UUID(int=1)])
    with pytest.raises(DuplicateEventId, match="different content"):
        store.append_batch([new, changed])
    assert rows(store) == before


def test_a_bank_whose_id_factory_restarts_cannot_pass_old_ids_off_as_a_retry(
    store: CountingStore,
) -> None:
    first = Bank(store, new_id=SequentialIds(prefix=0x77))
    first.handle_batch([OpenAccount(A, "Ada", 5), DepositMoney(A, 1)])
    before = rows(store)
    restarted = Bank(store, new_id=SequentialIds(prefix=0x77))
    with pytest.raises(DuplicateEventId):
        restarted.handle_batch([DepositMoney(A, 2), DepositMoney(A, 3)])
    assert rows(store) == before
