"""``Bank``: the command handler. Load state, decide, append with the expected version, retry.

The loop in :meth:`Bank.handle` is the whole write side of event sourcing: rebuild the account
from its events, let the pure ``decide`` judge the command, then append the new events on the
condition that nobody else appended in the meantime. If somebody did, reload and decide again.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import pandas as pd

from esbank.app.cache import StateCache
from esbank.app.idempotency import earlier_results, event_ids, metadata
from esbank.app.outcomes import CommandRejected, CommandResult, Decided, Refusal, decide_batch
from esbank.app.retry import RetryPolicy
from esbank.app.snapshots import (
    LoadReport,
    load_state,
    rebuild_snapshots,
    save_snapshot,
    snapshot_due,
)
from esbank.domain.account import BankAccount, decide, evolve, replay
from esbank.domain.arguments import (
    require_callable,
    require_int,
    require_optional_aware,
    require_optional_int,
    require_uuid,
)
from esbank.domain.commands import COMMAND_TYPES, Command, OpenAccount
from esbank.domain.errors import AccountNotOpen, DomainError, InvalidArgument, InvalidCommand
from esbank.eventstore.errors import ConcurrencyConflict, DuplicateEventId
from esbank.eventstore.protocol import EventStore, SnapshotStore, SqlStore
from esbank.eventstore.types import RecordedEvent, StreamAppend

IdFactory = Callable[[], UUID]

HISTORY_COLUMNS = ["version", "position", "recorded_at", "event_type", "change", "balance"]


def _check_command(command: object, where: str = "command") -> None:
    if not isinstance(command, COMMAND_TYPES):
        names = ", ".join(t.__name__ for t in COMMAND_TYPES)
        raise InvalidCommand(f"expected one of {names} as {where}, got {type(command).__name__}")


def _per_command(name: str, values: object, count: int, what: str) -> list[Any]:
    """``values`` as a list of ``count`` items (None: ``count`` Nones); else InvalidArgument."""
    if values is None:
        return [None] * count
    if isinstance(values, str | bytes) or not isinstance(values, Sequence) or len(values) != count:
        raise InvalidArgument(f"{name} must be a list of {count} {what}, one per command")
    return list(values)


def _check_expected(versions: object, count: int) -> list[int | None]:
    checked = _per_command("expected_versions", versions, count, "versions (int or None)")
    return [require_optional_int("expected_versions[...]", v) for v in checked]


def _check_keys(keys: object, count: int) -> list[UUID | None]:
    checked = _per_command("idempotency_keys", keys, count, "keys (uuid.UUID or None)")
    given = [require_uuid("idempotency_keys[...]", key) for key in checked if key is not None]
    if len(set(given)) != len(given):
        raise InvalidArgument("idempotency_keys repeats a key; every command needs its own key")
    return checked


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
        snapshots: SnapshotStore | None = None,
    ) -> None:
        self.retries = RetryPolicy(max_retries)
        if new_id is not None:
            require_callable("new_id", new_id, returning="uuid.UUID, e.g. uuid.uuid4")
        require_int("cache_size", cache_size, minimum=0)
        require_optional_int("snapshot_every", snapshot_every, minimum=1)
        if snapshot_every is not None and snapshots is None:
            if not isinstance(store, SqlStore):
                raise InvalidArgument(
                    "snapshot_every needs a snapshot store: pass snapshots=… for this store"
                )
            snapshots = store.snapshot_store()
        self.store = store
        self.snapshots = snapshots
        self.snapshot_every = snapshot_every
        self.max_retries = max_retries
        self._cache = StateCache(cache_size)
        self._new_id: IdFactory = new_id or uuid.uuid4

    # -- write side ------------------------------------------------------------------------
    def handle(
        self,
        command: Command,
        *,
        idempotency_key: UUID | None = None,
        expected_version: int | None = None,
    ) -> CommandResult:
        """Decide ``command`` against the account's state and append its events.

        A broken rule raises its ``DomainError`` and writes nothing. A concurrency conflict
        reloads and decides again, up to ``max_retries`` more times, then raises
        ``ConcurrencyConflict``. The state may come from the cache of recently used accounts:
        an append from a stale one fails its version check and is decided again from a fresh
        read without counting as a retry, and a refusal is only raised after the account has
        been read afresh.

        With an ``idempotency_key`` (a UUID) the events' ids come from the key, so sending the
        same command with the same key again returns the original result and writes nothing.

        With an ``expected_version`` (the version the caller saw) the command is decided only
        if the account is still at that version; otherwise, or if another writer appends
        first, it raises ``ConcurrencyConflict`` at once: the caller's view is out of date,
        so deciding again here would not be what the caller asked for.
        """
        _check_command(command)
        require_optional_int("expected_version", expected_version)
        if idempotency_key is not None:
            require_uuid("idempotency_key", idempotency_key)
            earlier = earlier_results(self.store, [command], [idempotency_key])
            if earlier:
                return earlier[0]
        conflicts = 0
        while True:
            state, cached = self._cache.get_or_load(command.account_id, self._state)
            try:
                if expected_version is not None and state.version != expected_version:
                    raise ConcurrencyConflict(command.account_id, expected_version, state.version)
                return self._attempt(command, state, idempotency_key, attempt=conflicts + 1)
            except DomainError:
                if not cached:
                    raise
            except ConcurrencyConflict:
                if not cached:
                    if expected_version is not None:
                        raise
                    conflicts += 1
                    if not self.retries.again(conflicts):
                        raise
            except DuplicateEventId:
                # The same key, sent again at the same moment, won the race: its result is ours.
                earlier = earlier_results(self.store, [command], [idempotency_key])
                if not earlier:
                    raise
                return earlier[0]
            self._cache.drop(command.account_id)  # out of date: decide again from the events

    def _attempt(
        self, command: Command, state: BankAccount, key: UUID | None, *, attempt: int
    ) -> CommandResult:
        """One try: decide against ``state``, append at its version, remember the new state."""
        events = decide(command, state)
        appended = self.store.append(
            command.account_id,
            events,
            expected_version=state.version,
            event_ids=self._event_ids(len(events), key),
            metadata=metadata(command, key),
        )
        after = replay(events, state)
        self._cache.put(after)
        self._maybe_snapshot(state.version, after)
        return CommandResult(
            status="accepted",
            aggregate_id=command.account_id,
            new_version=appended.new_version,
            position=appended.last_position,
            events=events,
            attempts=attempt,
        )

    def handle_batch(
        self,
        commands: Sequence[Command],
        *,
        idempotency_keys: Sequence[UUID | None] | None = None,
        expected_versions: Sequence[int | None] | None = None,
    ) -> list[CommandResult | CommandRejected]:
        """Decide many commands in order and commit all accepted ones in one append.

        The single-writer idea: each command is judged against the state left by the commands
        before it, a refused command adds nothing, and one INSERT stores every accepted event.
        Returns one outcome per command, in order. On a concurrency conflict nothing is
        written; the batch is decided again from fresh state (up to ``max_retries`` times).
        ``idempotency_keys`` (one key or None per command) work as in ``handle``: a command
        whose key is already stored gets its original result and is not decided again.
        ``expected_versions`` (one int or None per command) refuse a command whose account is
        not at that version by its turn: its outcome carries a ``ConcurrencyConflict``.
        """
        if isinstance(commands, COMMAND_TYPES) or not isinstance(commands, Sequence):
            raise InvalidCommand("handle_batch takes a list of commands")
        for i, command in enumerate(commands):
            _check_command(command, where=f"commands[{i}]")
        keys = _check_keys(idempotency_keys, len(commands))
        expected = _check_expected(expected_versions, len(commands))
        earlier = earlier_results(self.store, commands, keys)
        todo = [i for i in range(len(commands)) if i not in earlier]
        decided = iter(
            self._decide_and_commit(
                [commands[i] for i in todo], [keys[i] for i in todo], [expected[i] for i in todo]
            )
        )
        return [earlier[i] if i in earlier else next(decided) for i in range(len(commands))]

    def _decide_and_commit(
        self, commands: list[Command], keys: list[UUID | None], expected: list[int | None]
    ) -> list[CommandResult | CommandRejected]:
        """handle_batch's loop: decide in order, commit in one append, retry on conflict."""
        accounts = list(dict.fromkeys(c.account_id for c in commands))
        conflicts, use_cache = 0, True
        while commands:
            states, cached = self._states(accounts, use_cache=use_cache)
            use_cache = False  # only the first try may trust the cache
            plan = decide_batch(commands, states, expected)
            if cached and any(not isinstance(p, Decided) for p in plan):
                continue  # a refusal may come from an out-of-date cached state: decide afresh
            try:
                return self._commit(commands, keys, plan, states, attempt=conflicts + 1)
            except ConcurrencyConflict:
                for account_id in accounts:
                    self._cache.drop(account_id)
                if not cached:
                    conflicts += 1
                    if not self.retries.again(conflicts):
                        raise
        return []

    def _commit(
        self,
        commands: Sequence[Command],
        keys: Sequence[UUID | None],
        plan: list[Decided | Refusal],
        states: dict[UUID, BankAccount],
        *,
        attempt: int,
    ) -> list[CommandResult | CommandRejected]:
        """Append every accepted command's events in one batch; one outcome per command."""
        accepted = [
            (c, k, p)
            for c, k, p in zip(commands, keys, plan, strict=True)
            if isinstance(p, Decided)
        ]
        appends = [
            StreamAppend(
                c.account_id,
                p.events,
                expected_version=p.before.version,
                event_ids=self._event_ids(len(p.events), k),
                metadata=metadata(c, k),
            )
            for c, k, p in accepted
        ]
        appended = iter(self.store.append_batch(appends) if appends else [])
        for account_id, after in {p.after.id: p.after for _, _, p in accepted}.items():
            self._cache.put(after)
            self._maybe_snapshot(states[account_id].version, after)
        outcomes: list[CommandResult | CommandRejected] = []
        for command, p in zip(commands, plan, strict=True):
            if not isinstance(p, Decided):
                outcomes.append(CommandRejected("rejected", command.account_id, command, p))
                continue
            result = next(appended)
            outcomes.append(
                CommandResult(
                    "accepted",
                    command.account_id,
                    result.new_version,
                    result.last_position,
                    p.events,
                    attempt,
                )
            )
        return outcomes

    def open_account(self, owner: str, initial_balance: int = 0) -> CommandResult:
        """Open a new account with an id from ``new_id``; the result carries the id."""
        return self.handle(OpenAccount(self._next_id(), owner, initial_balance))

    def _event_ids(self, count: int, key: UUID | None) -> list[UUID]:
        return event_ids(key, count) if key is not None else [self._next_id() for _ in range(count)]

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
        require_uuid("account_id", account_id)
        require_optional_int("as_of_version", as_of_version, minimum=1)
        require_optional_aware("as_of", as_of)
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
        require_uuid("account_id", account_id)
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
        require_uuid("account_id", account_id)
        recorded = self.store.read_stream(account_id)
        if not recorded:
            raise AccountNotOpen(account_id, what)
        return recorded
