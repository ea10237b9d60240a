"""Domain events: immutable facts, named in the past tense.

Each event class has a stable ``event_type`` (its class name, never a debug dump of the
object) and a ``schema_version``. Constructing an event checks its fields, so a fact that
could never have happened cannot even be built.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from esbank.domain.money import require_amount, require_balance, require_owner


@dataclass(frozen=True, slots=True)
class AccountOpened:
    """The account was opened for ``owner`` with ``initial_balance`` cents."""

    event_type: ClassVar[str] = "AccountOpened"
    schema_version: ClassVar[int] = 2  # v1 had no initial_balance (see upcasters)

    owner: str
    initial_balance: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "owner", require_owner(self.owner))
        require_balance(self.initial_balance)


@dataclass(frozen=True, slots=True)
class MoneyDeposited:
    """``amount`` cents were paid into the account."""

    event_type: ClassVar[str] = "MoneyDeposited"
    schema_version: ClassVar[int] = 3  # v1 float euros, v2 amount_cents (see upcasters)

    amount: int

    def __post_init__(self) -> None:
        require_amount(self.amount)


@dataclass(frozen=True, slots=True)
class MoneyWithdrawn:
    """``amount`` cents were taken out of the account."""

    event_type: ClassVar[str] = "MoneyWithdrawn"
    schema_version: ClassVar[int] = 1

    amount: int

    def __post_init__(self) -> None:
        require_amount(self.amount)


@dataclass(frozen=True, slots=True)
class AccountClosed:
    """The account was closed; it takes no more commands."""

    event_type: ClassVar[str] = "AccountClosed"
    schema_version: ClassVar[int] = 1


Event = AccountOpened | MoneyDeposited | MoneyWithdrawn | AccountClosed
EVENT_TYPES: tuple[type[Event], ...] = (
    AccountOpened,
    MoneyDeposited,
    MoneyWithdrawn,
    AccountClosed,
)
