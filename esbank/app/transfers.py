"""Transfers between accounts: a process manager that survives a crash at any step.

``Transfers.start`` records ``TransferRequested`` in the transfer's own stream. ``run`` then
reads the log through a subscription and advances every transfer it meets: debit the source,
credit the target, complete; or, when the target refuses the credit (closed, never opened),
refund the source. Each step is made safe to run again:

- the account command of a step carries an idempotency key derived from the transfer id and
  the step (``Bank.handle(idempotency_key=…)``): sent twice, it moves the money once;
- the transfer's next event has an id derived from the transfer id and its version: appended
  twice, it is stored once.

So a crash between any two writes loses nothing and doubles nothing: the subscription
delivers the unfinished batch again, and the step that was cut off is simply taken again.
While a transfer is under way its money is "in flight": taken from the source, not yet given
to the target (or back to the source). ``in_flight`` reads it from the accounts' own events,
so balances plus money in flight stay the same at every moment, crashes included.
"""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import Callable
from typing import Any
from uuid import UUID, uuid5

import pandas as pd

from esbank.app.bank import Bank
from esbank.app.idempotency import event_ids
from esbank.app.subscriptions import Subscription
from esbank.domain.arguments import require_int, require_uuid
from esbank.domain.commands import DepositMoney, WithdrawMoney
from esbank.domain.errors import DomainError, InvalidArgument
from esbank.domain.transfer import (
    TRANSFER_EVENT_TYPES,
    Status,
    Step,
    Transfer,
    TransferCompleted,
    TransferCredited,
    TransferCreditRefused,
    TransferDebited,
    TransferEvent,
    TransferMoney,
    TransferRefunded,
    next_step,
    replay_transfer,
    request_transfer,
)
from esbank.eventstore.errors import ConcurrencyConflict, DuplicateEventId
from esbank.eventstore.protocol import Sql, SqlStore
from esbank.eventstore.types import NO_STREAM, RecordedEvent

SUBSCRIPTION = "transfers"
READ_MODEL = "transfer_summaries"
TRANSFER_TYPES = frozenset(cls.event_type for cls in TRANSFER_EVENT_TYPES)
# Where a fault may be injected (tests, the notebook's panel): before a step's account
# command, after it, and after the transfer's event that records the step.
FAULT_POINTS = ("before", "after command", "after event")

Fault = Callable[[UUID, Step, str], None]

SUMMARIES = f"""
CREATE TABLE IF NOT EXISTS {READ_MODEL} (
    transfer_id UUID PRIMARY KEY,
    source      UUID NOT NULL,
    target      UUID NOT NULL,
    amount      BIGINT NOT NULL,
    status      TEXT NOT NULL,
    reason      TEXT,
    position    BIGINT NOT NULL
)
"""


def step_key(transfer_id: UUID, step: str) -> UUID:
    """The idempotency key of a step's account command (the same on every retry)."""
    return uuid5(transfer_id, f"step-{step}")


def transfer_event_id(transfer_id: UUID, version: int) -> UUID:
    """The id of the transfer's event at ``version`` (the same on every retry)."""
    return uuid5(transfer_id, f"event-{version}")


class Transfers:
    """Starts transfers, runs them to their end, and answers where they stand."""

    def __init__(
        self,
        store: SqlStore,
        *,
        bank: Bank | None = None,
        batch_size: int = 100,
        fault: Fault | None = None,
        owner: str | None = None,
    ) -> None:
        """``owner`` names this worker for the subscription's lease; by default one per
        process, so a manager started again in the same process (after a crash) resumes at
        once, while one in another process waits for the lease to end."""
        if not isinstance(store, SqlStore):
            raise InvalidArgument(f"transfers need a store's database, got {store!r}")
        self.store = store
        self.bank = bank if bank is not None else Bank(store)
        self.fault = fault
        owner = owner if owner is not None else f"transfers@{socket.gethostname()}:{os.getpid()}"
        self.subscription = Subscription(store, SUBSCRIPTION, batch_size=batch_size, owner=owner)
        self.summaries = Subscription(store, READ_MODEL, batch_size=1_000)
        store.sql(SUMMARIES)

    # -- the write side ------------------------------------------------------------------------
    def start(self, command: TransferMoney) -> Transfer:
        """Record the transfer's request (nothing new if this very transfer was started)."""
        if not isinstance(command, TransferMoney):
            raise InvalidArgument(f"start takes a TransferMoney, got {type(command).__name__}")
        events = request_transfer(command, self.load(command.transfer_id))
        if events:
            try:
                self.store.append(
                    command.transfer_id,
                    events,
                    expected_version=NO_STREAM,
                    event_ids=[transfer_event_id(command.transfer_id, 1)],
                    metadata={"command": "TransferMoney"},
                )
            except ConcurrencyConflict:  # started meanwhile: the same, or refused below
                request_transfer(command, self.load(command.transfer_id))
        return self.load(command.transfer_id)

    def load(self, transfer_id: UUID) -> Transfer:
        """The transfer as its events tell it (stage ``new`` if it was never started)."""
        require_uuid("transfer_id", transfer_id)
        events: list[Any] = self.store.stream_events(transfer_id)
        return replay_transfer(transfer_id, events)

    def status(self, transfer_id: UUID) -> Status:
        """``pending``, ``completed`` or ``refunded``."""
        state = self.load(transfer_id)
        if state.stage == "new":
            raise InvalidArgument(f"no transfer {transfer_id} was started")
        return state.status

    def in_flight(self, transfer_ids: list[UUID]) -> int:
        """Money these transfers took from their sources and have not yet given to their
        targets or back to their sources, as the accounts' own events say (one query)."""
        states = [self.load(t) for t in transfer_ids]
        firsts = {
            event_ids(step_key(s.id, step), 1)[0]: (s.id, step)
            for s in states
            for step in ("debit", "credit", "refund")
        }
        done = {firsts[r.event_id] for r in self.store.read_events(list(firsts))}
        return sum(
            s.amount
            for s in states
            if (s.id, "debit") in done and not {(s.id, "credit"), (s.id, "refund")} & done
        )

    def run(self, *, max_batches: int = 1_000_000) -> int:
        """Advance every transfer the log holds until nothing is left to do; returns the
        steps taken. After a crash, run again: the cut-off batch comes again."""
        taken = 0

        def advance_all(events: list[RecordedEvent]) -> None:
            nonlocal taken
            for transfer_id in dict.fromkeys(
                r.aggregate_id for r in events if r.event_type in TRANSFER_TYPES
            ):
                taken += self.advance(transfer_id)

        self.subscription.run(advance_all, max_batches=max_batches)
        self.subscription.release()
        self._project()
        return taken

    def advance(self, transfer_id: UUID, *, max_steps: int | None = None) -> int:
        """Take every step that is due for one transfer (at most ``max_steps``, to watch it
        step by step); returns how many were taken."""
        limit = None if max_steps is None else require_int("max_steps", max_steps, minimum=1)
        taken = 0
        state = self.load(transfer_id)
        while (limit is None or taken < limit) and (step := next_step(state)) is not None:
            event = self._take(state, step)
            if event is None:
                break  # the refund was refused: the transfer waits (see README)
            self._fault(transfer_id, step, "after command")
            # (if another run recorded this step first, carry on from what it wrote)
            with contextlib.suppress(ConcurrencyConflict, DuplicateEventId):
                self.store.append(
                    transfer_id,
                    [event],
                    expected_version=state.version,
                    event_ids=[transfer_event_id(transfer_id, state.version + 1)],
                    metadata={"step": step},
                )
            self._fault(transfer_id, step, "after event")
            state = self.load(transfer_id)
            taken += 1
        return taken

    def _take(self, state: Transfer, step: Step) -> TransferEvent | None:
        """Run ``step``'s account command (idempotently) and say what happened."""
        self._fault(state.id, step, "before")
        assert state.source is not None and state.target is not None
        if step == "complete":
            return TransferCompleted()
        command = {
            "debit": WithdrawMoney(state.source, state.amount),
            "credit": DepositMoney(state.target, state.amount),
            "refund": DepositMoney(state.source, state.amount),
        }[step]
        try:
            self.bank.handle(command, idempotency_key=step_key(state.id, step))
        except DomainError as refused:
            if step == "debit":
                return TransferRefunded(f"the source refused the debit: {refused}")
            if step == "credit":
                return TransferCreditRefused(f"the target refused the credit: {refused}")
            return None
        if step == "debit":
            return TransferDebited()
        if step == "credit":
            return TransferCredited()
        return TransferRefunded(state.reason or "refunded")

    def _fault(self, transfer_id: UUID, step: Step, point: str) -> None:
        if self.fault is not None:
            self.fault(transfer_id, step, point)

    # -- the read side ---------------------------------------------------------------------------
    def _project(self) -> None:
        """Bring the transfers read model up to the log (exactly once: same transaction)."""
        self.summaries.run(_summarise, into_database=True)

    def summaries_frame(self) -> pd.DataFrame:
        """Every transfer: accounts, amount, status and reason, in the order they started."""
        self._project()
        return self.store.query(
            f"SELECT transfer_id, source, target, amount, status, reason FROM {READ_MODEL} "
            "ORDER BY position, transfer_id",
            text_as_str=True,
        )

    def by_status(self) -> pd.DataFrame:
        """How many transfers, and how much money, stand at each status."""
        self._project()
        return self.store.query(
            f"SELECT status, count(*) AS transfers, CAST(sum(amount) AS BIGINT) AS amount "
            f"FROM {READ_MODEL} GROUP BY status ORDER BY status",
            text_as_str=True,
        )

    def of_account(self, account_id: UUID) -> pd.DataFrame:
        """The transfers an account sent or received, in the order they started."""
        require_uuid("account_id", account_id)
        self._project()
        return self.store.query(
            f"SELECT transfer_id, source, target, amount, status, reason FROM {READ_MODEL} "
            "WHERE source = ? OR target = ? ORDER BY position, transfer_id",
            [account_id, account_id],
            text_as_str=True,
        )


def _summarise(conn: Sql, events: list[RecordedEvent]) -> None:
    """Upsert each transfer's summary from its events in one batch."""
    for r in events:
        if r.event_type not in TRANSFER_TYPES:
            continue
        event = r.event
        if r.event_type == "TransferRequested":
            conn.execute(
                f"INSERT INTO {READ_MODEL} VALUES (?, ?, ?, ?, 'pending', NULL, ?) "
                "ON CONFLICT DO NOTHING",
                [r.aggregate_id, event.source, event.target, event.amount, r.position],  # type: ignore[union-attr]
            )
        elif r.event_type in ("TransferCompleted", "TransferRefunded"):
            status = "completed" if r.event_type == "TransferCompleted" else "refunded"
            conn.execute(
                f"UPDATE {READ_MODEL} SET status = ?, reason = ? WHERE transfer_id = ?",
                [status, getattr(event, "reason", None), r.aggregate_id],
            )
