"""The exercise check of notebook 03: ``evolve`` for a new event, ``FeeCharged``.

Each history is folded one event at a time and the state after every step is compared with
the expected one; the state passed in must come back unchanged, and the same input must give
the same output.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import FrozenInstanceError, replace
from typing import Any

from esbank.domain.account import BankAccount, evolve
from esbank.domain.events import AccountClosed, AccountOpened, MoneyDeposited, MoneyWithdrawn
from esbank.teach.grading import ACCOUNT, Mistake, call, first_mistake, passed

Evolve = Callable[[BankAccount, Any], BankAccount]


def _brief(state: Any) -> str:
    if not isinstance(state, BankAccount):
        return repr(state)
    return (
        f"BankAccount(balance={state.balance}, version={state.version}, "
        f"is_open={state.is_open}, is_closed={state.is_closed})"
    )


def _fee_reference(state: BankAccount, event: Any, fee_charged: type) -> BankAccount:
    """The state a correct ``evolve_with_fees`` returns."""
    if isinstance(event, fee_charged):
        return replace(state, balance=state.balance - event.amount, version=state.version + 1)
    return evolve(state, event)


def _fee_mistake(state: BankAccount, event: Any, got: BankAccount, is_fee: bool) -> str:
    """A hint for a wrong next state: name the usual mistakes, else what to do (a wrong
    non-fee event is always the delegation's fault: the fee code never runs for it)."""
    if not is_fee:
        what = "returned the state unchanged" if got == state else f"returned {_brief(got)}"
        return (
            f"for a {type(event).__name__} your function {what}; do what esbank.evolve "
            "does: hand every event that is not a FeeCharged to evolve(state, event) and "
            "return its result."
        )
    if got.version == state.version:
        return (
            "the version did not move: every event, a fee too, adds 1 to the version "
            "(version=state.version + 1); the version counts the events applied."
        )
    if got.version != state.version + 1:
        return f"the version must become state.version + 1 = {state.version + 1}."
    if got.balance == state.balance + event.amount:
        return "a fee takes money out of the account: balance=state.balance - event.amount."
    if got.balance == state.balance:
        return "a fee changes the balance: balance=state.balance - event.amount."
    return (
        "for a FeeCharged, change only balance and version: "
        "dataclasses.replace(state, balance=state.balance - event.amount, "
        "version=state.version + 1)."
    )


def _fee_class_mistake(fee_charged: Any) -> Mistake | None:
    """Why ``fee_charged`` is not a usable ``FeeCharged`` class, or None."""
    if not isinstance(fee_charged, type):
        got = "not defined" if fee_charged is None else f"a {type(fee_charged).__name__}"
        return (
            f"FeeCharged is {got}; the check needs the event class.",
            "run the exercise cell (it defines the FeeCharged dataclass), then call "
            "checks.check_evolve_with_fees(evolve_with_fees, FeeCharged).",
        )
    try:
        fee = fee_charged(250)
        if fee.amount != 250:
            raise ValueError(f"FeeCharged(250).amount is {fee.amount!r}")
    except Exception as exc:
        return (
            f"FeeCharged(250) does not work: {type(exc).__name__}: {exc}.",
            "keep FeeCharged a frozen dataclass with one field, amount: int.",
        )
    return None


HISTORY_TITLES = (
    "a fee right after opening",
    "fees between deposits and withdrawals",
    "a fee that empties the account, then closing it",
)


def _histories(fee_charged: type) -> tuple[tuple[str, tuple[Any, ...]], ...]:
    """The histories the answer folds, each with its title (:data:`HISTORY_TITLES`)."""
    first, mixed, emptied = HISTORY_TITLES
    return (
        (first, (AccountOpened("Ada", 10_000), fee_charged(250))),
        (
            mixed,
            (
                AccountOpened("Ada", 10_000),
                MoneyDeposited(2_500),
                fee_charged(100),
                MoneyWithdrawn(4_000),
                fee_charged(100),
            ),
        ),
        (emptied, (AccountOpened("Bo", 500), fee_charged(500), AccountClosed())),
    )


def _step(
    evolve_with_fees: Evolve,
    state: BankAccount,
    event: Any,
    expected: BankAccount,
    *,
    where: str,
    is_fee: bool,
) -> Mistake | BankAccount:
    """The answer's next state if it is the expected one, else why not.

    ``NotImplementedError`` goes through: the caller says the answer is still a stub.
    """
    shown = f"{where}: evolve_with_fees({_brief(state)}, {event!r})"
    before = (state.id, state.owner, state.balance, state.version, state.is_open)
    got, error = call(evolve_with_fees, state, event)
    if error is None:
        again, error = call(evolve_with_fees, state, event)
    if isinstance(error, FrozenInstanceError):
        return (
            f"{shown} tried to change the state in place ({type(error).__name__}: {error}).",
            "BankAccount is frozen, and evolve never mutates: return a new state, e.g. "
            "dataclasses.replace(state, balance=..., version=state.version + 1).",
        )
    if error is not None:
        hint = (
            "a FeeCharged only takes its amount off the balance and adds 1 to the version."
            if is_fee
            else "hand every event that is not a FeeCharged to evolve(state, event)."
        )
        return f"{shown} raised {type(error).__name__}: {error}", hint
    if (state.id, state.owner, state.balance, state.version, state.is_open) != before:
        return (
            f"{shown} changed the state it was given.",
            "never modify the input: the old state must stay as it was (time travel "
            "relies on it); build the next state with dataclasses.replace(state, ...).",
        )
    if not isinstance(got, BankAccount):
        return (
            f"{shown} returned {got!r} ({type(got).__name__}).",
            "return the next state, a BankAccount (e.g. from dataclasses.replace).",
        )
    if got != again:
        return (
            f"{shown} returned {_brief(got)} once and {_brief(again)} the second time.",
            "evolve must be pure: the same state and event always give the same "
            "state, so use no counters, globals, clock or randomness.",
        )
    if got != expected:
        return (
            f"{shown} returned {_brief(got)}, expected {_brief(expected)}.",
            _fee_mistake(state, event, got, is_fee),
        )
    return got


def _fold(
    evolve_with_fees: Evolve, fee_charged: type, title: str, events: tuple[Any, ...]
) -> Mistake | None:
    """Fold ``events`` with the answer, one step at a time: the first wrong step, or None."""
    state = expected = BankAccount.new(ACCOUNT)
    for step, event in enumerate(events, start=1):
        expected = _fee_reference(expected, event, fee_charged)
        where = f"history '{title}', event {step}"
        is_fee = isinstance(event, fee_charged)
        found = _step(evolve_with_fees, state, event, expected, where=where, is_fee=is_fee)
        if not isinstance(found, BankAccount):
            return found
        state = found
    return None


def check_evolve_with_fees(
    evolve_with_fees: Evolve | None,
    fee_charged: type | None = None,
) -> bool:
    """Notebook 03, exercise 1: ``evolve_with_fees(state, event)`` knows the new ``FeeCharged``.

    A fee takes its amount off the balance and adds 1 to the version, in a new state; every
    other event gives exactly what ``esbank.evolve`` gives.
    """

    def find(answer: Evolve) -> Mistake | None:
        wrong_class = _fee_class_mistake(fee_charged)
        if wrong_class is not None:
            return wrong_class
        assert isinstance(fee_charged, type)
        for title, events in _histories(fee_charged):
            mistake = _fold(answer, fee_charged, title, events)
            if mistake is not None:
                return mistake
        return None

    wrong = first_mistake(
        "evolve_with_fees",
        evolve_with_fees,
        find,
        stub_hint="replace the raise: for a FeeCharged return a new state with the fee taken "
        "off and version + 1; for any other event return evolve(state, event).",
    )
    if wrong is not None:
        return wrong
    folded = len(HISTORY_TITLES)
    return passed(
        f"evolve_with_fees folds {folded} histories into the expected state after every "
        "event: a new event type needs one new case in evolve, and the old events replay "
        "exactly as before."
    )
