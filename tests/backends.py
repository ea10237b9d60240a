"""One suite, two backends: the store factory the parametrized tests use.

A test that asks for the ``backend`` fixture runs once on DuckDB and once on PostgreSQL (the
throwaway server this test run started, or ``ESBANK_PG_DSN``). ``backend.store(...)`` opens a
store on that test's own database (an in-memory DuckDB database shared by name, or a fresh
PostgreSQL database), so two calls in one test reach the same events.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from esbank import DuckDBEventStore, PostgresEventStore
from esbank.eventstore.postgres_server import drop_database, fresh_database
from esbank.eventstore.protocol import SqlStore

BACKENDS = ("duckdb", "postgres")
_names = itertools.count(1)


@dataclass
class Backend:
    """The database of one test on one backend, and the stores opened on it."""

    name: str
    server: str | None = None  # PostgreSQL: the server's conninfo
    database: str | None = None  # DuckDB: a shared memory name; PostgreSQL: a conninfo
    opened: list[Any] = field(default_factory=list)

    @property
    def is_postgres(self) -> bool:
        return self.name == "postgres"

    def target(self) -> str:
        """Where this test's database is (created on first use)."""
        if self.database is None:
            if self.is_postgres:
                assert self.server is not None
                self.database = fresh_database(self.server, prefix="esbank_test")
            else:
                self.database = f":memory:esbank-test-{next(_names)}"
        return self.database

    def store(self, **kwargs: Any) -> SqlStore:
        """A new store object on this test's database (closed when the test ends)."""
        cls = PostgresEventStore if self.is_postgres else DuckDBEventStore
        store = cls(self.target(), **kwargs)
        self.opened.append(store)
        return store

    def fresh(self, **kwargs: Any) -> SqlStore:
        """A store on a database of its own (empty), not this test's database."""
        other = Backend(self.name, self.server)
        store = other.store(**kwargs)
        self.opened.append(other)
        return store

    def loosen_json(self, store: Any) -> None:
        """Let the payload and metadata columns hold text that is not JSON (as an older or
        foreign writer might have left)."""
        conn = store.connection
        if self.is_postgres:
            conn.execute(
                "ALTER TABLE events ALTER COLUMN payload TYPE TEXT, ALTER COLUMN metadata TYPE TEXT"
            )
            return
        conn.execute("DROP INDEX events_aggregate_id")
        conn.execute("ALTER TABLE events ALTER COLUMN payload SET DATA TYPE VARCHAR")
        conn.execute("ALTER TABLE events ALTER COLUMN metadata SET DATA TYPE VARCHAR")

    def close(self) -> None:
        for thing in reversed(self.opened):
            thing.close()
        self.opened.clear()
        if self.is_postgres and self.database is not None:
            drop_database(self.database, self.server)
            self.database = None
