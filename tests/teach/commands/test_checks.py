"""Notebook 01's checks pass the solutions (and other right shapes) and reject wrong answers."""

from __future__ import annotations

from collections.abc import Sequence
from functools import reduce
from typing import Any
from uuid import UUID

import pytest

from esbank import (
    AccountOpened,
    BankAccount,
    Command,
    DomainError,
    Event,
    MoneyDeposited,
    MoneyWithdrawn,
    WithdrawMoney,
    decide,
    replay,
)
from esbank.teach.commands.checks import (
    WITHDRAWAL_LIMIT,
    check_balance_of,
    check_withdrawal_limit,
)
from teach.exercises import fails, not_implemented, passes, solution


# -- exercise 1 ------------------------------------------------------------------------------
def test_balance_of_solution_passes(capsys: pytest.CaptureFixture[str]) -> None:
    passes(check_balance_of, capsys, solution("01_exercise_1.py", "balance_of"))


def balance_by_reduce(events: Sequence[Event]) -> int:
    """Another right shape: a fold with functools.reduce and isinstance, no match."""

    def step(balance: int, event: Event) -> int:
        if isinstance(event, AccountOpened):
            return event.initial_balance
        if isinstance(event, MoneyDeposited):
            return balance + event.amount
        if isinstance(event, MoneyWithdrawn):
            return balance - event.amount
        return balance

    return reduce(step, events, 0)


def balance_by_replay(events: Sequence[Event]) -> int:
    """Another right shape: let esbank's own fold do it."""
    return replay(events, account_id=UUID(int=7)).balance


@pytest.mark.parametrize("answer", [balance_by_reduce, balance_by_replay])
def test_balance_of_other_right_shapes_pass(
    answer: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    passes(check_balance_of, capsys, answer)


def ignores_opening_balance(events: Sequence[Event]) -> int:
    return sum(getattr(e, "amount", 0) for e in events)


def adds_withdrawals(events: Sequence[Event]) -> int:
    balance = 0
    for e in events:
        balance = e.initial_balance if isinstance(e, AccountOpened) else balance + e.amount  # type: ignore[union-attr]
    return balance


def returns_float(events: Sequence[Event]) -> float:
    return float(solution("01_exercise_1.py", "balance_of")(events))


@pytest.mark.parametrize(
    ("answer", "expected_text"),
    [
        (None, "balance_of is not defined yet"),
        (42, "must be a function"),
        (not_implemented, "still raises NotImplementedError"),
        (ignores_opening_balance, "AccountOpened sets the balance"),
        (adds_withdrawals, "MoneyWithdrawn subtracts"),
        (returns_float, "return an int number of cents"),
    ],
)
def test_balance_of_wrong_answers_fail_with_a_hint(
    answer: Any, expected_text: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert expected_text in fails(check_balance_of, capsys, answer)


# -- exercise 2 ------------------------------------------------------------------------------
def test_withdrawal_limit_solution_passes(capsys: pytest.CaptureFixture[str]) -> None:
    out = passes(check_withdrawal_limit, capsys, solution("01_exercise_2.py", "decide_with_limit"))
    assert str(WITHDRAWAL_LIMIT) in out


class LimitExceeded(DomainError):
    pass


def limit_as_a_list(command: Command, state: BankAccount) -> list[Event]:
    """Another right shape: a plain DomainError subclass, a list of events, the limit in
    euros in the message."""
    if isinstance(command, WithdrawMoney) and not command.amount <= WITHDRAWAL_LIMIT:
        raise LimitExceeded("one withdrawal may take at most 1,000.00")
    return list(decide(command, state))


def test_withdrawal_limit_other_right_shape_passes(capsys: pytest.CaptureFixture[str]) -> None:
    passes(check_withdrawal_limit, capsys, limit_as_a_list)


@pytest.mark.parametrize(
    "message",
    [
        "may not exceed 1000 euros",
        "at most 1,000 euros a withdrawal",
        "the limit is €1000.00",
        "limit: 100000 cents",
        "limit: 100 000 cents",
    ],
)
def test_any_way_of_naming_the_limit_passes(
    message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    def with_message(command: Command, state: BankAccount) -> tuple[Event, ...]:
        if isinstance(command, WithdrawMoney) and command.amount > WITHDRAWAL_LIMIT:
            raise Refused(message)
        return decide(command, state)

    passes(check_withdrawal_limit, capsys, with_message)


@pytest.mark.parametrize("message", ["too much: 10000", "over 100 euros", "max 10,000.00"])
def test_naming_another_number_is_not_naming_the_limit(
    message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    def with_message(command: Command, state: BankAccount) -> tuple[Event, ...]:
        if isinstance(command, WithdrawMoney) and command.amount > WITHDRAWAL_LIMIT:
            raise Refused(message)
        return decide(command, state)

    assert "does not name the limit" in fails(check_withdrawal_limit, capsys, with_message)


class Refused(DomainError):
    pass


def no_limit(command: Command, state: BankAccount) -> tuple[Event, ...]:
    return decide(command, state)


def raises_value_error(command: Command, state: BankAccount) -> tuple[Event, ...]:
    if isinstance(command, WithdrawMoney) and command.amount > WITHDRAWAL_LIMIT:
        raise ValueError("too much")
    return decide(command, state)


def vague_message(command: Command, state: BankAccount) -> tuple[Event, ...]:
    if isinstance(command, WithdrawMoney) and command.amount > WITHDRAWAL_LIMIT:
        raise Refused("no")
    return decide(command, state)


def off_by_one(command: Command, state: BankAccount) -> tuple[Event, ...]:
    if isinstance(command, WithdrawMoney) and command.amount >= WITHDRAWAL_LIMIT:
        raise Refused(f"at most {WITHDRAWAL_LIMIT - 1} cents")
    return decide(command, state)


def forgets_old_rules(command: Command, state: BankAccount) -> tuple[Event, ...]:
    if isinstance(command, WithdrawMoney):
        if command.amount > WITHDRAWAL_LIMIT:
            raise Refused(f"withdraw at most {WITHDRAWAL_LIMIT} cents")
        return (MoneyWithdrawn(command.amount),)
    return decide(command, state)


def limits_deposits_too(command: Command, state: BankAccount) -> tuple[Event, ...]:
    if getattr(command, "amount", 0) > WITHDRAWAL_LIMIT:
        raise Refused(f"move at most {WITHDRAWAL_LIMIT} cents")
    return decide(command, state)


@pytest.mark.parametrize(
    ("answer", "expected_text"),
    [
        (None, "decide_with_limit is not defined yet"),
        (not_implemented, "still raises NotImplementedError"),
        (no_limit, "was accepted"),
        (raises_value_error, "not a DomainError"),
        (vague_message, "does not name the limit"),
        (off_by_one, "the limit itself is allowed"),
        (forgets_old_rules, "expected InsufficientFunds"),
        (limits_deposits_too, "the limit is for withdrawals only"),
    ],
)
def test_withdrawal_limit_wrong_answers_fail_with_a_hint(
    answer: Any, expected_text: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert expected_text in fails(check_withdrawal_limit, capsys, answer)
