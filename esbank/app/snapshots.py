"""Snapshots of account state: encode, decode, and load "snapshot + tail" with a report.

A snapshot is a cache of ``replay`` at one version. It is never trusted blindly: one that is
corrupt, of another schema version, or beyond the stream's version is ignored with a
``SnapshotIgnored`` warning, deleted, and the state is rebuilt from the events.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import chain
from typing import Any
from uuid import UUID

from esbank.domain.account import BankAccount, evolve, replay
from esbank.domain.errors import EsbankError, InvalidHistory
from esbank.domain.events import Event
from esbank.domain.money import INT64_MAX, OWNER_MAX_LENGTH
from esbank.eventstore.errors import StoreError
from esbank.eventstore.protocol import EventStore, SnapshotStore
from esbank.eventstore.types import StoredSnapshot

SNAPSHOT_SCHEMA_VERSION = 1
_FIELDS = ("owner", "balance", "version", "is_open", "is_closed")


# A long stream is folded this many events at a time, so a load holds one page in memory.
LOAD_PAGE = 10_000


class SnapshotIgnored(UserWarning):
    """A snapshot could not be trusted; the state was rebuilt from events instead."""


class SnapshotNotSaved(UserWarning):
    """A snapshot could not be read or written. Snapshots are derived data: the command or
    load that needed it went on from the events."""


def _warn(error: StoreError, what: str) -> None:
    warnings.warn(
        SnapshotNotSaved(f"{what} failed ({error}); carried on from the events without it"),
        stacklevel=4,
    )


class _Unusable(EsbankError):
    """Why a stored snapshot cannot be used (turned into a SnapshotIgnored warning)."""


@dataclass(frozen=True, slots=True)
class LoadReport:
    """How a state was obtained: from which snapshot, and how many events were replayed."""

    account_id: UUID
    version: int
    snapshot_version: int | None
    events_replayed: int
    ignored: tuple[str, ...] = ()


def encode_state(state: BankAccount) -> str:
    """The JSON text stored for ``state`` (its id is the row's aggregate_id)."""
    return json.dumps({name: getattr(state, name) for name in _FIELDS}, sort_keys=True)


def decode_state(snapshot: StoredSnapshot) -> BankAccount:
    """Rebuild the state stored in ``snapshot``, or raise ``_Unusable`` saying why not."""
    at = f"snapshot of {snapshot.aggregate_id} at version {snapshot.version}"
    if snapshot.schema_version != SNAPSHOT_SCHEMA_VERSION:
        raise _Unusable(
            f"{at} has schema version {snapshot.schema_version}; this code writes and reads "
            f"version {SNAPSHOT_SCHEMA_VERSION}"
        )
    try:
        data: Any = json.loads(snapshot.state)
    except ValueError as exc:
        raise _Unusable(f"{at} is not valid JSON: {exc}") from None
    if not isinstance(data, dict) or any(name not in data for name in _FIELDS):
        raise _Unusable(f"{at} lacks the fields {', '.join(_FIELDS)}")
    owner, balance, version = data["owner"], data["balance"], data["version"]
    is_open, is_closed = data["is_open"], data["is_closed"]
    sane = (
        isinstance(owner, str)
        and 0 < len(owner) <= OWNER_MAX_LENGTH
        and owner == owner.strip()  # owners are stored trimmed
        and all(type(v) is int for v in (balance, version))
        and all(type(v) is bool for v in (is_open, is_closed))
        and version == snapshot.version >= 1
        and 0 <= balance <= INT64_MAX
        and not (is_open and is_closed)
        and (is_open or is_closed)
        and not (is_closed and balance != 0)  # close needs a zero balance
    )
    if not sane:
        raise _Unusable(f"{at} holds impossible values: {snapshot.state}")
    return BankAccount(snapshot.aggregate_id, owner, balance, version, is_open, is_closed)


def snapshot_due(before: int, after: int, every: int | None) -> bool:
    """True when going from version ``before`` to ``after`` crosses a multiple of ``every``."""
    return every is not None and before // every < after // every


def load_state(
    events: EventStore,
    snapshots: SnapshotStore | None,
    account_id: UUID,
    *,
    to_version: int | None = None,
) -> tuple[BankAccount, LoadReport]:
    """The state at ``to_version`` (default: the newest), from the best trusted snapshot."""
    ignored: list[str] = []
    while snapshots is not None:
        try:
            stored = snapshots.latest(account_id, at_most=to_version)
        except StoreError as error:
            _warn(error, f"reading the snapshots of {account_id}")
            break
        if stored is None:
            break
        try:
            state, replayed = _from_snapshot(events, stored, account_id, to_version)
        except _Unusable as why:
            warnings.warn(SnapshotIgnored(f"{why}; rebuilding from events"), stacklevel=3)
            ignored.append(str(why))
            _forget(snapshots, stored)
            continue
        return _replaced(snapshots, state, ignored), LoadReport(
            account_id, state.version, stored.version, replayed, tuple(ignored)
        )
    state, replayed = fold_stream(events, BankAccount.new(account_id), 1, to_version)
    state = _replaced(snapshots, state, ignored)
    return state, LoadReport(account_id, state.version, None, replayed, tuple(ignored))


def stream_pages(
    events: EventStore, account_id: UUID, from_version: int, to_version: int | None
) -> Iterator[list[Event]]:
    """The stream's domain events ``from_version``..``to_version``, ``LOAD_PAGE`` at a time."""
    while to_version is None or from_version <= to_version:
        upper = from_version + LOAD_PAGE - 1
        if to_version is not None:
            upper = min(upper, to_version)
        page = events.stream_events(account_id, from_version=from_version, to_version=upper)
        if page:
            yield page
        if len(page) < upper - from_version + 1:
            return
        from_version = upper + 1


def fold_stream(
    events: EventStore, state: BankAccount, from_version: int, to_version: int | None
) -> tuple[BankAccount, int]:
    """Fold the stream's events ``from_version``..``to_version`` onto ``state`` page by page;
    returns the state and how many events were folded."""
    folded = 0
    for page in stream_pages(events, state.id, from_version, to_version):
        state = replay(page, state)
        folded += len(page)
    return state, folded


def _from_snapshot(
    events: EventStore, stored: StoredSnapshot, account_id: UUID, to_version: int | None
) -> tuple[BankAccount, int]:
    """The state from ``stored`` plus the events after it, or ``_Unusable`` saying why not.

    The read starts at the snapshot's own version: its event must exist, or the snapshot
    claims more history than the stream has.
    """
    pages = stream_pages(events, account_id, stored.version, to_version)
    first = next(pages, None)
    if first is None:
        raise _Unusable(
            f"snapshot of {account_id} at version {stored.version} is beyond the stream, "
            f"which has {events.stream_version(account_id)} events"
        )
    state, replayed = decode_state(stored), 0
    try:
        for page in chain([first[1:]], pages):
            state = replay(page, state)
            replayed += len(page)
    except InvalidHistory as exc:
        # The events after it cannot follow it, so the snapshot is wrong (if the log itself is
        # broken, the full replay that follows raises this again).
        raise _Unusable(
            f"snapshot of {account_id} at version {stored.version} does not fit the events "
            f"after it: {exc}"
        ) from None
    return state, replayed


def _forget(snapshots: SnapshotStore, stored: StoredSnapshot) -> None:
    try:
        snapshots.delete(stored.aggregate_id, version=stored.version)
    except StoreError as error:
        _warn(error, f"deleting the snapshot of {stored.aggregate_id}")


def save_snapshot(snapshots: SnapshotStore, state: BankAccount) -> bool:
    """Save ``state`` as a snapshot; a failure warns (``SnapshotNotSaved``) and returns False,
    because a snapshot is derived data and never the reason an operation fails."""
    try:
        snapshots.save(state.id, state.version, SNAPSHOT_SCHEMA_VERSION, encode_state(state))
    except StoreError as error:
        _warn(error, f"saving the snapshot of {state.id} at version {state.version}")
        return False
    return True


def _replaced(
    snapshots: SnapshotStore | None, state: BankAccount, ignored: list[str]
) -> BankAccount:
    """After ignoring snapshots, store a trusted one of the state just rebuilt."""
    if ignored and snapshots is not None and state.version > 0:
        save_snapshot(snapshots, state)
    return state


def rebuild_snapshots(
    events: EventStore, snapshots: SnapshotStore, account_id: UUID, every: int
) -> list[int]:
    """Delete the account's snapshots and write one at every multiple of ``every``.

    Returns the versions written. Loads give the same states before and after, because a
    snapshot is only ever a saved ``replay``.
    """
    snapshots.delete(account_id)
    state = BankAccount.new(account_id)
    written = []
    for page in stream_pages(events, account_id, 1, None):
        for event in page:
            state = evolve(state, event)
            if state.version % every == 0:
                snapshots.save(
                    account_id, state.version, SNAPSHOT_SCHEMA_VERSION, encode_state(state)
                )
                written.append(state.version)
    return written
