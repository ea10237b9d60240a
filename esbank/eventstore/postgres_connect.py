"""Connections of the PostgreSQL store: a pool, the schema on first use, and typed errors.

Every connection reads stored JSON back as text (the codec parses it), works in UTC and waits
at most ``lock_timeout`` for a lock. A psycopg error never leaves the store untyped: it becomes
a ``StoreError`` (``UnknownTable``, ``StoreLocked``, a lost connection, a server that cannot be
reached), with the psycopg error as its ``__cause__``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from esbank.eventstore.errors import StoreError, StoreLocked, UnknownTable
from esbank.eventstore.postgres_sql import PostgresSql

if TYPE_CHECKING:
    from esbank.eventstore.postgres import PostgresEventStore

SCHEMA_LOCK = 0x0E5BA4C1
SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    position       BIGINT PRIMARY KEY,
    aggregate_id   UUID NOT NULL,
    version        BIGINT NOT NULL,
    event_id       UUID NOT NULL UNIQUE,
    event_type     TEXT NOT NULL,
    schema_version INTEGER NOT NULL,
    payload        JSONB NOT NULL,
    metadata       JSONB,
    recorded_at    TIMESTAMPTZ NOT NULL,
    UNIQUE (aggregate_id, version)
)
"""
EVENT_COLUMNS = (
    ("position", "bigint"),
    ("aggregate_id", "uuid"),
    ("version", "bigint"),
    ("event_id", "uuid"),
    ("event_type", "text"),
    ("schema_version", "integer"),
    ("payload", "jsonb"),
    ("metadata", "jsonb"),
    ("recorded_at", "timestamp with time zone"),
)


class PostgresConnections:
    """The connection handling of a ``PostgresEventStore`` (mixed into it)."""

    def _configure(self: PostgresEventStore, raw: Any) -> None:
        """Every connection: stored JSON read back as text (the codec parses it), UTC, and a
        bounded wait for locks."""
        from psycopg.types.string import TextLoader

        for name in ("json", "jsonb"):
            raw.adapters.register_loader(name, TextLoader)
        raw.execute("SET TimeZone TO 'UTC'")
        raw.execute(f"SET lock_timeout = {int(self.lock_timeout * 1000)}")

    def _connect(self: PostgresEventStore) -> Any:
        try:
            raw = self._psycopg.connect(self.conninfo, autocommit=True, connect_timeout=10)
        except self._psycopg.Error as exc:
            raise StoreError(
                f"cannot connect to PostgreSQL ({exc}); check the connection string, start "
                "the server, or set ESBANK_PG_DSN"
            ) from exc
        self._configure(raw)
        return raw

    def _prepare_schema(self: PostgresEventStore, raw: Any) -> tuple[Any, ...]:
        """Create the events table if missing and refuse one of another shape."""
        try:
            with raw.transaction():
                raw.execute("SELECT pg_advisory_xact_lock(%s)", [SCHEMA_LOCK])
                raw.execute(SCHEMA)
            found = raw.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_name = 'events' AND table_schema = current_schema() "
                "ORDER BY ordinal_position"
            ).fetchall()
            where = raw.execute("SELECT current_database(), current_schema()").fetchone()
        except self._psycopg.Error as exc:
            raise StoreError(f"cannot prepare the events table: {exc}") from exc
        if tuple(found) != EVENT_COLUMNS:
            shape = ", ".join(f"{name} {kind}" for name, kind in found)
            raise StoreError(
                f"this database already has an events table of another shape ({shape}); an "
                "esbank store needs its own events table: use another database or schema"
            )
        return (raw.info.host, raw.info.port, *where)

    @contextmanager
    def _using(self: PostgresEventStore, doing: str) -> Iterator[Any]:
        """A pooled connection; every psycopg error becomes a typed ``StoreError``."""
        if self._pool is None:
            raise StoreError("the event store is closed; open a new PostgresEventStore")
        psycopg = self._psycopg
        from psycopg_pool import PoolTimeout

        try:
            with self._pool.connection() as raw:
                yield raw
        except PoolTimeout as exc:
            raise StoreError(
                f"{doing} failed: no connection to PostgreSQL within {self.wait_timeout} s: "
                "the server is down or unreachable (start it, or check ESBANK_PG_DSN), or "
                "every one of the store's connections is busy"
            ) from exc
        except psycopg.errors.UndefinedTable as exc:
            raise UnknownTable(f"{doing} failed: {exc}") from exc
        except psycopg.errors.LockNotAvailable as exc:
            raise StoreLocked(
                f"{doing} waited more than {self.lock_timeout} s for a lock another writer "
                "holds; find the long transaction (pg_stat_activity), or raise lock_timeout"
            ) from exc
        except psycopg.OperationalError as exc:
            self._pool.check()
            raise StoreError(
                f"{doing} failed: the connection to PostgreSQL was lost ({exc}); the store "
                "reconnects on the next call once the server answers"
            ) from exc
        except psycopg.Error as exc:
            raise StoreError(f"{doing} failed: {exc}") from exc

    @property
    def connection(self: PostgresEventStore) -> PostgresSql:
        """A connection of your own (``?`` statements, autocommit) for inspection and other
        tables; a transaction you open on it never holds the store's work."""
        if self._pool is None:
            raise StoreError("the event store is closed; open a new PostgresEventStore")
        if self._user is None:
            self._user = PostgresSql(self._connect())
        return self._user

    def close(self: PostgresEventStore) -> None:
        """Close the pool and your connection."""
        if self._pool is not None:
            self._pool.close()
            self._pool = None
        if self._user is not None:
            self._user.raw.close()
            self._user = None
