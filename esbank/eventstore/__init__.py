"""The event store: the append-only log, its codec, the SQL seam, and two implementations:
DuckDB (embedded, the default) and PostgreSQL (a server; psycopg is imported when it is used)."""

from esbank.eventstore.codec import EVENT_CLASSES, REGISTRY, EventRegistry, decode, encode
from esbank.eventstore.duckdb_store import DuckDBEventStore
from esbank.eventstore.errors import (
    ConcurrencyConflict,
    CorruptEvent,
    DuplicateEventId,
    InvalidAppend,
    StoreError,
    StoreLocked,
    UnknownEventType,
    UnknownTable,
    UnsupportedSchemaVersion,
)
from esbank.eventstore.postgres import PostgresEventStore
from esbank.eventstore.postgres_snapshots import PostgresSnapshotStore
from esbank.eventstore.protocol import BulkLoad, EventStore, SnapshotStore, Sql, SqlStore
from esbank.eventstore.snapshot_store import DuckDBSnapshotStore
from esbank.eventstore.types import (
    ANY,
    NO_STREAM,
    STREAM_EXISTS,
    AppendResult,
    ExpectedVersion,
    RecordedEvent,
    StoredSnapshot,
    StreamAppend,
    utc_clock,
)

__all__ = [
    "ANY",
    "EVENT_CLASSES",
    "NO_STREAM",
    "REGISTRY",
    "STREAM_EXISTS",
    "AppendResult",
    "BulkLoad",
    "ConcurrencyConflict",
    "CorruptEvent",
    "DuckDBEventStore",
    "DuckDBSnapshotStore",
    "DuplicateEventId",
    "EventRegistry",
    "EventStore",
    "ExpectedVersion",
    "InvalidAppend",
    "PostgresEventStore",
    "PostgresSnapshotStore",
    "RecordedEvent",
    "SnapshotStore",
    "Sql",
    "SqlStore",
    "StoreError",
    "StoreLocked",
    "StoredSnapshot",
    "StreamAppend",
    "UnknownEventType",
    "UnknownTable",
    "UnsupportedSchemaVersion",
    "decode",
    "encode",
    "utc_clock",
]
