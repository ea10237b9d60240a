"""What handling a command gives back, and deciding a batch of commands in order (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal
from uuid import UUID

from esbank.domain.account import BankAccount, decide, replay
from esbank.domain.commands import Command
from esbank.domain.errors import DomainError
from esbank.domain.events import Event


@dataclass(frozen=True, slots=True)
class CommandResult:
    """The outcome of an accepted command."""

    status: Literal["accepted"]
    aggregate_id: UUID
    new_version: int
    position: int
    events: tuple[Event, ...]
    attempts: int = 1


@dataclass(frozen=True, slots=True)
class CommandRejected:
    """The outcome of a command that a rule refused inside a batch (nothing was written)."""

    status: Literal["rejected"]
    aggregate_id: UUID
    command: Command
    error: DomainError


@dataclass(frozen=True, slots=True)
class Decided:
    """A command accepted while deciding a batch: its events and the states around them."""

    before: BankAccount
    events: tuple[Event, ...]
    after: BankAccount


def decide_batch(
    commands: Sequence[Command], states: dict[UUID, BankAccount]
) -> list[Decided | DomainError]:
    """Decide each command against the state left by the ones before it. Pure."""
    working = dict(states)
    plan: list[Decided | DomainError] = []
    for command in commands:
        before = working[command.account_id]
        try:
            events = decide(command, before)
        except DomainError as error:
            plan.append(error)
            continue
        after = replay(events, before)
        working[command.account_id] = after
        plan.append(Decided(before, events, after))
    return plan
