"""Notebook 01, exercise 1 (solution): the balance is a fold over the events."""

from collections.abc import Iterable

from esbank import AccountClosed, AccountOpened, Event, MoneyDeposited, MoneyWithdrawn


def balance_of(events: Iterable[Event]) -> int:
    """Return the balance in cents after ``events``, one event at a time."""
    balance = 0
    for event in events:
        match event:
            case AccountOpened(initial_balance=opening):
                balance = opening
            case MoneyDeposited(amount=amount):
                balance += amount
            case MoneyWithdrawn(amount=amount):
                balance -= amount
            case AccountClosed():
                pass  # a fact with no money in it: the balance stays as it is
    return balance
