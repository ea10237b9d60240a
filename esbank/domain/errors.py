"""The one error hierarchy of esbank, domain part.

``EsbankError`` is the root of every error the kit raises on purpose. ``DomainError`` covers
rule violations found by :func:`esbank.decide` and :func:`esbank.evolve`. Every message says
what was wrong and what to do about it.
"""

from __future__ import annotations

from uuid import UUID


class EsbankError(Exception):
    """Root of every error esbank raises on purpose."""


class InvalidArgument(EsbankError):
    """An API was called with an argument of the wrong type or out of range."""


class DomainError(EsbankError):
    """A business rule of the bank account refused a command."""


class InvalidCommand(DomainError):
    """A command (or event) field has the wrong type or shape."""


class InvalidAmount(InvalidCommand):
    """An amount is not an ``int`` number of cents in the allowed range."""


class AccountNotOpen(DomainError):
    """The command needs an open account, but the account was never opened."""

    def __init__(self, account_id: UUID, command: str) -> None:
        self.account_id = account_id
        super().__init__(
            f"account {account_id} has not been opened, so {command} is refused; "
            "open it first with OpenAccount (or check the account id)"
        )


class AccountAlreadyOpen(DomainError):
    """OpenAccount was sent for an account that already exists."""

    def __init__(self, account_id: UUID, version: int) -> None:
        self.account_id = account_id
        super().__init__(
            f"account {account_id} already exists (version {version}); an account is opened "
            "once: use a new account id to open another account"
        )


class AccountClosedError(DomainError):
    """The command needs an open account, but the account is closed."""

    def __init__(self, account_id: UUID, command: str) -> None:
        self.account_id = account_id
        super().__init__(
            f"account {account_id} is closed, so {command} is refused; a closed account "
            "takes no more commands: open a new account instead"
        )


class InsufficientFunds(DomainError):
    """A withdrawal asked for more than the balance."""

    def __init__(self, account_id: UUID, balance: int, requested: int) -> None:
        self.account_id = account_id
        self.balance = balance
        self.requested = requested
        super().__init__(
            f"insufficient funds in account {account_id}: balance={balance} cents, "
            f"requested={requested} cents; withdraw at most {balance} cents"
        )


class BalanceLimitExceeded(DomainError):
    """A deposit would push the balance beyond the signed 64-bit limit."""

    def __init__(self, account_id: UUID, balance: int, amount: int, limit: int) -> None:
        self.account_id = account_id
        self.balance = balance
        self.amount = amount
        super().__init__(
            f"depositing {amount} cents into account {account_id} would make the balance "
            f"exceed {limit} cents (the int64 limit); the balance is {balance} cents, so "
            f"deposit at most {limit - balance} cents"
        )


class NonZeroBalance(DomainError):
    """CloseAccount was sent while money is still in the account."""

    def __init__(self, account_id: UUID, balance: int) -> None:
        self.account_id = account_id
        self.balance = balance
        super().__init__(
            f"account {account_id} still holds {balance} cents; withdraw all of it "
            "before closing the account"
        )


class InvalidHistory(DomainError):
    """An event cannot follow the state it is applied to: the history itself is wrong."""
