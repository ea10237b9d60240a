"""``Bank``: the command handler. Load state, decide, append with the expected version, retry.

The loop in :meth:`Bank.handle` is the whole write side of event sourcing: rebuild the account
from its events, let the pure ``decide`` judge the command, then append the new events on the
condition that nobody else appended in the meantime. If somebody did, reload and decide again.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import takewhile
from typing import Literal
from uuid import UUID

import pandas as pd

from esbank.domain.account import BankAccount, decide, evolve, replay
from esbank.domain.commands import COMMAND_TYPES, Command, OpenAccount
from esbank.domain.errors import AccountNotOpen, InvalidArgument, InvalidCommand
from esbank.domain.events import Event
from esbank.eventstore.errors import ConcurrencyConflict
from esbank.eventstore.protocol import EventStore
from esbank.eventstore.types import RecordedEvent

IdFactory = Callable[[], UUID]

HISTORY_COLUMNS = ["version", "position", "recorded_at", "event_type", "change", "balance"]


@dataclass(frozen=True, slots=True)
class CommandResult:
    """The outcome of an accepted command."""

    status: Literal["accepted"]
    aggregate_id: UUID
    new_version: int
    position: int
    events: tuple[Event, ...]
    attempts: int = 1


class Bank:
    """Handles commands against an event store; loads accounts, by version or by time."""

    def __init__(
        self,
        store: EventStore,
        *,
        new_id: IdFactory | None = None,
        max_retries: int = 3,
    ) -> None:
        if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
            raise InvalidArgument(f"max_retries must be an int >= 0, got {max_retries!r}")
        if new_id is not None and not callable(new_id):
            raise InvalidArgument("new_id must be a callable returning uuid.UUID, e.g. uuid.uuid4")
        self.store = store
        self.max_retries = max_retries
        self._new_id: IdFactory = new_id or uuid.uuid4

    # -- write side ------------------------------------------------------------------------
    def handle(self, command: Command) -> CommandResult:
        """Decide ``command`` against fresh state and append its events.

        A broken rule raises its ``DomainError`` and writes nothing. A concurrency conflict
        reloads and decides again, up to ``max_retries`` more times, then raises
        ``ConcurrencyConflict``.
        """
        if not isinstance(command, COMMAND_TYPES):
            names = ", ".join(t.__name__ for t in COMMAND_TYPES)
            raise InvalidCommand(f"expected one of {names}, got {type(command).__name__}")
        attempt = 0
        while True:
            attempt += 1
            state = self._state(command.account_id)
            events = decide(command, state)
            try:
                appended = self.store.append(
                    command.account_id,
                    events,
                    expected_version=state.version,
                    event_ids=[self._next_id() for _ in events],
                    metadata={"command": type(command).__name__},
                )
            except ConcurrencyConflict:
                if attempt > self.max_retries:
                    raise
                continue
            return CommandResult(
                status="accepted",
                aggregate_id=command.account_id,
                new_version=appended.new_version,
                position=appended.last_position,
                events=events,
                attempts=attempt,
            )

    def open_account(self, owner: str, initial_balance: int = 0) -> CommandResult:
        """Open a new account with an id from ``new_id``; the result carries the id."""
        return self.handle(OpenAccount(self._next_id(), owner, initial_balance))

    def _next_id(self) -> UUID:
        value = self._new_id()
        if not isinstance(value, UUID):
            raise InvalidArgument(f"new_id must return a uuid.UUID, got {type(value).__name__}")
        return value

    # -- reading the write model -----------------------------------------------------------
    def _state(self, account_id: UUID) -> BankAccount:
        events = self.store.read_stream(account_id)
        return replay((r.event for r in events), account_id=account_id)

    def load(
        self,
        account_id: UUID,
        *,
        as_of_version: int | None = None,
        as_of: datetime | None = None,
    ) -> BankAccount:
        """Rebuild an account from its events, optionally as it was at a version or a time.

        ``as_of`` keeps the events recorded at or before that instant (a timezone-aware
        datetime). Raises ``AccountNotOpen`` for an account with no events.
        """
        recorded = self._recorded(account_id, "load", as_of_version=as_of_version, as_of=as_of)
        return replay((r.event for r in recorded), account_id=account_id)

    def history(self, account_id: UUID) -> pd.DataFrame:
        """One row per event of the account, with the money it moved and the balance after it."""
        recorded = self._recorded(account_id, "history")
        state = BankAccount.new(account_id)
        rows = []
        for r in recorded:
            before = state.balance
            state = evolve(state, r.event)
            rows.append(
                (
                    r.version,
                    r.position,
                    r.recorded_at,
                    r.event_type,
                    state.balance - before,
                    state.balance,
                )
            )
        frame = pd.DataFrame(rows, columns=HISTORY_COLUMNS)
        return frame.astype(
            {"version": "int64", "position": "int64", "change": "int64", "balance": "int64"}
        )

    def _recorded(
        self,
        account_id: UUID,
        what: str,
        *,
        as_of_version: int | None = None,
        as_of: datetime | None = None,
    ) -> Sequence[RecordedEvent]:
        if not isinstance(account_id, UUID):
            raise InvalidArgument(
                f"account_id must be a uuid.UUID, got {type(account_id).__name__}"
            )
        if as_of_version is not None and (
            isinstance(as_of_version, bool)
            or not isinstance(as_of_version, int)
            or as_of_version < 1
        ):
            raise InvalidArgument(f"as_of_version must be an int >= 1, got {as_of_version!r}")
        if as_of is not None and (
            not isinstance(as_of, datetime) or as_of.tzinfo is None or as_of.utcoffset() is None
        ):
            raise InvalidArgument(
                f"as_of must be a timezone-aware datetime, got {as_of!r}; "
                "e.g. datetime(2026, 1, 1, tzinfo=UTC)"
            )
        recorded = self.store.read_stream(account_id, to_version=as_of_version)
        if not recorded:
            raise AccountNotOpen(account_id, what)
        if as_of_version is not None and recorded[-1].version < as_of_version:
            raise InvalidArgument(
                f"account {account_id} has {recorded[-1].version} events, so it has no "
                f"version {as_of_version}; pick a version from 1 to {recorded[-1].version}"
            )
        if as_of is not None:
            # The log is in commit order: keep the prefix recorded at or before ``as_of``.
            recorded = list(takewhile(lambda r: r.recorded_at <= as_of, recorded))
            if not recorded:
                raise AccountNotOpen(account_id, f"{what} as of {as_of.isoformat()}")
        return recorded
