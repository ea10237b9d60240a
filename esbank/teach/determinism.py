"""Deterministic clock, ids and stores, so a notebook prints the same thing on every run."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from uuid import UUID

from esbank.domain.arguments import require_aware, require_int
from esbank.domain.errors import InvalidArgument
from esbank.eventstore.codec import REGISTRY, EventRegistry
from esbank.eventstore.duckdb_store import DuckDBEventStore

DEFAULT_START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


class StepClock:
    """A clock that starts at ``start`` and moves ``step`` forward on every call."""

    def __init__(self, start: datetime = DEFAULT_START, step: timedelta = timedelta(minutes=1)):
        require_aware("start", start)
        if step < timedelta(0):
            raise InvalidArgument(f"step must not be negative, got {step}")
        self._next = start.astimezone(UTC)
        self.step = step

    def __call__(self) -> datetime:
        now = self._next
        self._next = now + self.step
        return now

    def peek(self) -> datetime:
        """The time the next call will return, without moving the clock."""
        return self._next

    def advance(self, delta: timedelta) -> None:
        """Jump forward by ``delta`` (e.g. to the next day) without returning a time."""
        if delta < timedelta(0):
            raise InvalidArgument(f"a clock only moves forward; got {delta}")
        self._next += delta


class SequentialIds:
    """An id factory returning UUIDs 00000000-0000-0000-0000-000000000001, …002, and so on.

    ``prefix`` (0..0xFFFF) fills the first group's top digits so ids from two factories never
    collide, e.g. ``SequentialIds(prefix=0xA)`` gives ``000a0000-…-000000000001``.
    """

    def __init__(self, start: int = 1, *, prefix: int = 0) -> None:
        require_int("prefix", prefix, maximum=0xFFFF)
        require_int("start", start)
        self._counter = itertools.count(start)  # next() on a count is atomic: thread-safe
        self._prefix = prefix << 112

    def __call__(self) -> UUID:
        return UUID(int=self._prefix | next(self._counter))


def memory_store(
    prefix: int = 0xE,
    *,
    clock: Callable[[], datetime] | None = None,
    registry: EventRegistry = REGISTRY,
) -> DuckDBEventStore:
    """A fresh in-memory store: times from ``clock`` (default: a new ``StepClock``), event ids
    from ``SequentialIds(prefix=prefix)``, so the same commands always give the same log."""
    return DuckDBEventStore(
        ":memory:",
        clock=clock or StepClock(),
        new_id=SequentialIds(prefix=prefix),
        registry=registry,
    )
