"""Value types of the event store: expected-version modes, recorded events, append results."""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple
from uuid import UUID

from esbank.domain.events import Event


class ExpectedVersion(enum.Enum):
    """Expected-version modes besides an exact ``int``."""

    ANY = "ANY"
    """Append whatever the stream's version is (no concurrency check)."""
    NO_STREAM = "NO_STREAM"
    """Append only if the stream has no events yet (same as the int 0)."""
    STREAM_EXISTS = "STREAM_EXISTS"
    """Append only if the stream has at least one event."""

    def __repr__(self) -> str:
        return self.value

    __str__ = __repr__


ANY = ExpectedVersion.ANY
NO_STREAM = ExpectedVersion.NO_STREAM
STREAM_EXISTS = ExpectedVersion.STREAM_EXISTS


class RecordedEvent(NamedTuple):
    """One stored event with its place in the stream and in the global log.

    Immutable. A named tuple rather than a dataclass because reads build millions of them
    (one costs a fifth of a frozen dataclass).
    """

    position: int
    aggregate_id: UUID
    version: int
    event_id: UUID
    event_type: str
    schema_version: int
    event: Event
    metadata: dict[str, Any]
    recorded_at: datetime


@dataclass(frozen=True, slots=True)
class AppendResult:
    """What an append did: the stream's new version and the global positions it took."""

    aggregate_id: UUID
    new_version: int
    positions: tuple[int, ...]

    @property
    def last_position(self) -> int:
        """The global position of the last event appended."""
        return self.positions[-1]


@dataclass(frozen=True, slots=True)
class StreamAppend:
    """One stream's part of a batch append: events for ``aggregate_id`` at an expected version."""

    aggregate_id: UUID
    events: Sequence[Event]
    expected_version: int | ExpectedVersion
    event_ids: Sequence[UUID] | None = None
    metadata: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class StoredSnapshot:
    """One row of the snapshots table, as stored (``state`` is the JSON text)."""

    aggregate_id: UUID
    version: int
    schema_version: int
    state: str
    created_at: datetime


def utc_clock() -> datetime:
    """The real clock: the current time in UTC."""
    return datetime.now(UTC)
