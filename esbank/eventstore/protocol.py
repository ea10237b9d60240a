"""What the application layer needs from a store: the event log, and a small SQL seam.

``EventStore`` is the log itself (append, read, time travel). ``SqlStore`` adds what read
models, audits, seeding and snapshots need from the database beside the log: transactions on
a read-model connection, statements and frames, named queries over the events table in the
store's own dialect, an all-or-nothing bulk load, and the snapshots table. Application code is
written against these two protocols only; each backend (DuckDB, PostgreSQL) implements both.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any, Protocol, runtime_checkable
from uuid import UUID

import pandas as pd

from esbank.domain.events import Event
from esbank.eventstore.codec import EventRegistry
from esbank.eventstore.types import AppendResult, ExpectedVersion, RecordedEvent, StreamAppend


@runtime_checkable
class EventStore(Protocol):
    """An append-only log of events, one stream per aggregate, with a global order."""

    registry: EventRegistry

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

    def stream_events(
        self, aggregate_id: UUID, *, from_version: int = 1, to_version: int | None = None
    ) -> list[Event]: ...

    def read_streams(self, aggregate_ids: Sequence[UUID]) -> dict[UUID, list[RecordedEvent]]: ...

    def read_all(
        self, *, after_position: int = 0, limit: int | None = None
    ) -> list[RecordedEvent]: ...

    def read_log_frame(
        self, *, after_position: int = 0, limit: int | None = None
    ) -> pd.DataFrame: ...

    def read_events(self, event_ids: Sequence[UUID]) -> list[RecordedEvent]: ...

    def stream_version(self, aggregate_id: UUID) -> int: ...

    def version_at(self, aggregate_id: UUID, instant: datetime) -> int: ...

    def head_position(self) -> int: ...

    def copy_in(self, recorded: Sequence[RecordedEvent]) -> int: ...

    def same_database(self, other: object) -> bool: ...


class Sql(Protocol):
    """A connection handed out by ``SqlStore.transaction``: ``execute`` one statement (``?``
    placeholders) and ``fetchall()`` its result."""

    def execute(self, sql: str, parameters: Any = ..., /) -> Any: ...


class BulkLoad(Protocol):
    """One all-or-nothing bulk load into the events table."""

    def head(self) -> int: ...

    def stream_version(self, aggregate_id: UUID) -> int: ...

    def insert(self, frame: pd.DataFrame) -> None: ...

    def insert_events(self, frame: pd.DataFrame) -> None: ...


class SnapshotStore(Protocol):
    """The snapshots table: raw rows, written and found by aggregate and version."""

    def save(self, aggregate_id: UUID, version: int, schema_version: int, state: str) -> None: ...

    def latest(self, aggregate_id: UUID, *, at_most: int | None = None) -> Any: ...

    def delete(self, aggregate_id: UUID | None = None, *, version: int | None = None) -> int: ...

    def frame(self) -> pd.DataFrame: ...


@runtime_checkable
class SqlStore(EventStore, Protocol):
    """An event store with a database beside the log for read models, audits and snapshots."""

    dialect: str

    def transaction(
        self, frames: Mapping[str, pd.DataFrame] | None = None, *, bulk: bool = False
    ) -> AbstractContextManager[Any]: ...

    def sql(self, sql: str, parameters: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...

    def query(
        self,
        sql: str,
        parameters: Sequence[Any] | Mapping[str, Any] | None = None,
        *,
        text_as_str: bool = False,
    ) -> pd.DataFrame: ...

    def named(self, name: str) -> str: ...

    def log_as_batch(self, conn: Any, current: Mapping[str, int]) -> str: ...

    def bulk_load(self) -> AbstractContextManager[BulkLoad]: ...

    def snapshot_store(self) -> SnapshotStore: ...

    def now(self) -> datetime: ...

    def wait_for_append(self, after_position: int, timeout: float) -> bool: ...
