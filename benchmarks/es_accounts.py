"""The bank account written with the ``eventsourcing`` library, for bench_commands.py only."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event


class Account(Aggregate):
    """An account with the same deposit rule as esbank's (a positive amount)."""

    @event("Opened")
    def __init__(self, owner: str, balance: int) -> None:
        self.owner = owner
        self.balance = balance

    @event("Deposited")
    def deposit(self, amount: int) -> None:
        if amount <= 0:
            raise ValueError("amount must be positive")
        self.balance += amount


class Accounts(Application):
    """Load the aggregate from the store, apply the command, save its new events."""

    def open(self, owner: str, balance: int) -> UUID:
        account = Account(owner, balance)
        self.save(account)
        return account.id

    def deposit(self, account_id: UUID, amount: int) -> None:
        account: Account = self.repository.get(account_id)
        account.deposit(amount)
        self.save(account)
