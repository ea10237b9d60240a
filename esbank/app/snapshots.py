"""Snapshots of account state: encode, decode, and load "snapshot + tail" with a report.

A snapshot is a cache of ``replay`` at one version. It is never trusted blindly: one that is
corrupt, of another schema version, or beyond the stream's version is ignored with a
``SnapshotIgnored`` warning, deleted, and the state is rebuilt from the events.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from esbank.domain.account import BankAccount, evolve, replay
from esbank.domain.errors import EsbankError, InvalidHistory
from esbank.domain.money import INT64_MAX, OWNER_MAX_LENGTH
from esbank.eventstore.protocol import EventStore
from esbank.eventstore.snapshot_store import DuckDBSnapshotStore, StoredSnapshot

SNAPSHOT_SCHEMA_VERSION = 1
_FIELDS = ("owner", "balance", "version", "is_open", "is_closed")


class SnapshotIgnored(UserWarning):
    """A snapshot could not be trusted; the state was rebuilt from events instead."""


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
    snapshots: DuckDBSnapshotStore | None,
    account_id: UUID,
    *,
    to_version: int | None = None,
) -> tuple[BankAccount, LoadReport]:
    """The state at ``to_version`` (default: the newest), from the best trusted snapshot."""
    ignored: list[str] = []
    while snapshots is not None:
        stored = snapshots.latest(account_id, at_most=to_version)
        if stored is None:
            break
        try:
            start = decode_state(stored)
            # Read from the snapshot's own version: its event must exist, or the snapshot
            # claims more history than the stream has.
            tail = events.read_stream(
                account_id, from_version=stored.version, to_version=to_version
            )
            if not tail or tail[0].version != stored.version:
                raise _Unusable(
                    f"snapshot of {account_id} at version {stored.version} is beyond the "
                    f"stream, which has {events.stream_version(account_id)} events"
                )
            try:
                state = replay((r.event for r in tail[1:]), start)
            except InvalidHistory as exc:
                # The events after it cannot follow it, so the snapshot is wrong (if the log
                # itself is broken, the full replay below raises this again).
                raise _Unusable(
                    f"snapshot of {account_id} at version {stored.version} does not fit the "
                    f"events after it: {exc}"
                ) from None
        except _Unusable as why:
            warnings.warn(SnapshotIgnored(f"{why}; rebuilding from events"), stacklevel=3)
            ignored.append(str(why))
            snapshots.delete(account_id, version=stored.version)
            continue
        return _replaced(snapshots, state, ignored), LoadReport(
            account_id, state.version, stored.version, len(tail) - 1, tuple(ignored)
        )
    recorded = events.read_stream(account_id, to_version=to_version)
    state = replay((r.event for r in recorded), account_id=account_id)
    state = _replaced(snapshots, state, ignored)
    return state, LoadReport(account_id, state.version, None, len(recorded), tuple(ignored))


def _replaced(
    snapshots: DuckDBSnapshotStore | None, state: BankAccount, ignored: list[str]
) -> BankAccount:
    """After ignoring snapshots, store a trusted one of the state just rebuilt."""
    if ignored and snapshots is not None and state.version > 0:
        snapshots.save(state.id, state.version, SNAPSHOT_SCHEMA_VERSION, encode_state(state))
    return state


def rebuild_snapshots(
    events: EventStore, snapshots: DuckDBSnapshotStore, account_id: UUID, every: int
) -> list[int]:
    """Delete the account's snapshots and write one at every multiple of ``every``.

    Returns the versions written. Loads give the same states before and after, because a
    snapshot is only ever a saved ``replay``.
    """
    snapshots.delete(account_id)
    state = BankAccount.new(account_id)
    written = []
    for recorded in events.read_stream(account_id):
        state = evolve(state, recorded.event)
        if state.version % every == 0:
            snapshots.save(account_id, state.version, SNAPSHOT_SCHEMA_VERSION, encode_state(state))
            written.append(state.version)
    return written
