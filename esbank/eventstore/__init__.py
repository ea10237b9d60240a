"""The event store: the append-only log, its codec and the DuckDB implementation."""

from esbank.eventstore.codec import EVENT_CLASSES, REGISTRY, EventRegistry, decode, encode
from esbank.eventstore.duckdb_store import DuckDBEventStore, utc_clock
from esbank.eventstore.errors import (
    ConcurrencyConflict,
    CorruptEvent,
    DuplicateEventId,
    InvalidAppend,
    StoreError,
    StoreLocked,
    UnknownEventType,
    UnsupportedSchemaVersion,
)
from esbank.eventstore.protocol import EventStore
from esbank.eventstore.snapshot_store import DuckDBSnapshotStore, StoredSnapshot
from esbank.eventstore.types import (
    ANY,
    NO_STREAM,
    STREAM_EXISTS,
    AppendResult,
    ExpectedVersion,
    RecordedEvent,
    StreamAppend,
)

__all__ = [
    "ANY",
    "EVENT_CLASSES",
    "NO_STREAM",
    "REGISTRY",
    "STREAM_EXISTS",
    "AppendResult",
    "ConcurrencyConflict",
    "CorruptEvent",
    "DuckDBEventStore",
    "DuckDBSnapshotStore",
    "DuplicateEventId",
    "EventRegistry",
    "EventStore",
    "ExpectedVersion",
    "InvalidAppend",
    "RecordedEvent",
    "StoreError",
    "StoreLocked",
    "StoredSnapshot",
    "StreamAppend",
    "UnknownEventType",
    "UnsupportedSchemaVersion",
    "decode",
    "encode",
    "utc_clock",
]
