"""Opening a DuckDB database for an event store: one shared writer per database, typed errors.

Inside one process, every store object on the same database shares one ``Database``: the
writer lock and what the writer remembers (the head position and each stream's version). A
file is identified by its device and inode, not its path, so a hard link or a relative path
reaches the same ``Database``, and DuckDB is always opened through the first path seen (DuckDB
itself shares an open database only between identical paths; two instances writing one file
lose writes). ``""`` is ``":memory:"``: a private database; a named ``":memory:NAME"`` is
shared by name, as DuckDB shares it.
"""

from __future__ import annotations

import os
import re
import threading
import weakref
from collections import OrderedDict
from collections.abc import Hashable
from uuid import UUID

import duckdb

from esbank.eventstore.errors import StoreError, StoreLocked

# Streams whose last version a process remembers (least recently used ones are forgotten).
VERSION_CACHE_SIZE = 100_000

SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    position       BIGINT PRIMARY KEY,
    aggregate_id   UUID NOT NULL,
    version        BIGINT NOT NULL,
    event_id       UUID NOT NULL UNIQUE,
    event_type     TEXT NOT NULL,
    schema_version INTEGER NOT NULL,
    payload        JSON NOT NULL,
    metadata       JSON,
    recorded_at    TIMESTAMPTZ NOT NULL,
    UNIQUE (aggregate_id, version)
);
CREATE INDEX IF NOT EXISTS events_aggregate_id ON events (aggregate_id);
"""

# The events table as SCHEMA creates it: (column, DuckDB type), in order.
EVENT_COLUMNS = (
    ("position", "BIGINT"),
    ("aggregate_id", "UUID"),
    ("version", "BIGINT"),
    ("event_id", "UUID"),
    ("event_type", "VARCHAR"),
    ("schema_version", "INTEGER"),
    ("payload", "JSON"),
    ("metadata", "JSON"),
    ("recorded_at", "TIMESTAMP WITH TIME ZONE"),
)


class Database:
    """What every store object on one database shares: the writer lock and what it knows.

    ``head`` and ``versions`` are hints kept by the single writer so an append needs no
    SELECT. They are checked by the primary and unique keys on every INSERT and dropped the
    moment a key refuses a row (someone wrote around the store, e.g. with raw SQL).
    """

    def __init__(self, path: str) -> None:
        self.path = path  # the path DuckDB is opened through
        self.lock = threading.RLock()
        # Notified after every committed append, so a subscriber can wait instead of polling.
        self.appended = threading.Condition(self.lock)
        self.head: int | None = None
        self.versions: OrderedDict[UUID, int] = OrderedDict()

    def remember(self, aggregate_id: UUID, version: int) -> None:
        self.versions[aggregate_id] = version
        self.versions.move_to_end(aggregate_id)
        if len(self.versions) > VERSION_CACHE_SIZE:
            self.versions.popitem(last=False)

    def forget(self) -> None:
        self.head = None
        self.versions.clear()


_databases: weakref.WeakValueDictionary[Hashable, Database] = weakref.WeakValueDictionary()
_guard = threading.Lock()


def open_database(path: str) -> tuple[Database, duckdb.DuckDBPyConnection]:
    """The shared ``Database`` for ``path`` and a new DuckDB connection to it, schema ready."""
    if path in ("", ":memory:"):
        database = Database(":memory:")
        return database, _prepared(_connect(":memory:", path), path)
    with _guard:
        key = _key(path)
        database = _databases.get(key) if key is not None else None
        target = database.path if database is not None else _connect_path(path)
        conn = _connect(target, path)
        if database is None:
            key = key if key is not None else _key(path)
            database = Database(target)
            _databases[key] = database
    return database, _prepared(conn, path)


def _connect_path(path: str) -> str:
    return path if path.startswith(":memory:") else os.path.abspath(path)


def _key(path: str) -> Hashable | None:
    """Device and inode of an existing file (None before it exists), or a memory name."""
    if path.startswith(":memory:"):
        return ("memory", path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StoreError(f"cannot open event store {path!r}: {exc}") from None
    return (info.st_dev, info.st_ino)


def _connect(target: str, shown: str) -> duckdb.DuckDBPyConnection:
    try:
        return duckdb.connect(target)
    except duckdb.ConnectionException as exc:
        raise StoreLocked(
            f"the event store file {shown!r} is already open in this process with another "
            "configuration (for example a read-only duckdb.connect(..., read_only=True)); "
            "close that connection first, or open the store through it"
        ) from exc
    except duckdb.IOException as exc:
        text = str(exc)
        if "lock" not in text.lower():
            raise StoreError(f"cannot open event store {shown!r}: {text}") from exc
        pid = re.search(r"PID (\d+)", text)
        holder = f"process {pid.group(1)}" if pid else "another process"
        raise StoreLocked(
            f"the event store file {shown!r} is locked by {holder}: DuckDB lets one process "
            "open a database file at a time. Close that process (or shut down the notebook "
            "kernel that opened it), or use another file or ':memory:'"
        ) from exc
    except duckdb.Error as exc:
        raise StoreError(
            f"cannot open event store {shown!r}: {exc}. The file (or its .wal beside it) is "
            "damaged or not a DuckDB database: restore it from a copy, or open another file"
        ) from exc


def _prepared(conn: duckdb.DuckDBPyConnection, shown: str) -> duckdb.DuckDBPyConnection:
    """Create the events table if missing, and refuse a file whose events table differs."""
    try:
        conn.execute("SET TimeZone = 'UTC'")
        conn.execute(SCHEMA)
        found = conn.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_name = 'events' AND table_schema = current_schema() "
            "ORDER BY ordinal_position"
        ).fetchall()
    except duckdb.Error as exc:
        conn.close()
        raise StoreError(
            f"{shown!r} holds an events table this store cannot use ({exc}); open another "
            "file, or move that table out of the way"
        ) from exc
    if tuple(found) != EVENT_COLUMNS:
        conn.close()
        shape = ", ".join(f"{name} {kind}" for name, kind in found)
        raise StoreError(
            f"{shown!r} already has an events table of another shape ({shape}); an esbank "
            "store needs its own events table: open another file"
        )
    return conn
