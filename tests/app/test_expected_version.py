"""The caller's expected version: ``Bank.handle(expected_version=)`` and
``Bank.handle_batch(expected_versions=)`` decide a command only if the account is still at the
version the caller saw, and never retry past a version that moved."""

from __future__ import annotations

from collections.abc import Iterator
from uuid import UUID

import pytest
from support import rows

from esbank import (
    Bank,
    CommandRejected,
    CommandResult,
    ConcurrencyConflict,
    DepositMoney,
    DuckDBEventStore,
    InsufficientFunds,
    InvalidArgument,
    OpenAccount,
    WithdrawMoney,
)
from esbank.app.outcomes import decide_batch
from esbank.domain.account import BankAccount
from esbank.teach import SequentialIds, StepClock

A = UUID(int=0xA)
B = UUID(int=0xB)


@pytest.fixture
def store() -> Iterator[DuckDBEventStore]:
    with DuckDBEventStore(":memory:", clock=StepClock(), new_id=SequentialIds()) as s:
        yield s


@pytest.fixture
def bank(store: DuckDBEventStore) -> Bank:
    bank = Bank(store)
    bank.handle(OpenAccount(A, "Ada", 100))
    bank.handle(DepositMoney(A, 50))  # version 2
    return bank


def test_the_version_the_caller_saw_is_accepted(bank: Bank) -> None:
    result = bank.handle(DepositMoney(A, 10), expected_version=2)
    assert (result.new_version, bank.load(A).balance) == (3, 160)


@pytest.mark.parametrize("cache_size", [10_000, 0])
def test_a_stale_expected_version_raises_and_writes_nothing(
    store: DuckDBEventStore, cache_size: int
) -> None:
    bank = Bank(store, cache_size=cache_size)
    bank.handle(OpenAccount(A, "Ada", 100))
    before = rows(store)
    with pytest.raises(ConcurrencyConflict) as caught:
        bank.handle(DepositMoney(A, 10), expected_version=5)
    assert (caught.value.expected, caught.value.actual) == (5, 1)
    assert rows(store) == before


def test_a_writer_that_moved_the_stream_is_not_retried_past(store: DuckDBEventStore) -> None:
    """Another Bank (its own cache) appends; ours still holds version 1 in its cache. With an
    expected version of 1 the command must fail, not be decided again at version 2."""
    ours, theirs = Bank(store), Bank(store)
    ours.handle(OpenAccount(A, "Ada", 100))
    theirs.handle(DepositMoney(A, 5))
    with pytest.raises(ConcurrencyConflict):
        ours.handle(WithdrawMoney(A, 100), expected_version=1)
    assert ours.load(A).balance == 105
    # Without an expected version the same command is simply decided again (and accepted).
    assert ours.handle(WithdrawMoney(A, 100)).new_version == 3


def test_a_stale_cache_is_not_mistaken_for_a_stale_caller(store: DuckDBEventStore) -> None:
    """Our cache says version 1, the stream is at 2, and the caller saw 2: accepted."""
    ours, theirs = Bank(store), Bank(store)
    ours.handle(OpenAccount(A, "Ada", 100))
    theirs.handle(DepositMoney(A, 5))
    assert ours.handle(DepositMoney(A, 1), expected_version=2).new_version == 3


def test_a_rule_still_wins_over_a_matching_version(bank: Bank) -> None:
    with pytest.raises(InsufficientFunds):
        bank.handle(WithdrawMoney(A, 1_000), expected_version=2)


def test_expected_version_must_be_an_int(bank: Bank) -> None:
    for wrong in (-1, 1.0, True, "2"):
        with pytest.raises(InvalidArgument):
            bank.handle(DepositMoney(A, 1), expected_version=wrong)  # type: ignore[arg-type]


def test_in_a_batch_each_expectation_is_checked_at_its_turn(bank: Bank) -> None:
    """Two callers both saw version 2: the first is accepted, the second refused alone."""
    bank.handle(OpenAccount(B, "Bo", 0))
    outcomes = bank.handle_batch(
        [DepositMoney(A, 1), WithdrawMoney(A, 1), DepositMoney(B, 7), DepositMoney(A, 2)],
        expected_versions=[2, 2, None, 3],
    )
    assert [o.status for o in outcomes] == ["accepted", "rejected", "accepted", "accepted"]
    refused = outcomes[1]
    assert isinstance(refused, CommandRejected)
    assert isinstance(refused.error, ConcurrencyConflict)
    assert (refused.error.expected, refused.error.actual) == (2, 3)
    assert isinstance(outcomes[3], CommandResult) and outcomes[3].new_version == 4
    assert bank.load(A).balance == 153


def test_a_batch_rechecks_expectations_after_a_rival_wrote(store: DuckDBEventStore) -> None:
    ours, theirs = Bank(store), Bank(store)
    ours.handle(OpenAccount(A, "Ada", 100))
    theirs.handle(DepositMoney(A, 5))  # our cache still says version 1
    outcomes = ours.handle_batch([DepositMoney(A, 1)], expected_versions=[1])
    assert isinstance(outcomes[0], CommandRejected)
    assert isinstance(outcomes[0].error, ConcurrencyConflict)
    assert ours.load(A).balance == 105


def test_expected_versions_must_be_one_per_command(bank: Bank) -> None:
    with pytest.raises(InvalidArgument, match="one per command"):
        bank.handle_batch([DepositMoney(A, 1)], expected_versions=[1, 2])
    with pytest.raises(InvalidArgument):
        bank.handle_batch([DepositMoney(A, 1)], expected_versions=["2"])  # type: ignore[list-item]


def test_decide_batch_without_expectations_is_unchanged() -> None:
    state = BankAccount.new(A)
    plan = decide_batch([OpenAccount(A, "Ada", 1), DepositMoney(A, 2)], {A: state})
    assert [p.after.version for p in plan] == [1, 2]  # type: ignore[union-attr]
    stale = decide_batch([DepositMoney(A, 2)], {A: state}, [3])
    assert isinstance(stale[0], ConcurrencyConflict)
