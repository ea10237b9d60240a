"""The ``EventStore`` protocol: what the application layer needs from any store."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from esbank.domain.events import Event
from esbank.eventstore.types import AppendResult, ExpectedVersion, RecordedEvent, StreamAppend


class EventStore(Protocol):
    """An append-only log of events, one stream per aggregate, with a global order."""

    def append(
        self,
        aggregate_id: UUID,
        events: Sequence[Event],
        *,
        expected_version: int | ExpectedVersion,
        event_ids: Sequence[UUID] | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> AppendResult: ...

    def append_batch(self, appends: Sequence[StreamAppend]) -> list[AppendResult]: ...

    def read_stream(
        self, aggregate_id: UUID, *, from_version: int = 1, to_version: int | None = None
    ) -> list[RecordedEvent]: ...

    def read_streams(self, aggregate_ids: Sequence[UUID]) -> dict[UUID, list[RecordedEvent]]: ...

    def read_all(
        self, *, after_position: int = 0, limit: int | None = None
    ) -> list[RecordedEvent]: ...

    def stream_version(self, aggregate_id: UUID) -> int: ...

    def version_at(self, aggregate_id: UUID, instant: datetime) -> int: ...

    def head_position(self) -> int: ...
