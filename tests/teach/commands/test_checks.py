"""Every exercise check passes its solution and rejects wrong answers without raising."""

from __future__ import annotations

import runpy
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from esbank import (
    AccountOpened,
    BankAccount,
    Command,
    DomainError,
    Event,
    MoneyWithdrawn,
    WithdrawMoney,
    decide,
)
from esbank.teach.checks import WITHDRAWAL_LIMIT, check_balance_of, check_withdrawal_limit

SOLUTIONS = Path(__file__).resolve().parents[1] / "notebooks" / "solutions"


def solution(name: str, attribute: str) -> Any:
    return runpy.run_path(str(SOLUTIONS / name))[attribute]


def passes(check: Callable[[Any], bool], answer: Any, capsys: pytest.CaptureFixture[str]) -> str:
    assert check(answer) is True
    out = capsys.readouterr().out
    assert out.startswith("✅")
    return out


def fails(check: Callable[[Any], bool], answer: Any, capsys: pytest.CaptureFixture[str]) -> str:
    assert check(answer) is False
    out = capsys.readouterr().out
    assert out.startswith("❌")
    assert "Hint:" in out
    return out


def not_implemented(*_args: Any) -> Any:
    raise NotImplementedError


# -- exercise 1 ------------------------------------------------------------------------------
def test_balance_of_solution_passes(capsys: pytest.CaptureFixture[str]) -> None:
    passes(check_balance_of, solution("01_exercise_1.py", "balance_of"), capsys)


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
    assert expected_text in fails(check_balance_of, answer, capsys)


# -- exercise 2 ------------------------------------------------------------------------------
def test_withdrawal_limit_solution_passes(capsys: pytest.CaptureFixture[str]) -> None:
    out = passes(check_withdrawal_limit, solution("01_exercise_2.py", "decide_with_limit"), capsys)
    assert str(WITHDRAWAL_LIMIT) in out


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
    assert expected_text in fails(check_withdrawal_limit, answer, capsys)
