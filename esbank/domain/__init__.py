"""The pure domain: events, commands, the ``BankAccount`` state and its rules. No I/O."""

from esbank.domain.account import BankAccount, decide, evolve, replay
from esbank.domain.commands import (
    COMMAND_TYPES,
    CloseAccount,
    Command,
    DepositMoney,
    OpenAccount,
    WithdrawMoney,
)
from esbank.domain.errors import (
    AccountAlreadyOpen,
    AccountClosedError,
    AccountNotOpen,
    BalanceLimitExceeded,
    DomainError,
    EsbankError,
    InsufficientFunds,
    InvalidAmount,
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
from esbank.domain.money import INT64_MAX, format_cents, parse_cents

__all__ = [
    "COMMAND_TYPES",
    "EVENT_TYPES",
    "INT64_MAX",
    "AccountAlreadyOpen",
    "AccountClosed",
    "AccountClosedError",
    "AccountNotOpen",
    "AccountOpened",
    "BalanceLimitExceeded",
    "BankAccount",
    "CloseAccount",
    "Command",
    "DepositMoney",
    "DomainError",
    "EsbankError",
    "Event",
    "InsufficientFunds",
    "InvalidAmount",
    "InvalidArgument",
    "InvalidCommand",
    "InvalidHistory",
    "MoneyDeposited",
    "MoneyWithdrawn",
    "NonZeroBalance",
    "OpenAccount",
    "WithdrawMoney",
    "decide",
    "evolve",
    "format_cents",
    "parse_cents",
    "replay",
]
