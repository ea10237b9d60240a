"""Idempotent commands: a retried command with the same key returns the original result.

A client that never got an answer (the response was lost) sends the command again with the
same idempotency key. The key becomes the ids of the events the command appends
(``uuid5(key, "event-0")``, …), so the store itself remembers it: a retry finds the stored
events and answers with the original result, writing nothing. The same key with a different
command is refused, never silently mapped to the first one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any
from uuid import UUID, uuid5

from esbank.app.outcomes import CommandResult
from esbank.domain.commands import Command
from esbank.eventstore.errors import DuplicateEventId
from esbank.eventstore.protocol import EventStore
from esbank.eventstore.types import RecordedEvent

# A command appends at most this many events (the bank's commands append one each).
MAX_EVENTS_PER_COMMAND = 16


def event_ids(key: UUID, count: int) -> list[UUID]:
    """The ids of the events a command sent with idempotency ``key`` appends."""
    return [uuid5(key, f"event-{i}") for i in range(count)]


def fingerprint(command: Command) -> str:
    """A short, stable digest of the command (its type, account and fields)."""
    return hashlib.sha256(repr(command).encode()).hexdigest()[:16]


def metadata(command: Command, key: UUID | None) -> dict[str, Any]:
    """The metadata stored with a command's events (the key and fingerprint when keyed)."""
    data: dict[str, Any] = {"command": type(command).__name__}
    if key is not None:
        data.update(idempotency_key=str(key), fingerprint=fingerprint(command))
    return data


def earlier_results(
    store: EventStore, commands: Sequence[Command], keys: Sequence[UUID | None]
) -> dict[int, CommandResult]:
    """The original results of the keyed commands that were already stored, by index.

    One query looks up every key; a stored key sent with another command raises
    ``DuplicateEventId``.
    """
    firsts = {event_ids(key, 1)[0]: i for i, key in enumerate(keys) if key is not None}
    if not firsts:
        return {}
    found = {}
    for first in store.read_events(list(firsts)):
        i = firsts[first.event_id]
        found[i] = _result(store, commands[i], keys[i], first)  # type: ignore[arg-type]
    return found


def _result(store: EventStore, command: Command, key: UUID, first: RecordedEvent) -> CommandResult:
    """The result of the stored command whose first event is ``first``."""
    stored = first.metadata.get("fingerprint")
    if first.aggregate_id != command.account_id or stored != fingerprint(command):
        raise DuplicateEventId(
            f"idempotency key {key} was already used for another command "
            f"({first.metadata.get('command')} on account {first.aggregate_id}); a retry "
            "resends the same command with its key, a new command needs a new key"
        )
    tail = store.read_stream(
        first.aggregate_id,
        from_version=first.version,
        to_version=first.version + MAX_EVENTS_PER_COMMAND - 1,
    )
    mine = []
    for recorded, expected in zip(tail, event_ids(key, len(tail)), strict=True):
        if recorded.event_id != expected:
            break
        mine.append(recorded)
    return CommandResult(
        status="accepted",
        aggregate_id=first.aggregate_id,
        new_version=mine[-1].version,
        position=mine[-1].position,
        events=tuple(r.event for r in mine),
        attempts=1,
    )
