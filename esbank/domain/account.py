"""The ``BankAccount`` aggregate: state, ``decide``, ``evolve`` and ``replay``. Pure functions."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID

from esbank.domain.commands import (
    COMMAND_TYPES,
    CloseAccount,
    Command,
    DepositMoney,
    OpenAccount,
    WithdrawMoney,
    require_account_id,
)
from esbank.domain.errors import (
    AccountAlreadyOpen,
    AccountClosedError,
    AccountNotOpen,
    BalanceLimitExceeded,
    InsufficientFunds,
    InvalidArgument,
    InvalidCommand,
    InvalidHistory,
    NonZeroBalance,
)
from esbank.domain.events import (
    EVENT_TYPES,
    AccountClosed,
    AccountOpened,
    Event,
    MoneyDeposited,
    MoneyWithdrawn,
)
from esbank.domain.money import INT64_MAX


@dataclass(frozen=True, slots=True)
class BankAccount:
    """The state of one account, rebuilt from its events. ``version`` counts applied events."""

    id: UUID
    owner: str | None = None
    balance: int = 0
    version: int = 0
    is_open: bool = False
    is_closed: bool = False

    @classmethod
    def new(cls, account_id: UUID) -> BankAccount:
        """The state before any event: version 0, not opened."""
        return cls(id=require_account_id(account_id))

    @property
    def exists(self) -> bool:
        """True once the account has been opened (even if it is closed now)."""
        return self.is_open or self.is_closed


def _require_usable(state: BankAccount, command: Command) -> None:
    name = type(command).__name__
    if state.is_closed:
        raise AccountClosedError(state.id, name)
    if not state.is_open:
        raise AccountNotOpen(state.id, name)


def decide(command: Command, state: BankAccount) -> tuple[Event, ...]:
    """Check ``command`` against ``state`` and return the events it causes.

    Raises a ``DomainError`` subclass when a rule refuses the command. Never mutates.
    """
    if not isinstance(command, COMMAND_TYPES):
        names = ", ".join(t.__name__ for t in COMMAND_TYPES)
        raise InvalidCommand(f"expected one of {names}, got {type(command).__name__}")
    if not isinstance(state, BankAccount):
        raise InvalidArgument(
            f"state must be a BankAccount, got {type(state).__name__}; "
            "use BankAccount.new(account_id) for a new account"
        )
    if command.account_id != state.id:
        raise InvalidCommand(
            f"command is for account {command.account_id} but the state is of account "
            f"{state.id}; load the state of the account the command names"
        )
    match command:
        case OpenAccount(owner=owner, initial_balance=initial_balance):
            if state.exists:
                raise AccountAlreadyOpen(state.id, state.version)
            return (AccountOpened(owner=owner, initial_balance=initial_balance),)
        case DepositMoney(amount=amount):
            _require_usable(state, command)
            if state.balance + amount > INT64_MAX:
                raise BalanceLimitExceeded(state.id, state.balance, amount, INT64_MAX)
            return (MoneyDeposited(amount=amount),)
        case WithdrawMoney(amount=amount):
            _require_usable(state, command)
            if amount > state.balance:
                raise InsufficientFunds(state.id, state.balance, amount)
            return (MoneyWithdrawn(amount=amount),)
        case CloseAccount():
            _require_usable(state, command)
            if state.balance != 0:
                raise NonZeroBalance(state.id, state.balance)
            return (AccountClosed(),)
    raise AssertionError("unreachable: every command type is matched above")


def _refuse(state: BankAccount, event: Event, why: str) -> InvalidHistory:
    return InvalidHistory(
        f"{event.event_type} cannot be applied to account {state.id} at version "
        f"{state.version}: {why}; the stored history is inconsistent"
    )


def evolve(state: BankAccount, event: Event) -> BankAccount:
    """Return the state after ``event``: pure, ``version + 1`` (a new frozen state, built
    field by field; the old one is never changed).

    Raises ``InvalidHistory`` when the event could not have followed ``state`` (a corrupt log).
    """
    if not isinstance(state, BankAccount):
        raise InvalidArgument(
            f"state must be a BankAccount, got {type(state).__name__}; "
            "use BankAccount.new(account_id) for a new account"
        )
    if not isinstance(event, EVENT_TYPES):
        names = ", ".join(t.__name__ for t in EVENT_TYPES)
        raise InvalidHistory(f"expected one of {names}, got {type(event).__name__}")
    if isinstance(event, AccountOpened):
        if state.exists:
            raise _refuse(state, event, "the account was already opened")
        return BankAccount(
            state.id, event.owner, event.initial_balance, version=state.version + 1, is_open=True
        )
    if state.is_closed:
        raise _refuse(state, event, "the account is closed")
    if not state.is_open:
        raise _refuse(state, event, "the account was never opened")
    match event:
        case MoneyDeposited(amount=amount):
            balance = state.balance + amount
            if balance > INT64_MAX:
                raise _refuse(state, event, "the balance would exceed the int64 limit")
            return BankAccount(
                state.id, state.owner, balance, version=state.version + 1, is_open=True
            )
        case MoneyWithdrawn(amount=amount):
            if amount > state.balance:
                raise _refuse(state, event, "the balance would go below zero")
            balance = state.balance - amount
            return BankAccount(
                state.id, state.owner, balance, version=state.version + 1, is_open=True
            )
        case AccountClosed():
            if state.balance != 0:
                raise _refuse(state, event, "the balance is not zero")
            return BankAccount(state.id, state.owner, 0, version=state.version + 1, is_closed=True)
    raise AssertionError("unreachable: every event type is matched above")


def replay(
    events: Iterable[Event],
    state: BankAccount | None = None,
    *,
    account_id: UUID | None = None,
) -> BankAccount:
    """Fold ``evolve`` over ``events``, starting at ``state`` or ``BankAccount.new(account_id)``."""
    if state is None:
        if account_id is None:
            raise InvalidArgument(
                "replay needs a starting point: pass state=BankAccount.new(id) or account_id=id"
            )
        state = BankAccount.new(account_id)
    if isinstance(events, EVENT_TYPES):
        raise InvalidArgument(
            "events must be an iterable of events; wrap a single event as [event]"
        )
    for event in events:
        state = evolve(state, event)
    return state
