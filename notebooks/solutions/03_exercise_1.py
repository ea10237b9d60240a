"""Notebook 03, exercise 1 (solution): evolve for a new event, ``FeeCharged``."""

from dataclasses import dataclass, replace
from typing import ClassVar

from esbank import BankAccount, Event, InvalidHistory, evolve


@dataclass(frozen=True, slots=True)
class FeeCharged:
    """The bank charged the account a fee of ``amount`` cents."""

    event_type: ClassVar[str] = "FeeCharged"
    schema_version: ClassVar[int] = 1

    amount: int


def evolve_with_fees(state: BankAccount, event: Event | FeeCharged) -> BankAccount:
    """The state after ``event``: a fee takes its amount off the balance; the rest is evolve."""
    if isinstance(event, FeeCharged):
        # Like evolve, refuse only a history that could not have happened.
        if not state.is_open:
            raise InvalidHistory(
                f"FeeCharged cannot be applied to account {state.id} at version "
                f"{state.version}: the account is not open; the stored history is inconsistent"
            )
        if event.amount > state.balance:
            raise InvalidHistory(
                f"FeeCharged cannot be applied to account {state.id} at version "
                f"{state.version}: the balance would go below zero; the stored history is "
                "inconsistent"
            )
        return replace(state, balance=state.balance - event.amount, version=state.version + 1)
    return evolve(state, event)
