"""Subscriptions: events leaving the log without loss, and an inbox that takes each once.

A ``Subscription`` is a named, checkpointed reader of the global log that hands batches of
events to a handler. Where the handler writes decides what can be promised:

- ``apply`` (into this same database): the handler runs inside the transaction that moves the
  checkpoint, so its writes and the checkpoint commit together or not at all: each event takes
  effect exactly once (the projector works this way).
- ``deliver`` (to anything outside: a queue, a file, another process, an HTTP endpoint): the
  handler runs first, then the checkpoint moves. A crash in between means the batch is
  delivered again when the subscription resumes: at least once, never lost. The consumer makes
  that effectively once with an ``Inbox``, which remembers every event id it processed.

Two workers on one subscription never deliver the same batch at the same time: ``deliver``
takes a lease on the subscription first (a row in ``subscription_checkpoints``, owner and
expiry), and the checkpoint moves only if it is still where the batch was read from.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from esbank.domain.arguments import require_aware, require_callable, require_int
from esbank.domain.errors import EsbankError, InvalidArgument
from esbank.eventstore.protocol import Sql, SqlStore
from esbank.eventstore.types import RecordedEvent, utc_clock

CHECKPOINTS = """
CREATE TABLE IF NOT EXISTS subscription_checkpoints (
    name        TEXT PRIMARY KEY,
    position    BIGINT NOT NULL,
    lease_owner TEXT,
    lease_until TIMESTAMPTZ,
    updated_at  TIMESTAMPTZ NOT NULL
)
"""
INBOX = """
CREATE TABLE IF NOT EXISTS inbox (
    event_id     UUID PRIMARY KEY,
    position     BIGINT NOT NULL,
    processed_at TIMESTAMPTZ NOT NULL
)
"""

Delivery = Callable[[list[RecordedEvent]], Any]
Application = Callable[[Sql, list[RecordedEvent]], Any]


class SubscriptionBusy(EsbankError):
    """Another worker holds this subscription's lease; it delivers, this one waits."""


class Subscription:
    """A named reader of the log from its own checkpoint (see the module's docstring)."""

    def __init__(
        self,
        store: SqlStore,
        name: str,
        *,
        batch_size: int = 100,
        lease: timedelta = timedelta(seconds=30),
        clock: Callable[[], datetime] | None = None,
        owner: str | None = None,
    ) -> None:
        if not isinstance(store, SqlStore):
            raise InvalidArgument(f"a subscription needs a store's database, got {store!r}")
        if not isinstance(name, str) or not name.strip():
            raise InvalidArgument(f"name must be a non-empty str, got {name!r}")
        if not isinstance(lease, timedelta) or lease <= timedelta(0):
            raise InvalidArgument(f"lease must be a positive timedelta, got {lease!r}")
        self.store = store
        self.name = name
        self.batch_size = require_int("batch_size", batch_size, minimum=1)
        self.lease = lease
        self.clock = require_callable("clock", clock or utc_clock, returning="an aware datetime")
        self.owner = owner if owner is not None else f"worker-{uuid.uuid4().hex[:12]}"
        now = self._now()
        with store.transaction() as conn:
            conn.execute(CHECKPOINTS)
            conn.execute(
                "INSERT INTO subscription_checkpoints VALUES (?, 0, NULL, NULL, ?) "
                "ON CONFLICT DO NOTHING",
                [name, now],
            )

    def _now(self) -> datetime:
        return require_aware("the subscription's clock", self.clock())

    def checkpoint(self) -> int:
        """The position up to which events have been handed over (and acknowledged)."""
        rows = self.store.sql(
            "SELECT position FROM subscription_checkpoints WHERE name = ?", [self.name]
        )
        return int(rows[0][0])

    def holder(self) -> str | None:
        """The worker holding the lease now (None when nobody does)."""
        rows = self.store.sql(
            "SELECT lease_owner, lease_until FROM subscription_checkpoints WHERE name = ?",
            [self.name],
        )
        owner, until = rows[0]
        return owner if owner is not None and until > self._now() else None

    # -- to anything outside: at least once ---------------------------------------------------
    def deliver(self, handler: Delivery) -> int:
        """Hand the next batch to ``handler``, then move the checkpoint past it.

        Returns how many events were delivered (0 when caught up). Raises ``SubscriptionBusy``
        when another worker holds the lease. If ``handler`` raises, the checkpoint stays and
        the same batch comes again next time.
        """
        require_callable("handler", handler, returning="anything (its events are delivered)")
        self._take_lease()
        start = self.checkpoint()
        events = self.store.read_all(after_position=start, limit=self.batch_size)
        if not events:
            return 0
        handler(events)
        if not self._move(start, events[-1].position, leased=True):
            raise SubscriptionBusy(
                f"subscription {self.name!r}: this worker's lease ran out while it delivered "
                f"positions {start + 1} to {events[-1].position}, and another worker took "
                "over; that batch will be delivered again (at least once). Give handlers a "
                "longer lease, or smaller batches"
            )
        return len(events)

    def _take_lease(self) -> None:
        now = self._now()
        taken = self.store.sql(
            "UPDATE subscription_checkpoints SET lease_owner = ?, lease_until = ? "
            "WHERE name = ? AND (lease_owner IS NULL OR lease_owner = ? OR lease_until < ?)",
            [self.owner, now + self.lease, self.name, self.owner, now],
        )
        if taken[0][0] != 1:
            raise SubscriptionBusy(
                f"subscription {self.name!r} is being delivered by {self.holder()}; wait for "
                f"its lease to end (at most {self.lease}) or stop that worker first"
            )

    def release(self) -> None:
        """Give up this worker's lease, so another may deliver at once."""
        self.store.sql(
            "UPDATE subscription_checkpoints SET lease_owner = NULL, lease_until = NULL "
            "WHERE name = ? AND lease_owner = ?",
            [self.name, self.owner],
        )

    def _move(self, start: int, end: int, *, leased: bool, conn: Sql | None = None) -> bool:
        """Move the checkpoint from ``start`` to ``end`` if it is still at ``start``."""
        sql = (
            "UPDATE subscription_checkpoints SET position = ?, updated_at = ? "
            "WHERE name = ? AND position = ?"
        )
        params: list[Any] = [end, self._now(), self.name, start]
        if leased:
            sql += " AND lease_owner = ?"
            params.append(self.owner)
        moved = conn.execute(sql, params).fetchall() if conn else self.store.sql(sql, params)
        return bool(moved[0][0] == 1)

    # -- into this database: exactly once in effect -----------------------------------------
    def apply(self, handler: Application) -> int:
        """Apply the next batch with ``handler(conn, events)`` in the transaction that moves
        the checkpoint: both commit, or neither. Returns how many events were applied (0 when
        caught up, or when another worker moved the checkpoint first)."""
        require_callable("handler", handler, returning="anything (it writes with conn)")
        start = self.checkpoint()
        events = self.store.read_all(after_position=start, limit=self.batch_size)
        if not events:
            return 0
        with self.store.transaction() as conn:
            if not self._move(start, events[-1].position, leased=False, conn=conn):
                return 0  # another worker applied this batch: read again next time
            handler(conn, events)
        return len(events)

    def run(
        self,
        handler: Delivery | Application,
        *,
        into_database: bool = False,
        idle_wait: float = 0.0,
        max_batches: int = 1_000_000,
    ) -> int:
        """Deliver (or apply) batch after batch until caught up; with ``idle_wait`` seconds,
        wait that long for new events once caught up (woken by an append) before stopping.
        Returns how many events were handed over."""
        step = self.apply if into_database else self.deliver
        total = 0
        for _ in range(require_int("max_batches", max_batches, minimum=1)):
            done = step(handler)  # type: ignore[arg-type]
            total += done
            if done == 0 and not (
                idle_wait and self.store.wait_for_append(self.checkpoint(), idle_wait)
            ):
                break
        return total


class Inbox:
    """The consumer's memory of what it processed: each event id at most once.

    It lives in the consumer's own database (any ``SqlStore``: another file, another server),
    and ``process`` records an event's id and applies its effect in one transaction there, so
    an event delivered twice is processed once.
    """

    def __init__(self, database: SqlStore, *, clock: Callable[[], datetime] | None = None) -> None:
        if not isinstance(database, SqlStore):
            raise InvalidArgument(f"an inbox needs the consumer's database, got {database!r}")
        self.database = database
        self.clock = require_callable("clock", clock or utc_clock, returning="an aware datetime")
        database.sql(INBOX)

    def process(
        self, events: Sequence[RecordedEvent], effect: Callable[[Sql, RecordedEvent], Any]
    ) -> int:
        """Apply ``effect(conn, event)`` to each event not seen before; return how many."""
        done = 0
        for event in events:
            now = require_aware("the inbox's clock", self.clock())
            with self.database.transaction() as conn:
                new = conn.execute(
                    "INSERT INTO inbox VALUES (?, ?, ?) ON CONFLICT DO NOTHING RETURNING event_id",
                    [event.event_id, event.position, now],
                ).fetchall()
                if new:
                    effect(conn, event)
                    done += 1
        return done

    def seen(self) -> int:
        """How many distinct events the inbox has processed."""
        return int(self.database.sql("SELECT count(*) FROM inbox")[0][0])
