"""The harness of notebook 02's second exercise: a learner's event store, raced for real.

The learner's ``MyEventStore(conn)`` gets a connection to a fresh in-memory DuckDB database
through :class:`_Conn`, which passes every call on and can step in just before the store's
INSERT: to let a rival writer commit first (a scripted race), to make the INSERT fail as a full
disk would (an error that is not a conflict), or to hold the statement until the other racing
thread reaches its own INSERT (so two threads really overlap inside DuckDB).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import duckdb

from esbank.eventstore.errors import ConcurrencyConflict

CLASHES = (duckdb.ConstraintException, duckdb.TransactionException)
"""How DuckDB reports a clash on a key when DO NOTHING does not apply (measured)."""
WAIT_S = 10.0
"""How long the harness waits for a learner's append before calling it stuck."""
Event = dict[str, Any]


class Stuck(Exception):
    """The learner's code did not finish within :data:`WAIT_S` seconds."""


def is_insert(sql: object) -> bool:
    """Whether ``sql`` is an INSERT statement."""
    return isinstance(sql, str) and sql.lstrip().upper().startswith("INSERT")


@dataclass(slots=True)
class Hooks:
    """What the harness does at the store's next INSERT, and what it saw go by."""

    before_insert: Callable[[], None] | None = None
    """Called once, just before the next INSERT runs (then cleared)."""
    inserts: int = 0
    """How many INSERT statements the store ran."""
    clashes: int = 0
    """How many times DuckDB raised a clash (constraint or transaction error) to the store."""


class _Conn:
    """A DuckDB connection that runs every call on ``real`` and applies ``hooks`` to INSERTs.

    ``execute`` returns this object (as DuckDB's returns the connection itself), so
    ``conn.execute(...).fetchone()`` and ``.rowcount`` behave as on a bare connection.
    """

    def __init__(self, real: duckdb.DuckDBPyConnection, hooks: Hooks) -> None:
        self._real = real
        self._hooks = hooks

    def _run(self, method: str, sql: Any, *args: Any, **kwargs: Any) -> Any:
        if is_insert(sql):
            self._hooks.inserts += 1
            step, self._hooks.before_insert = self._hooks.before_insert, None
            if step is not None:
                step()
        try:
            result = getattr(self._real, method)(sql, *args, **kwargs)
        except CLASHES:
            self._hooks.clashes += 1
            raise
        return self if result is self._real else result

    def execute(self, sql: Any, *args: Any, **kwargs: Any) -> Any:
        return self._run("execute", sql, *args, **kwargs)

    def executemany(self, sql: Any, *args: Any, **kwargs: Any) -> Any:
        return self._run("executemany", sql, *args, **kwargs)

    def sql(self, sql: Any, *args: Any, **kwargs: Any) -> Any:
        return self._run("sql", sql, *args, **kwargs)

    def query(self, sql: Any, *args: Any, **kwargs: Any) -> Any:
        return self._run("query", sql, *args, **kwargs)

    def cursor(self) -> _Conn:
        return _Conn(self._real.cursor(), self._hooks)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


@dataclass
class Database:
    """One fresh in-memory database; every store made here shares it through its own cursor."""

    store_class: Any
    db: duckdb.DuckDBPyConnection = field(default_factory=duckdb.connect)

    def store(self, hooks: Hooks | None = None) -> tuple[Any, Hooks]:
        """A new ``store_class`` on a new cursor, and the hooks of that cursor."""
        hooks = hooks or Hooks()
        return self.store_class(_Conn(self.db.cursor(), hooks)), hooks

    def versions(self, aggregate_id: UUID) -> list[int]:
        """The versions stored for ``aggregate_id``, read from the table itself."""
        rows = self.db.execute(
            "SELECT version FROM events WHERE aggregate_id = ? ORDER BY version", [aggregate_id]
        ).fetchall()
        return [int(v) for (v,) in rows]

    def has_key(self) -> bool:
        """Whether ``events`` has a PRIMARY KEY or UNIQUE constraint on (aggregate_id, version)."""
        rows = self.db.execute(
            "SELECT constraint_column_names FROM duckdb_constraints() WHERE table_name = "
            "'events' AND constraint_type IN ('PRIMARY KEY', 'UNIQUE') ORDER BY constraint_index"
        ).fetchall()
        return any(sorted(columns) == ["aggregate_id", "version"] for (columns,) in rows)

    def close(self) -> None:
        """Close the database; a learner's thread still stuck in it keeps it open instead."""
        with contextlib.suppress(duckdb.Error):  # busy with a stuck append
            self.db.close()


@dataclass(slots=True)
class Outcome:
    """What one call of the learner's code did: returned ``value`` or raised ``error``."""

    value: Any = None
    error: BaseException | None = None

    @property
    def conflict(self) -> bool:
        return isinstance(self.error, ConcurrencyConflict)


def attempt(call: Callable[[], Any]) -> Outcome:
    """Run ``call``; what it returned or raised (``NotImplementedError`` goes through)."""
    try:
        return Outcome(value=call())
    except NotImplementedError:
        raise
    except Exception as exc:
        return Outcome(error=exc)


def in_thread(call: Callable[[], Any]) -> Outcome:
    """``attempt(call)`` in a daemon thread, given up on (as :class:`Stuck`) after WAIT_S."""
    box: list[Outcome | BaseException] = []

    def run() -> None:
        try:
            box.append(attempt(call))
        except BaseException as exc:  # NotImplementedError, handed to the caller's thread
            box.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(WAIT_S)
    if not box:
        return Outcome(error=Stuck(f"no answer after {WAIT_S:.0f} s"))
    if isinstance(box[0], BaseException):
        raise box[0]
    return box[0]


def described(outcome: Outcome) -> str:
    """An outcome in words: ``returned 3`` or ``raised TransactionException: …``."""
    if outcome.error is None:
        return f"returned {outcome.value!r}"
    text = str(outcome.error).splitlines()[0].rstrip(". ") if str(outcome.error) else ""
    if len(text) > 160:
        text = text[:159] + "…"
    return f"raised {type(outcome.error).__name__}: {text}"


class Rendezvous:
    """Holds each of two racing appends at its first INSERT until the other reaches its own
    INSERT or finishes, so both statements run inside DuckDB at the same moment."""

    def __init__(self) -> None:
        self._ready = threading.Condition()
        self._count = 0

    def arrive(self) -> None:
        """Count this thread in and wait (at most 1 s) for the other one."""
        with self._ready:
            self._count += 1
            self._ready.notify_all()
            self._ready.wait_for(lambda: self._count >= 2, timeout=1.0)

    def leave(self) -> None:
        """Count in a thread that finished without (another) INSERT."""
        with self._ready:
            self._count += 1
            self._ready.notify_all()


def race_round(
    racers: list[tuple[Any, Hooks]], aggregate_id: UUID, expected: int, batches: list[list[Event]]
) -> list[Outcome]:
    """Each racer appends its batch at ``expected`` in its own thread, both at once."""
    meeting = Rendezvous()
    outcomes: list[Outcome | None] = [None, None]
    failures: list[BaseException] = []

    def run(i: int) -> None:
        store, hooks = racers[i]
        hooks.before_insert = meeting.arrive
        try:
            outcomes[i] = attempt(lambda: store.append(aggregate_id, expected, batches[i]))
        except BaseException as exc:  # NotImplementedError, re-raised below
            failures.append(exc)
        finally:
            if hooks.before_insert is not None:
                hooks.before_insert = None
            meeting.leave()

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT_S)
    if failures:
        raise failures[0]
    return [o or Outcome(error=Stuck(f"no answer after {WAIT_S:.0f} s")) for o in outcomes]
