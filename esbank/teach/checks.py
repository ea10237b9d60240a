"""Exercise checks. Each ``check_…(answer)`` prints ✅ or ❌ with a hint and returns a bool.

A check never raises because of the answer: an undefined answer (``None``), a stub that
still raises ``NotImplementedError`` or a wrong result all print a ❌ line and a hint.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

from esbank.domain.account import BankAccount, replay
from esbank.domain.commands import Command, DepositMoney, WithdrawMoney
from esbank.domain.errors import AccountNotOpen, DomainError, InsufficientFunds
from esbank.domain.events import (
    AccountClosed,
    AccountOpened,
    Event,
    MoneyDeposited,
    MoneyWithdrawn,
)

WITHDRAWAL_LIMIT = 100_000
"""Exercise 2 of notebook 01: the most one withdrawal may take, in cents (1,000.00)."""

_ACCOUNT = UUID(int=0xE1)


def _passed(text: str) -> bool:
    print(f"✅ {text}")
    return True


def _failed(text: str, hint: str) -> bool:
    print(f"❌ {text}\n   Hint: {hint}")
    return False


def _show(events: Sequence[Event]) -> str:
    return "[" + ", ".join(repr(e) for e in events) + "]"


def _not_callable(name: str, answer: Any, cell: str) -> bool:
    if answer is None:
        return _failed(
            f"{name} is not defined yet.",
            f"write {name} in the {cell} cell, run that cell, then run this check again.",
        )
    return _failed(
        f"{name} must be a function, got {type(answer).__name__}.",
        f"define it with `def {name}(...):` in the {cell} cell.",
    )


# -- exercise 1: the balance as a fold over the events ---------------------------------------
_BALANCE_CASES: tuple[tuple[tuple[Event, ...], str], ...] = (
    ((AccountOpened("Ada", 0),), "start from 0: a new account holds nothing."),
    (
        (AccountOpened("Ada", 1_000),),
        "AccountOpened sets the balance to its initial_balance.",
    ),
    (
        (AccountOpened("Ada", 1_000), MoneyDeposited(500)),
        "MoneyDeposited adds its amount to the balance.",
    ),
    (
        (AccountOpened("Ada", 1_000), MoneyDeposited(2_500), MoneyWithdrawn(700)),
        "MoneyWithdrawn subtracts its amount (amounts are always positive).",
    ),
    (
        (AccountOpened("Bo", 300), MoneyWithdrawn(300), AccountClosed()),
        "AccountClosed moves no money and has no amount: leave the balance as it is.",
    ),
)


def check_balance_of(balance_of: Callable[[Sequence[Event]], int] | None) -> bool:
    """Exercise 1: ``balance_of(events)`` returns the balance in cents after ``events``."""
    if not callable(balance_of):
        return _not_callable("balance_of", balance_of, "exercise 1")
    for events, hint in _BALANCE_CASES:
        expected = replay(events, account_id=_ACCOUNT).balance
        try:
            got = balance_of(list(events))
        except NotImplementedError:
            return _failed(
                "balance_of still raises NotImplementedError.",
                "replace the raise with a loop: start at 0 and let each event change the balance.",
            )
        except Exception as exc:
            return _failed(f"balance_of({_show(events)}) raised {type(exc).__name__}: {exc}", hint)
        if isinstance(got, bool) or not isinstance(got, int):
            return _failed(
                f"balance_of({_show(events)}) returned {got!r} ({type(got).__name__}).",
                "return an int number of cents: money is never a float here.",
            )
        if got != expected:
            return _failed(
                f"balance_of({_show(events)}) returned {got}, expected {expected}.", hint
            )
    return _passed(
        f"balance_of agrees with replay on {len(_BALANCE_CASES)} histories: the state is "
        "a fold of the events, and evolve is the step of that fold."
    )


# -- exercise 2: a new rule in decide --------------------------------------------------------
def _state(balance: int) -> BankAccount:
    return replay([AccountOpened("Ada", balance)], account_id=_ACCOUNT)


def _call(
    decide_with_limit: Callable[[Command, BankAccount], Sequence[Event]],
    command: Command,
    state: BankAccount,
) -> tuple[Any, BaseException | None]:
    try:
        result = decide_with_limit(command, state)
    except NotImplementedError:
        raise
    except Exception as exc:
        return None, exc
    return (tuple(result) if isinstance(result, list | tuple) else result), None


def _mentions_limit(message: str) -> bool:
    return any(text in message for text in ("100000", "100_000", "100,000", "1,000.00", "1000.00"))


def check_withdrawal_limit(
    decide_with_limit: Callable[[Command, BankAccount], Sequence[Event]] | None,
) -> bool:
    """Exercise 2: ``decide_with_limit`` refuses one withdrawal above ``WITHDRAWAL_LIMIT``.

    Everything else must behave exactly as ``esbank.decide``.
    """
    if not callable(decide_with_limit):
        return _not_callable("decide_with_limit", decide_with_limit, "exercise 2")
    rich = _state(500_000)
    over = WithdrawMoney(_ACCOUNT, WITHDRAWAL_LIMIT + 1)
    try:
        at_limit, error = _call(decide_with_limit, WithdrawMoney(_ACCOUNT, WITHDRAWAL_LIMIT), rich)
        if error is not None or at_limit != (MoneyWithdrawn(WITHDRAWAL_LIMIT),):
            got = f"raised {type(error).__name__}: {error}" if error else f"returned {at_limit!r}"
            return _failed(
                f"a withdrawal of exactly {WITHDRAWAL_LIMIT} cents from a balance of "
                f"500000 {got}; expected (MoneyWithdrawn(amount={WITHDRAWAL_LIMIT}),).",
                "the limit itself is allowed: refuse only amount > WITHDRAWAL_LIMIT, and "
                "return what decide(command, state) returns.",
            )
        refused, error = _call(decide_with_limit, over, rich)
        if error is None:
            return _failed(
                f"{over!r} was accepted (returned {refused!r}).",
                "check `isinstance(command, WithdrawMoney) and command.amount > "
                "WITHDRAWAL_LIMIT` first and raise an error before calling decide.",
            )
        if not isinstance(error, DomainError):
            return _failed(
                f"{over!r} raised {type(error).__name__}, which is not a DomainError.",
                "a broken rule raises a DomainError subclass, e.g. "
                "`class WithdrawalLimitExceeded(DomainError)`, so callers catch every rule "
                "with one `except DomainError`.",
            )
        if not _mentions_limit(str(error)):
            return _failed(
                f"the refusal says {str(error)!r}, which does not name the limit.",
                f"say what was wrong and what to do, e.g. 'withdraw at most "
                f"{WITHDRAWAL_LIMIT} cents at a time'.",
            )
        deposit, error = _call(decide_with_limit, DepositMoney(_ACCOUNT, 200_000), rich)
        if error is not None or deposit != (MoneyDeposited(200_000),):
            got = f"raised {type(error).__name__}" if error else f"returned {deposit!r}"
            return _failed(
                f"a deposit of 200000 cents {got}; expected (MoneyDeposited(amount=200000),).",
                "the limit is for withdrawals only: hand every other command to decide.",
            )
        for command, state, rule in (
            (WithdrawMoney(_ACCOUNT, 90_000), _state(50_000), InsufficientFunds),
            (WithdrawMoney(_ACCOUNT, 500), BankAccount.new(_ACCOUNT), AccountNotOpen),
        ):
            result, error = _call(decide_with_limit, command, state)
            if not isinstance(error, rule):
                got = f"raised {type(error).__name__}" if error else f"returned {result!r}"
                return _failed(
                    f"{command!r} on a balance of {state.balance} {got}; expected {rule.__name__}.",
                    "keep the old rules: after your check, return decide(command, state).",
                )
    except NotImplementedError:
        return _failed(
            "decide_with_limit still raises NotImplementedError.",
            "replace the raise: refuse a WithdrawMoney above WITHDRAWAL_LIMIT, otherwise "
            "return decide(command, state).",
        )
    return _passed(
        "decide_with_limit keeps every old rule and adds one: a withdrawal above "
        f"{WITHDRAWAL_LIMIT} cents is refused with a DomainError that names the limit."
    )
