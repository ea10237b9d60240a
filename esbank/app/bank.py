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
from typing import Literal
from uuid import UUID

import pandas as pd

from esbank.app.cache import StateCache
from esbank.app.snapshots import (
    LoadReport,
    load_state,
    rebuild_snapshots,
    save_snapshot,
    snapshot_due,
)
from esbank.domain.account import BankAccount, decide, evolve, replay
from esbank.domain.commands import COMMAND_TYPES, Command, OpenAccount
from esbank.domain.errors import AccountNotOpen, DomainError, InvalidArgument, InvalidCommand
from esbank.domain.events import Event
from esbank.eventstore.duckdb_store import DuckDBEventStore
from esbank.eventstore.errors import ConcurrencyConflict
from esbank.eventstore.protocol import EventStore
from esbank.eventstore.snapshot_store import DuckDBSnapshotStore
from esbank.eventstore.types import RecordedEvent, StreamAppend

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


@dataclass(frozen=True, slots=True)
class CommandRejected:
    """The outcome of a command that a rule refused inside a batch (nothing was written)."""

    status: Literal["rejected"]
    aggregate_id: UUID
    command: Command
    error: DomainError


@dataclass(frozen=True, slots=True)
class _Decided:
    """A command accepted while deciding a batch: its events and the states around them."""

    before: BankAccount
    events: tuple[Event, ...]
    after: BankAccount


def _decide_batch(
    commands: Sequence[Command], states: dict[UUID, BankAccount]
) -> list[_Decided | DomainError]:
    """Decide each command against the state left by the ones before it. Pure."""
    working = dict(states)
    plan: list[_Decided | DomainError] = []
    for command in commands:
        before = working[command.account_id]
        try:
            events = decide(command, before)
        except DomainError as error:
            plan.append(error)
            continue
        after = replay(events, before)
        working[command.account_id] = after
        plan.append(_Decided(before, events, after))
    return plan


def _check_account_id(account_id: object) -> None:
    if not isinstance(account_id, UUID):
        raise InvalidArgument(f"account_id must be a uuid.UUID, got {type(account_id).__name__}")


def _check_command(command: object, where: str = "command") -> None:
    if not isinstance(command, COMMAND_TYPES):
        names = ", ".join(t.__name__ for t in COMMAND_TYPES)
        raise InvalidCommand(f"expected one of {names} as {where}, got {type(command).__name__}")


class Bank:
    """Handles commands against an event store; loads accounts, by version or by time."""

    def __init__(
        self,
        store: EventStore,
        *,
        new_id: IdFactory | None = None,
        max_retries: int = 3,
        cache_size: int = 10_000,
        snapshot_every: int | None = None,
        snapshots: DuckDBSnapshotStore | None = None,
    ) -> None:
        if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
            raise InvalidArgument(f"max_retries must be an int >= 0, got {max_retries!r}")
        if new_id is not None and not callable(new_id):
            raise InvalidArgument("new_id must be a callable returning uuid.UUID, e.g. uuid.uuid4")
        if isinstance(cache_size, bool) or not isinstance(cache_size, int) or cache_size < 0:
            raise InvalidArgument(f"cache_size must be an int >= 0, got {cache_size!r}")
        if snapshot_every is not None and (
            isinstance(snapshot_every, bool)
            or not isinstance(snapshot_every, int)
            or snapshot_every < 1
        ):
            raise InvalidArgument(f"snapshot_every must be an int >= 1, got {snapshot_every!r}")
        if snapshot_every is not None and snapshots is None:
            if not isinstance(store, DuckDBEventStore):
                raise InvalidArgument(
                    "snapshot_every needs a snapshot store: pass snapshots=… for this store"
                )
            snapshots = DuckDBSnapshotStore(store)
        self.store = store
        self.snapshots = snapshots
        self.snapshot_every = snapshot_every
        self.max_retries = max_retries
        self._cache = StateCache(cache_size)
        self._new_id: IdFactory = new_id or uuid.uuid4

    # -- write side ------------------------------------------------------------------------
    def handle(self, command: Command) -> CommandResult:
        """Decide ``command`` against the account's state and append its events.

        A broken rule raises its ``DomainError`` and writes nothing. A concurrency conflict
        reloads and decides again, up to ``max_retries`` more times, then raises
        ``ConcurrencyConflict``. The state may come from the cache of recently used accounts:
        an append from a stale one fails its version check and is decided again from a fresh
        read without counting as a retry, and a refusal is only raised after the account has
        been read afresh.
        """
        _check_command(command)
        account_id = command.account_id
        attempt = 0
        state = self._cache.get(account_id)
        while True:
            attempt += 1
            fresh = state is None
            if state is None:
                state = self._state(account_id)
            try:
                events = decide(command, state)
            except DomainError:
                if fresh:
                    raise
                state = None  # the refusal came from a cached state: judge again, afresh
                attempt -= 1
                continue
            try:
                appended = self.store.append(
                    account_id,
                    events,
                    expected_version=state.version,
                    event_ids=[self._next_id() for _ in events],
                    metadata={"command": type(command).__name__},
                )
            except ConcurrencyConflict:
                self._cache.drop(account_id)
                state = None
                if not fresh:  # the cached state was out of date: a reload, not a retry
                    attempt -= 1
                    continue
                if attempt > self.max_retries:
                    raise
                continue
            after = replay(events, state)
            self._cache.put(after)
            self._maybe_snapshot(state.version, after)
            return CommandResult(
                status="accepted",
                aggregate_id=account_id,
                new_version=appended.new_version,
                position=appended.last_position,
                events=events,
                attempts=attempt,
            )

    def handle_batch(self, commands: Sequence[Command]) -> list[CommandResult | CommandRejected]:
        """Decide many commands in order and commit all accepted ones in one append.

        The single-writer idea: each command is judged against the state left by the commands
        before it, a refused command adds nothing, and one INSERT stores every accepted event.
        Returns one outcome per command, in order. On a concurrency conflict nothing is
        written; the batch is decided again from fresh state (up to ``max_retries`` times).
        """
        if isinstance(commands, COMMAND_TYPES) or not isinstance(commands, Sequence):
            raise InvalidCommand("handle_batch takes a list of commands")
        for i, command in enumerate(commands):
            _check_command(command, where=f"commands[{i}]")
        if not commands:
            return []
        accounts = list(dict.fromkeys(c.account_id for c in commands))
        attempt = 0
        use_cache = True
        while True:
            attempt += 1
            states, cached = self._states(accounts, use_cache=use_cache)
            plan = _decide_batch(commands, states)
            if cached and any(isinstance(p, DomainError) for p in plan):
                # A refusal may come from a cached state that is out of date: decide afresh.
                use_cache = cached = False
                states, _ = self._states(accounts, use_cache=False)
                plan = _decide_batch(commands, states)
            use_cache = False
            appends = [
                StreamAppend(
                    c.account_id,
                    p.events,
                    expected_version=p.before.version,
                    event_ids=[self._next_id() for _ in p.events],
                    metadata={"command": type(c).__name__},
                )
                for c, p in zip(commands, plan, strict=True)
                if isinstance(p, _Decided)
            ]
            try:
                appended = iter(self.store.append_batch(appends) if appends else [])
            except ConcurrencyConflict:
                for account_id in accounts:
                    self._cache.drop(account_id)
                if cached:  # decided from cached states that were out of date: not a retry
                    attempt -= 1
                    continue
                if attempt > self.max_retries:
                    raise
                continue
            finals = {p.after.id: p.after for p in plan if isinstance(p, _Decided)}
            for account_id, after in finals.items():
                self._maybe_snapshot(states[account_id].version, after)
            outcomes: list[CommandResult | CommandRejected] = []
            for command, p in zip(commands, plan, strict=True):
                if isinstance(p, _Decided):
                    result = next(appended)
                    self._cache.put(p.after)
                    outcomes.append(
                        CommandResult(
                            status="accepted",
                            aggregate_id=command.account_id,
                            new_version=result.new_version,
                            position=result.last_position,
                            events=p.events,
                            attempts=attempt,
                        )
                    )
                else:
                    outcomes.append(
                        CommandRejected(
                            status="rejected",
                            aggregate_id=command.account_id,
                            command=command,
                            error=p,
                        )
                    )
            return outcomes

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
        return load_state(self.store, self.snapshots, account_id)[0]

    def _maybe_snapshot(self, before: int, after: BankAccount) -> None:
        """Save a snapshot when one is due. The events are committed by now, so a failed save
        only warns (``SnapshotNotSaved``): it must never fail a command that was stored."""
        if self.snapshots is not None and snapshot_due(before, after.version, self.snapshot_every):
            save_snapshot(self.snapshots, after)

    def _states(
        self, accounts: list[UUID], *, use_cache: bool
    ) -> tuple[dict[UUID, BankAccount], bool]:
        """The states of ``accounts`` (cached ones, the rest read in one query), and whether
        any of them came from the cache."""
        states = {}
        if use_cache:
            states = {a: s for a in accounts if (s := self._cache.get(a)) is not None}
        cached = bool(states)
        missing = [a for a in accounts if a not in states]
        if missing and self.snapshots is not None:
            states.update({a: self._state(a) for a in missing})
        elif missing:
            streams = self.store.read_streams(missing)
            for account_id in missing:
                states[account_id] = replay(
                    (r.event for r in streams[account_id]), account_id=account_id
                )
        return states, cached

    def load(
        self,
        account_id: UUID,
        *,
        as_of_version: int | None = None,
        as_of: datetime | None = None,
    ) -> BankAccount:
        """Rebuild an account from its events, optionally as it was at a version or a time.

        ``as_of`` keeps the events recorded at or before that instant (a timezone-aware
        datetime). Raises ``AccountNotOpen`` for an account with no events (by then).
        """
        return self.load_with_report(account_id, as_of_version=as_of_version, as_of=as_of)[0]

    def load_with_report(
        self,
        account_id: UUID,
        *,
        as_of_version: int | None = None,
        as_of: datetime | None = None,
    ) -> tuple[BankAccount, LoadReport]:
        """Like ``load``, plus how the state was obtained (snapshot used, events replayed)."""
        _check_account_id(account_id)
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
        target = as_of_version
        if as_of is not None:
            at_time = self.store.version_at(account_id, as_of)
            if at_time == 0:
                what = f"load as of {as_of.isoformat()}"
                raise AccountNotOpen(account_id, what)
            target = at_time if target is None else min(target, at_time)
        state, report = load_state(self.store, self.snapshots, account_id, to_version=target)
        if state.version == 0:
            raise AccountNotOpen(account_id, "load")
        if as_of_version is not None and state.version < as_of_version:
            # Short of the version asked for: because the stream is, or because as_of is
            # earlier (then only a version the stream never reached is a mistake).
            count = state.version if as_of is None else self.store.stream_version(account_id)
            if as_of_version > count:
                raise InvalidArgument(
                    f"account {account_id} has {count} events, so it has no "
                    f"version {as_of_version}; pick a version from 1 to {count}"
                )
        return state, report

    def rebuild_snapshots(self, account_id: UUID) -> list[int]:
        """Delete the account's snapshots and write them again every ``snapshot_every`` events.

        Returns the versions written; loads return the same states before and after.
        """
        _check_account_id(account_id)
        if self.snapshots is None or self.snapshot_every is None:
            raise InvalidArgument("this Bank takes no snapshots: create it with snapshot_every=N")
        return rebuild_snapshots(self.store, self.snapshots, account_id, self.snapshot_every)

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

    def _recorded(self, account_id: UUID, what: str) -> Sequence[RecordedEvent]:
        _check_account_id(account_id)
        recorded = self.store.read_stream(account_id)
        if not recorded:
            raise AccountNotOpen(account_id, what)
        return recorded
