"""``Bank``: command handling, loading, time travel, history and retries on conflict (both
backends)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from uuid import UUID

import pandas as pd
import pytest
from backends import Backend
from support import rows

from esbank import (
    ANY,
    AccountAlreadyOpen,
    AccountClosed,
    AccountClosedError,
    AccountNotOpen,
    AccountOpened,
    AppendResult,
    Bank,
    BankAccount,
    CloseAccount,
    CommandResult,
    ConcurrencyConflict,
    DepositMoney,
    Event,
    InsufficientFunds,
    InvalidArgument,
    InvalidCommand,
    MoneyDeposited,
    MoneyWithdrawn,
    NonZeroBalance,
    OpenAccount,
    WithdrawMoney,
    replay,
)
from esbank.eventstore.protocol import SqlStore
from esbank.teach import SequentialIds, StepClock

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
FIRST_ID = UUID(int=1)
UNKNOWN = UUID(int=0xDEAD)


@pytest.fixture
def store(backend: Backend) -> SqlStore:
    return backend.store(clock=StepClock(START, MINUTE))


@pytest.fixture
def bank(store: SqlStore) -> Bank:
    return Bank(store, new_id=SequentialIds())


# -- handle ----------------------------------------------------------------------------------
def test_open_account_uses_new_id_and_returns_a_command_result(bank: Bank) -> None:
    result = bank.open_account("  Ada  ", 100)
    assert isinstance(result, CommandResult)
    assert result.status == "accepted"
    assert result.aggregate_id == FIRST_ID
    assert (result.new_version, result.position, result.attempts) == (1, 1, 1)
    assert result.events == (AccountOpened("Ada", 100),)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.status = "refused"  # type: ignore[misc]
    second = bank.open_account("Bob")
    assert second.aggregate_id != FIRST_ID
    assert isinstance(second.aggregate_id, UUID)
    assert (second.new_version, second.position) == (1, 2)
    assert bank.load(FIRST_ID) == BankAccount(FIRST_ID, "Ada", 100, 1, True, False)
    assert bank.load(second.aggregate_id).owner == "Bob"


def test_handle_returns_version_and_global_position(bank: Bank) -> None:
    ada = bank.open_account("Ada", 100).aggregate_id
    bob = bank.open_account("Bob").aggregate_id
    result = bank.handle(DepositMoney(ada, 50))
    assert result == CommandResult(
        status="accepted",
        aggregate_id=ada,
        new_version=2,
        position=3,
        events=(MoneyDeposited(50),),
        attempts=1,
    )
    assert bank.handle(DepositMoney(bob, 7)).position == 4
    assert bank.handle(WithdrawMoney(ada, 150)).new_version == 3
    assert bank.handle(CloseAccount(ada)).events == (AccountClosed(),)
    assert bank.load(ada).is_closed
    assert bank.load(bob).balance == 7


def test_handle_open_account_command_with_own_id(bank: Bank, store: SqlStore) -> None:
    account = UUID(int=0x0A)
    result = bank.handle(OpenAccount(account, "Ada", 5))
    assert (result.aggregate_id, result.new_version) == (account, 1)
    assert store.read_stream(account)[0].metadata == {"command": "OpenAccount"}


@pytest.mark.parametrize(
    ("command", "error"),
    [
        (lambda a: WithdrawMoney(a, 101), InsufficientFunds),
        (lambda a: CloseAccount(a), NonZeroBalance),
        (lambda a: OpenAccount(a, "Eve"), AccountAlreadyOpen),
        (lambda a: DepositMoney(UNKNOWN, 5), AccountNotOpen),
        (lambda a: WithdrawMoney(UNKNOWN, 5), AccountNotOpen),
        (lambda a: CloseAccount(UNKNOWN), AccountNotOpen),
    ],
    ids=[
        "insufficient",
        "nonzero",
        "twice",
        "deposit unknown",
        "withdraw unknown",
        "close unknown",
    ],
)
def test_a_rule_violation_raises_and_writes_nothing(
    bank: Bank, store: SqlStore, command: Callable[[UUID], Any], error: type[Exception]
) -> None:
    account = bank.open_account("Ada", 100).aggregate_id
    before = rows(store)
    with pytest.raises(error):
        bank.handle(command(account))
    assert rows(store) == before
    assert store.head_position() == 1
    assert store.stream_version(UNKNOWN) == 0


def test_a_closed_account_refuses_commands(bank: Bank, store: SqlStore) -> None:
    account = bank.open_account("Ada").aggregate_id
    bank.handle(CloseAccount(account))
    head = store.head_position()
    for command in (DepositMoney(account, 1), WithdrawMoney(account, 1), CloseAccount(account)):
        with pytest.raises(AccountClosedError):
            bank.handle(command)
    assert store.head_position() == head


def test_insufficient_funds_carries_balance_and_request(bank: Bank) -> None:
    account = bank.open_account("Ada", 100).aggregate_id
    with pytest.raises(InsufficientFunds) as info:
        bank.handle(WithdrawMoney(account, 250))
    assert (info.value.balance, info.value.requested) == (100, 250)


@pytest.mark.parametrize(
    "not_a_command",
    [None, "deposit", MoneyDeposited(5), {"account_id": FIRST_ID, "amount": 5}],
    ids=repr,
)
def test_handle_refuses_non_commands(bank: Bank, store: SqlStore, not_a_command: object) -> None:
    with pytest.raises(InvalidCommand, match="expected one of OpenAccount"):
        bank.handle(not_a_command)  # type: ignore[arg-type]
    assert store.head_position() == 0


# -- load and time travel --------------------------------------------------------------------
@pytest.fixture
def ada(bank: Bank) -> UUID:
    """Ada: opened 09:00 (v1), +50 at 09:02 (v2), -30 at 09:03 (v3), +5 at 09:04 (v4).

    Bob's account is opened at 09:01, in between: it takes position 2 but no version of Ada's.
    """
    account = bank.open_account("Ada", 100).aggregate_id
    bank.open_account("Bob")
    bank.handle(DepositMoney(account, 50))
    bank.handle(WithdrawMoney(account, 30))
    bank.handle(DepositMoney(account, 5))
    return account


def test_load_rebuilds_the_current_state(bank: Bank, ada: UUID) -> None:
    assert bank.load(ada) == BankAccount(ada, "Ada", 125, 4, is_open=True, is_closed=False)


def test_load_as_of_version(bank: Bank, ada: UUID) -> None:
    balances = [bank.load(ada, as_of_version=v).balance for v in (1, 2, 3, 4)]
    assert balances == [100, 150, 120, 125]
    assert [bank.load(ada, as_of_version=v).version for v in (1, 2, 3, 4)] == [1, 2, 3, 4]


def test_load_as_of_time(bank: Bank, store: SqlStore, ada: UUID) -> None:
    times = [r.recorded_at for r in store.read_stream(ada)]
    assert times == [START, START + 2 * MINUTE, START + 3 * MINUTE, START + 4 * MINUTE]
    assert bank.load(ada, as_of=START).balance == 100  # "at or before" includes the instant
    assert bank.load(ada, as_of=START + 2 * MINUTE - timedelta(microseconds=1)).version == 1
    assert bank.load(ada, as_of=START + 2 * MINUTE).balance == 150
    assert bank.load(ada, as_of=START + 3 * MINUTE + timedelta(seconds=30)).balance == 120
    assert bank.load(ada, as_of=START + timedelta(days=365)) == bank.load(ada)
    berlin_summer = timezone(timedelta(hours=2))
    same_instant = (START + 3 * MINUTE).astimezone(berlin_summer)
    assert bank.load(ada, as_of=same_instant).balance == 120


def test_load_as_of_before_the_account_existed(bank: Bank, ada: UUID) -> None:
    with pytest.raises(AccountNotOpen, match="as of 2026-01-05T08:59:00"):
        bank.load(ada, as_of=START - MINUTE)


def test_load_and_history_of_unknown_account(bank: Bank, ada: UUID) -> None:
    with pytest.raises(AccountNotOpen, match=str(UNKNOWN)):
        bank.load(UNKNOWN)
    with pytest.raises(AccountNotOpen, match=str(UNKNOWN)):
        bank.load(UNKNOWN, as_of_version=1)
    with pytest.raises(AccountNotOpen, match=str(UNKNOWN)):
        bank.history(UNKNOWN)


@pytest.mark.parametrize(
    ("kwargs", "why"),
    [
        ({"as_of_version": 0}, "as_of_version must be an int >= 1"),
        ({"as_of_version": -1}, "as_of_version must be an int >= 1"),
        ({"as_of_version": True}, "as_of_version must be an int >= 1"),
        ({"as_of_version": "2"}, "as_of_version must be an int >= 1"),
        ({"as_of_version": 2.0}, "as_of_version must be an int >= 1"),
        ({"as_of_version": 5}, "has 4 events, so it has no version 5"),
        ({"as_of": datetime(2026, 1, 5, 9, 0)}, "as_of must be a timezone-aware datetime"),
        ({"as_of": "2026-01-05"}, "as_of must be a timezone-aware datetime"),
        ({"as_of": START.timestamp()}, "as_of must be a timezone-aware datetime"),
    ],
    ids=repr,
)
def test_bad_load_arguments(bank: Bank, ada: UUID, kwargs: dict[str, Any], why: str) -> None:
    with pytest.raises(InvalidArgument) as info:
        bank.load(ada, **kwargs)
    assert why in str(info.value)


@pytest.mark.parametrize("bad_id", [str(FIRST_ID), 1, None], ids=repr)
def test_load_and_history_need_a_uuid(bank: Bank, ada: UUID, bad_id: object) -> None:
    with pytest.raises(InvalidArgument, match=r"account_id must be a uuid\.UUID"):
        bank.load(bad_id)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument, match=r"account_id must be a uuid\.UUID"):
        bank.history(bad_id)  # type: ignore[arg-type]


def test_history(bank: Bank, store: SqlStore, ada: UUID) -> None:
    bank.handle(WithdrawMoney(ada, 125))
    bank.handle(CloseAccount(ada))
    frame = bank.history(ada)
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == [
        "version",
        "position",
        "recorded_at",
        "event_type",
        "change",
        "balance",
    ]
    assert frame["version"].tolist() == [1, 2, 3, 4, 5, 6]
    assert frame["position"].tolist() == [1, 3, 4, 5, 6, 7]
    assert frame["event_type"].tolist() == [
        "AccountOpened",
        "MoneyDeposited",
        "MoneyWithdrawn",
        "MoneyDeposited",
        "MoneyWithdrawn",
        "AccountClosed",
    ]
    assert frame["change"].tolist() == [100, 50, -30, 5, -125, 0]
    assert frame["balance"].tolist() == [100, 150, 120, 125, 0, 0]
    assert [pd.Timestamp(t) for t in frame["recorded_at"]] == [
        pd.Timestamp(r.recorded_at) for r in store.read_stream(ada)
    ]
    assert pd.Timestamp(frame["recorded_at"].iloc[0]) == pd.Timestamp(START)
    for column in ("version", "position", "change", "balance"):
        assert frame[column].dtype == "int64"


def test_history_handles_int64_balances(bank: Bank) -> None:
    account = bank.open_account("Rich", 2**63 - 2).aggregate_id
    bank.handle(DepositMoney(account, 1))
    frame = bank.history(account)
    assert frame["balance"].tolist() == [2**63 - 2, 2**63 - 1]
    assert frame["change"].tolist() == [2**63 - 2, 1]


# -- retries on conflict ---------------------------------------------------------------------
class InterferingStore:
    """Delegates to a real store; before chosen appends, another writer appends first."""

    def __init__(self, real: SqlStore, rival: Callable[[], object], times: int) -> None:
        self.real = real
        self.rival = rival
        self.times = times
        self.appends = 0

    def append(
        self,
        aggregate_id: UUID,
        events: Sequence[Event],
        *,
        expected_version: Any,
        event_ids: Sequence[UUID] | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> AppendResult:
        self.appends += 1
        if self.appends <= self.times:
            self.rival()
        return self.real.append(
            aggregate_id,
            events,
            expected_version=expected_version,
            event_ids=event_ids,
            metadata=metadata,
        )

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


def _rival_withdraws(store: SqlStore, account: UUID, amount: int) -> Callable[[], object]:
    return lambda: store.append(account, [MoneyWithdrawn(amount)], expected_version=ANY)


def test_retry_redecides_against_fresh_state(store: SqlStore) -> None:
    account = Bank(store).open_account("Ada", 100).aggregate_id
    wrapped = InterferingStore(store, _rival_withdraws(store, account, 30), times=1)
    bank = Bank(wrapped)
    result = bank.handle(WithdrawMoney(account, 60))
    assert result.attempts == 2
    assert wrapped.appends == 2
    assert (result.new_version, result.position) == (3, 3)
    recorded = store.read_stream(account)
    assert [r.event for r in recorded] == [
        AccountOpened("Ada", 100),
        MoneyWithdrawn(30),  # the rival
        MoneyWithdrawn(60),  # ours, decided again against balance 70
    ]
    assert bank.load(account).balance == 10
    assert [r.position for r in store.read_all()] == [1, 2, 3]


def test_retry_can_rightly_refuse(store: SqlStore) -> None:
    account = Bank(store).open_account("Ada", 100).aggregate_id
    wrapped = InterferingStore(store, _rival_withdraws(store, account, 50), times=1)
    bank = Bank(wrapped)
    with pytest.raises(InsufficientFunds) as info:
        bank.handle(WithdrawMoney(account, 80))  # fine against 100, refused against 50
    assert (info.value.balance, info.value.requested) == (50, 80)
    assert wrapped.appends == 1  # decided again, refused before appending
    assert [r.event for r in store.read_stream(account)] == [
        AccountOpened("Ada", 100),
        MoneyWithdrawn(50),
    ]


@pytest.mark.parametrize("max_retries", [0, 1, 3])
def test_retries_exhausted_raise_concurrency_conflict(store: SqlStore, max_retries: int) -> None:
    account = Bank(store).open_account("Ada", 1000).aggregate_id
    wrapped = InterferingStore(store, _rival_withdraws(store, account, 1), times=10**6)
    bank = Bank(wrapped, max_retries=max_retries)
    with pytest.raises(ConcurrencyConflict) as info:
        bank.handle(DepositMoney(account, 7))
    assert wrapped.appends == max_retries + 1
    assert info.value.aggregate_id == account
    events = [r.event for r in store.read_stream(account)]
    assert MoneyDeposited(7) not in events
    assert events == [AccountOpened("Ada", 1000)] + [MoneyWithdrawn(1)] * (max_retries + 1)


def test_default_max_retries_is_three(store: SqlStore) -> None:
    assert Bank(store).max_retries == 3
    account = Bank(store).open_account("Ada", 1000).aggregate_id
    wrapped = InterferingStore(store, _rival_withdraws(store, account, 1), times=3)
    result = Bank(wrapped).handle(DepositMoney(account, 7))
    assert result.attempts == 4
    assert Bank(store).load(account).balance == 1000 - 3 + 7


# -- construction ----------------------------------------------------------------------------
@pytest.mark.parametrize("bad", [-1, True, "3", 2.0, None], ids=repr)
def test_max_retries_must_be_a_non_negative_int(store: SqlStore, bad: object) -> None:
    with pytest.raises(InvalidArgument, match="max_retries must be an int >= 0"):
        Bank(store, max_retries=bad)  # type: ignore[arg-type]


def test_new_id_must_be_callable_and_return_uuids(store: SqlStore) -> None:
    with pytest.raises(InvalidArgument, match="new_id must be a callable"):
        Bank(store, new_id="uuid4")  # type: ignore[arg-type]
    bank = Bank(store, new_id=lambda: "not-a-uuid")  # type: ignore[arg-type,return-value]
    with pytest.raises(InvalidArgument, match=r"new_id must return a uuid\.UUID"):
        bank.open_account("Ada")
    assert store.head_position() == 0


def test_load_equals_the_pure_fold(bank: Bank, store: SqlStore, ada: UUID) -> None:
    events = [r.event for r in store.read_stream(ada)]
    assert bank.load(ada) == replay(events, account_id=ada)
