"""Errors of the event store: conflicts and storage problems. Each names what to do."""

from __future__ import annotations

from uuid import UUID

from esbank.domain.errors import EsbankError, InvalidArgument


class ConcurrencyConflict(EsbankError):
    """Another writer appended to the stream first: the expected version no longer holds."""

    def __init__(self, aggregate_id: UUID, expected: object, actual: int) -> None:
        self.aggregate_id = aggregate_id
        self.expected = expected
        self.actual = actual
        super().__init__(
            f"concurrency conflict on stream {aggregate_id}: expected version {expected}, "
            f"but the stream is at version {actual}; reload the state, decide again and retry"
        )


class StoreError(EsbankError):
    """The event store cannot do what was asked, or found stored data it cannot trust."""


class InvalidAppend(StoreError, InvalidArgument):
    """``append`` was given input it refuses (nothing was written)."""


class DuplicateEventId(StoreError):
    """Event ids that are already stored were appended again with different content."""


class UnknownEventType(StoreError):
    """A stored row names an event type this code does not know."""


class CorruptEvent(StoreError):
    """A stored row cannot be turned back into an event (bad JSON, missing field, gap)."""


class UnsupportedSchemaVersion(StoreError):
    """A stored row has a schema version this code cannot read."""


class StoreLocked(StoreError):
    """The database file is held by another process."""


class UnknownTable(StoreError):
    """A statement named a table that does not exist in the store's database (yet)."""
