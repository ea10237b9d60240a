"""Commands: requests to change an account, named in the imperative.

A command checks the shape of its fields when it is built (types, amount range, owner
length); whether the account's state allows it is decided by :func:`esbank.decide`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from esbank.domain.errors import InvalidCommand
from esbank.domain.money import require_amount, require_balance, require_owner


def require_account_id(value: Any) -> UUID:
    """Return ``value`` if it is a ``uuid.UUID``, else raise InvalidCommand."""
    if not isinstance(value, UUID):
        raise InvalidCommand(
            f"account_id must be a uuid.UUID, got {type(value).__name__}; "
            "use uuid.UUID('...') or the id returned by Bank.open_account"
        )
    return value


@dataclass(frozen=True, slots=True)
class OpenAccount:
    """Open a new account for ``owner`` with ``initial_balance`` cents (default 0)."""

    account_id: UUID
    owner: str
    initial_balance: int = 0

    def __post_init__(self) -> None:
        require_account_id(self.account_id)
        object.__setattr__(self, "owner", require_owner(self.owner))
        require_balance(self.initial_balance)


@dataclass(frozen=True, slots=True)
class DepositMoney:
    """Pay ``amount`` cents into the account."""

    account_id: UUID
    amount: int

    def __post_init__(self) -> None:
        require_account_id(self.account_id)
        require_amount(self.amount)


@dataclass(frozen=True, slots=True)
class WithdrawMoney:
    """Take ``amount`` cents out of the account."""

    account_id: UUID
    amount: int

    def __post_init__(self) -> None:
        require_account_id(self.account_id)
        require_amount(self.amount)


@dataclass(frozen=True, slots=True)
class CloseAccount:
    """Close the account; its balance must be zero."""

    account_id: UUID

    def __post_init__(self) -> None:
        require_account_id(self.account_id)


Command = OpenAccount | DepositMoney | WithdrawMoney | CloseAccount
COMMAND_TYPES: tuple[type[Command], ...] = (OpenAccount, DepositMoney, WithdrawMoney, CloseAccount)
