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
from esbank.eventstore.errors import ConcurrencyConflict

Refusal = DomainError | ConcurrencyConflict
"""Why a command in a batch was refused: a broken rule, or a stale expected version."""


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
    """The outcome of a command refused inside a batch (nothing was written for it): a rule
    broke, or the account was not at the version the caller expected."""

    status: Literal["rejected"]
    aggregate_id: UUID
    command: Command
    error: Refusal


@dataclass(frozen=True, slots=True)
class Decided:
    """A command accepted while deciding a batch: its events and the states around them."""

    before: BankAccount
    events: tuple[Event, ...]
    after: BankAccount


def decide_batch(
    commands: Sequence[Command],
    states: dict[UUID, BankAccount],
    expected_versions: Sequence[int | None] | None = None,
) -> list[Decided | Refusal]:
    """Decide each command against the state left by the ones before it. Pure.

    ``expected_versions`` (one int or None per command) refuses a command, with a
    ``ConcurrencyConflict``, when its account is not at that version by its turn.
    """
    working = dict(states)
    plan: list[Decided | Refusal] = []
    expected = expected_versions if expected_versions is not None else [None] * len(commands)
    for command, wanted in zip(commands, expected, strict=True):
        before = working[command.account_id]
        if wanted is not None and wanted != before.version:
            plan.append(ConcurrencyConflict(command.account_id, wanted, before.version))
            continue
        try:
            events = decide(command, before)
        except DomainError as error:
            plan.append(error)
            continue
        after = replay(events, before)
        working[command.account_id] = after
        plan.append(Decided(before, events, after))
    return plan
