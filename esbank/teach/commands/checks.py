"""The exercise checks of notebook 01. Each ``check_…(answer)`` prints ✅ or ❌ with a hint.

Exercise 1: the balance as a fold over the events. Exercise 2: a new rule in ``decide``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from esbank.domain.account import BankAccount, replay
from esbank.domain.arguments import is_int
from esbank.domain.commands import Command, DepositMoney, WithdrawMoney
from esbank.domain.errors import AccountNotOpen, DomainError, InsufficientFunds
from esbank.domain.events import (
    AccountClosed,
    AccountOpened,
    Event,
    MoneyDeposited,
    MoneyWithdrawn,
)
from esbank.teach.grading import (
    ACCOUNT,
    Mistake,
    call,
    first_mistake,
    passed,
    show_events,
)

WITHDRAWAL_LIMIT = 100_000
"""Exercise 2 of notebook 01: the most one withdrawal may take, in cents (1,000.00)."""

Decide = Callable[[Command, BankAccount], Sequence[Event]]


# -- exercise 1: the balance as a fold over the events ---------------------------------------
BALANCE_CASES: tuple[tuple[tuple[Event, ...], str], ...] = (
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


def _balance_mistake(balance_of: Callable[[Sequence[Event]], int]) -> Mistake | None:
    """The first history whose balance the answer gets wrong, or None."""
    for events, hint in BALANCE_CASES:
        expected = replay(events, account_id=ACCOUNT).balance
        shown = f"balance_of({show_events(events)})"
        got, error = call(balance_of, list(events))
        if error is not None:
            return f"{shown} raised {type(error).__name__}: {error}", hint
        if not is_int(got):
            return (
                f"{shown} returned {got!r} ({type(got).__name__}).",
                "return an int number of cents: money is never a float here.",
            )
        if got != expected:
            return f"{shown} returned {got}, expected {expected}.", hint
    return None


def check_balance_of(balance_of: Callable[[Sequence[Event]], int] | None) -> bool:
    """Exercise 1: ``balance_of(events)`` returns the balance in cents after ``events``."""
    wrong = first_mistake(
        "balance_of",
        balance_of,
        _balance_mistake,
        stub_hint="replace the raise with a loop: start at 0 and let each event change the "
        "balance.",
        cell="exercise 1",
    )
    if wrong is not None:
        return wrong
    return passed(
        f"balance_of agrees with replay on {len(BALANCE_CASES)} histories: the state is "
        "a fold of the events, and evolve is the step of that fold."
    )


# -- exercise 2: a new rule in decide --------------------------------------------------------
def _state(balance: int) -> BankAccount:
    return replay([AccountOpened("Ada", balance)], account_id=ACCOUNT)


def _call(
    decide_with_limit: Decide, command: Command, state: BankAccount
) -> tuple[Any, BaseException | None]:
    """What the answer returned (a list becomes a tuple) or raised."""
    result, error = call(decide_with_limit, command, state)
    return (tuple(result) if isinstance(result, list | tuple) else result), error


def _outcome(result: Any, error: BaseException | None, *, message: bool = True) -> str:
    if error is None:
        return f"returned {result!r}"
    return f"raised {type(error).__name__}" + (f": {error}" if message else "")


# The limit named in cents (100000, 100,000, 100_000) or in euros (1000, 1,000, 1.000, 1 000,
# with or without .00): not part of a longer number.
_LIMIT = re.compile(r"(?<![\d.,_])(?:100[,_ ]?000|1[,._ ]?000(?:[.,]00)?)(?![\d_])")


def _mentions_limit(message: str) -> bool:
    return _LIMIT.search(message) is not None


def _limit_mistake(decide_with_limit: Decide) -> Mistake | None:
    """Why the answer's treatment of the limit itself is wrong, or None."""
    rich = _state(500_000)
    at_limit, error = _call(decide_with_limit, WithdrawMoney(ACCOUNT, WITHDRAWAL_LIMIT), rich)
    if error is not None or at_limit != (MoneyWithdrawn(WITHDRAWAL_LIMIT),):
        return (
            f"a withdrawal of exactly {WITHDRAWAL_LIMIT} cents from a balance of "
            f"500000 {_outcome(at_limit, error)}; expected "
            f"(MoneyWithdrawn(amount={WITHDRAWAL_LIMIT}),).",
            "the limit itself is allowed: refuse only amount > WITHDRAWAL_LIMIT, and "
            "return what decide(command, state) returns.",
        )
    over = WithdrawMoney(ACCOUNT, WITHDRAWAL_LIMIT + 1)
    refused, error = _call(decide_with_limit, over, rich)
    if error is None:
        return (
            f"{over!r} was accepted (returned {refused!r}).",
            "check `isinstance(command, WithdrawMoney) and command.amount > "
            "WITHDRAWAL_LIMIT` first and raise an error before calling decide.",
        )
    if not isinstance(error, DomainError):
        return (
            f"{over!r} raised {type(error).__name__}, which is not a DomainError.",
            "a broken rule raises a DomainError subclass, e.g. "
            "`class WithdrawalLimitExceeded(DomainError)`, so callers catch every rule "
            "with one `except DomainError`.",
        )
    if not _mentions_limit(str(error)):
        return (
            f"the refusal says {str(error)!r}, which does not name the limit.",
            f"say what was wrong and what to do, e.g. 'withdraw at most "
            f"{WITHDRAWAL_LIMIT} cents at a time'.",
        )
    return None


def _old_rules_mistake(decide_with_limit: Decide) -> Mistake | None:
    """Why the answer breaks a rule ``decide`` already had, or None."""
    deposit, error = _call(decide_with_limit, DepositMoney(ACCOUNT, 200_000), _state(500_000))
    if error is not None or deposit != (MoneyDeposited(200_000),):
        return (
            f"a deposit of 200000 cents {_outcome(deposit, error, message=False)}; "
            "expected (MoneyDeposited(amount=200000),).",
            "the limit is for withdrawals only: hand every other command to decide.",
        )
    for command, state, rule in (
        (WithdrawMoney(ACCOUNT, 90_000), _state(50_000), InsufficientFunds),
        (WithdrawMoney(ACCOUNT, 500), BankAccount.new(ACCOUNT), AccountNotOpen),
    ):
        result, error = _call(decide_with_limit, command, state)
        if not isinstance(error, rule):
            return (
                f"{command!r} on a balance of {state.balance} "
                f"{_outcome(result, error, message=False)}; expected {rule.__name__}.",
                "keep the old rules: after your check, return decide(command, state).",
            )
    return None


def check_withdrawal_limit(decide_with_limit: Decide | None) -> bool:
    """Exercise 2: ``decide_with_limit`` refuses one withdrawal above ``WITHDRAWAL_LIMIT``.

    Everything else must behave exactly as ``esbank.decide``.
    """
    wrong = first_mistake(
        "decide_with_limit",
        decide_with_limit,
        lambda answer: _limit_mistake(answer) or _old_rules_mistake(answer),
        stub_hint="replace the raise: refuse a WithdrawMoney above WITHDRAWAL_LIMIT, otherwise "
        "return decide(command, state).",
        cell="exercise 2",
    )
    if wrong is not None:
        return wrong
    return passed(
        "decide_with_limit keeps every old rule and adds one: a withdrawal above "
        f"{WITHDRAWAL_LIMIT} cents is refused with a DomainError that names the limit."
    )
