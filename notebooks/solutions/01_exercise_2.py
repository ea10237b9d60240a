"""Notebook 01, exercise 2 (solution): one new rule in front of ``decide``."""

from esbank import BankAccount, Command, DomainError, Event, WithdrawMoney, decide, format_cents
from esbank.teach.commands import WITHDRAWAL_LIMIT


class WithdrawalLimitExceeded(DomainError):
    """One withdrawal asked for more than the per-withdrawal limit."""

    def __init__(self, requested: int, limit: int = WITHDRAWAL_LIMIT) -> None:
        self.requested = requested
        self.limit = limit
        super().__init__(
            f"one withdrawal may take at most {limit} cents ({format_cents(limit)}), "
            f"requested {requested} cents; withdraw at most {limit} cents at a time"
        )


def decide_with_limit(command: Command, state: BankAccount) -> tuple[Event, ...]:
    """``decide`` plus the limit: refuse a withdrawal above WITHDRAWAL_LIMIT cents."""
    if isinstance(command, WithdrawMoney) and command.amount > WITHDRAWAL_LIMIT:
        raise WithdrawalLimitExceeded(command.amount)
    return decide(command, state)
