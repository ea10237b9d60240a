"""Domain objects as short text for tables and messages: an event, its data, an account."""

from __future__ import annotations

import dataclasses

from esbank.domain.account import BankAccount
from esbank.domain.commands import Command
from esbank.domain.events import Event


def event_data(event: Event) -> str:
    """The event's fields as ``name=value`` pairs, e.g. ``amount=2500``."""
    return ", ".join(f"{f.name}={getattr(event, f.name)!r}" for f in dataclasses.fields(event))


def describe_event(event: Event) -> str:
    """The event as its type and data, e.g. ``MoneyDeposited(amount=2500)``."""
    return f"{event.event_type}({event_data(event)})"


def describe_command(command: Command) -> str:
    """The command's name and amount, e.g. ``WithdrawMoney 7000 cents``."""
    amount = getattr(command, "amount", None)
    name = type(command).__name__
    return f"{name} {amount} cents" if amount is not None else name


def account_status(state: BankAccount) -> str:
    """``"open"``, ``"closed"`` or ``"not opened"``."""
    if state.is_closed:
        return "closed"
    return "open" if state.is_open else "not opened"
