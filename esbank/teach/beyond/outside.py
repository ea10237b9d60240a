"""The world outside the event store, for notebook 11: a broker and one consumer.

``Outside`` keeps its own in-memory DuckDB database, so no transaction ever spans it and the
event store, exactly as with a real broker. Every message it receives is a row in
``messages`` (repeats included) and is handed at once to its consumer, which records the
money the event moved in ``ledger``: every time it gets it, or, with an ``Inbox``, once per
event id. ``crash_at`` makes the process that publishes die (``Crash``) right after it has
handed over the message with that number.

:func:`write_then_publish` and :func:`publish_then_write` are the dual write, both orders.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID, uuid5

import pandas as pd

from esbank.app.bank import Bank
from esbank.app.idempotency import event_ids
from esbank.app.outcomes import CommandResult
from esbank.app.subscriptions import Inbox
from esbank.domain.account import decide
from esbank.domain.arguments import require_int
from esbank.domain.commands import Command
from esbank.domain.errors import InvalidArgument
from esbank.domain.events import AccountOpened, MoneyDeposited, MoneyWithdrawn
from esbank.eventstore.duckdb_store import DuckDBEventStore
from esbank.eventstore.protocol import Sql
from esbank.eventstore.types import RecordedEvent
from esbank.teach.determinism import StepClock

MESSAGES = """
CREATE TABLE messages (
    n            BIGINT PRIMARY KEY,
    event_id     UUID NOT NULL,
    position     BIGINT,
    aggregate_id UUID NOT NULL,
    event_type   TEXT NOT NULL,
    change       BIGINT NOT NULL
)
"""
LEDGER = """
CREATE TABLE ledger (
    n        BIGINT PRIMARY KEY,
    event_id UUID NOT NULL,
    change   BIGINT NOT NULL
)
"""


class Crash(Exception):
    """The process dies here: a fault injected between two writes. Nothing catches it but
    the code that plays the restart."""


def change(event: object) -> int:
    """The cents an account event moved: + for an opening balance or a deposit, − for a
    withdrawal, 0 for anything else."""
    if isinstance(event, AccountOpened):
        return event.initial_balance
    if isinstance(event, MoneyDeposited):
        return event.amount
    if isinstance(event, MoneyWithdrawn):
        return -event.amount
    return 0


@dataclass(frozen=True, slots=True)
class Message:
    """What the broker carries about one event. ``position`` is None when the message was
    sent before the log stored the event (publish first)."""

    event_id: UUID
    position: int | None
    aggregate_id: UUID
    event_type: str
    change: int

    @classmethod
    def of(cls, recorded: RecordedEvent) -> Message:
        """The message about a stored event."""
        return cls(
            recorded.event_id,
            recorded.position,
            recorded.aggregate_id,
            recorded.event_type,
            change(recorded.event),
        )


class Outside:
    """A broker and its consumer, in a database of their own (see the module docstring)."""

    def __init__(
        self,
        *,
        inbox: bool = False,
        crash_at: Iterable[int] = (),
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.crash_at = frozenset(require_int("crash_at[...]", n, minimum=1) for n in crash_at)
        self.database = DuckDBEventStore("")  # a private in-memory database
        self.database.sql(MESSAGES)
        self.database.sql(LEDGER)
        self.inbox = Inbox(self.database, clock=clock or StepClock()) if inbox else None
        self.sent = 0

    def publish(self, events: Sequence[RecordedEvent | Message]) -> int:
        """Carry each event to the consumer; returns how many messages were sent. Raises
        ``Crash`` right after the message whose number is in ``crash_at``."""
        for event in events:
            self.sent += 1
            message = event if isinstance(event, Message) else Message.of(event)
            self.database.sql(
                "INSERT INTO messages VALUES (?, ?, ?, ?, ?, ?)",
                [self.sent, message.event_id, message.position, message.aggregate_id,
                 message.event_type, message.change],
            )  # fmt: skip
            self._consume(message, event)
            if self.sent in self.crash_at:
                raise Crash(f"the publishing process died right after message {self.sent}")
        return len(events)

    def _consume(self, message: Message, event: RecordedEvent | Message) -> None:
        """The consumer's effect: a ledger row (through the inbox, when there is one)."""
        n = self.sent

        def effect(conn: Sql, _event: Any) -> None:
            conn.execute(
                "INSERT INTO ledger VALUES (?, ?, ?)", [n, message.event_id, message.change]
            )

        if self.inbox is None:
            with self.database.transaction() as conn:
                effect(conn, event)
        elif isinstance(event, Message):
            raise InvalidArgument("an inbox takes stored events (with a position), not messages")
        else:
            self.inbox.process([event], effect)

    def messages(self) -> pd.DataFrame:
        """Every message the broker carried, repeats included, in the order sent."""
        return self.database.query(
            "SELECT n, position, event_type, change, event_id FROM messages ORDER BY n"
        )

    def ledger(self) -> pd.DataFrame:
        """What the consumer did: one row per message it acted on, in order."""
        return self.database.query("SELECT n, change, event_id FROM ledger ORDER BY n")

    def report(self, log: Sequence[RecordedEvent]) -> dict[str, int]:
        """Delivered (distinct events that arrived), lost and duplicated, and what the
        consumer applied, against the events of ``log``."""
        (sent, delivered), = self.database.sql(
            "SELECT count(*), count(DISTINCT event_id) FROM messages"
        )  # fmt: skip
        (applied, applied_once, total), = self.database.sql(
            "SELECT count(*), count(DISTINCT event_id), coalesce(sum(change), 0) FROM ledger"
        )  # fmt: skip
        bank_total = sum(change(r.event) for r in log)
        return {
            "events in the log": len(log),
            "messages sent": int(sent),
            "delivered": int(delivered),
            "lost": len(log) - int(delivered),
            "delivered twice": int(sent) - int(delivered),
            "applied": int(applied),
            "applied twice": int(applied) - int(applied_once),
            "consumer's total (¢)": int(total),
            "off by (¢)": int(total) - bank_total,
        }


def stored_events(bank: Bank, result: CommandResult) -> list[RecordedEvent]:
    """The events a command stored, as the log holds them."""
    first = result.new_version - len(result.events) + 1
    return bank.store.read_stream(
        result.aggregate_id, from_version=first, to_version=result.new_version
    )


def write_then_publish(
    bank: Bank, outside: Outside, command: Command, *, crash: bool = False
) -> CommandResult:
    """The dual write in the usual order: store the command's events, then publish them.
    With ``crash``, the process dies between the two writes."""
    result = bank.handle(command)
    if crash:
        raise Crash("the process died after the write, before the publish")
    outside.publish(stored_events(bank, result))
    return result


def publish_then_write(
    bank: Bank, outside: Outside, command: Command, *, crash: bool = False
) -> CommandResult:
    """The dual write the other way round: decide, publish what was decided, then store it
    (under an idempotency key, so the message and the stored event share their ids). With
    ``crash``, the process dies between the two writes."""
    state = bank.load(command.account_id)
    events = decide(command, state)
    key = uuid5(command.account_id, f"publish-first-{state.version}")
    outside.publish(
        [
            Message(event_id, None, command.account_id, type(event).event_type, change(event))
            for event_id, event in zip(event_ids(key, len(events)), events, strict=True)
        ]
    )
    if crash:
        raise Crash("the process died after the publish, before the write")
    return bank.handle(command, idempotency_key=key)
