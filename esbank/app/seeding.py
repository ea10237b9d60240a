"""Seed a store with a large, realistic, deterministic history through the bulk path.

Every account is opened, then takes deposits and withdrawals; a withdrawal never takes more
than the deposit just before it, so no balance ever goes below zero. Rows go in as a
registered DataFrame with one ``INSERT … SELECT`` per chunk (not ``executemany``), and the
JSON payloads, event ids and timestamps are computed by DuckDB.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from esbank.domain.errors import InvalidArgument
from esbank.domain.events import EVENT_TYPES
from esbank.eventstore.duckdb_store import DuckDBEventStore

SEED_START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

_INSERT = """
INSERT INTO events (position, aggregate_id, version, event_id, event_type, schema_version,
                    payload, metadata, recorded_at)
SELECT position,
       aggregate_id::UUID,
       version,
       ('00000000-5eed-4000-8000-' || lpad(to_hex(position), 12, '0'))::UUID,
       event_type,
       CASE event_type {versions} END,
       CASE event_type
           WHEN 'AccountOpened' THEN json_object('initial_balance', amount, 'owner', owner)
           ELSE json_object('amount', amount)
       END,
       '{{"command": "seed_history"}}',
       recorded_at
FROM {name}
ORDER BY position
"""


# Seeded rows are written at each event type's current schema version.
_CURRENT_VERSIONS = " ".join(
    f"WHEN '{cls.event_type}' THEN {cls.schema_version}" for cls in EVENT_TYPES
)


@dataclass(frozen=True, slots=True)
class SeedResult:
    """What ``seed_history`` wrote."""

    account_ids: tuple[UUID, ...]
    events: int
    first_position: int
    last_position: int


def seed_history(
    store: DuckDBEventStore,
    *,
    accounts: int,
    events_per_account: int,
    seed: int = 0,
    start: datetime = SEED_START,
    spacing: timedelta = timedelta(seconds=1),
    chunk_accounts: int = 2_000,
    progress: bool = True,
) -> SeedResult:
    """Append ``accounts`` new streams of ``events_per_account`` events each, deterministically.

    Events of all accounts are interleaved round robin in time, ``spacing`` apart, starting at
    ``start``; the same arguments always give the same rows.
    """
    for name, value, low in (
        ("accounts", accounts, 1),
        ("events_per_account", events_per_account, 1),
        ("chunk_accounts", chunk_accounts, 1),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise InvalidArgument(f"{name} must be an int >= {low}, got {value!r}")
    if not isinstance(store, DuckDBEventStore):
        raise InvalidArgument(f"store must be a DuckDBEventStore, got {type(store).__name__}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise InvalidArgument(f"seed must be an int >= 0, got {seed!r}")
    if not isinstance(start, datetime) or start.utcoffset() is None:
        raise InvalidArgument(f"start must be a timezone-aware datetime, got {start!r}")
    if not isinstance(spacing, timedelta) or spacing < timedelta(0):
        raise InvalidArgument(f"spacing must be a timedelta >= 0, got {spacing!r}")
    rng = np.random.default_rng(seed)
    ids = [
        UUID(bytes=bytes(rng.integers(0, 256, 16, dtype=np.uint8)), version=4)
        for _ in range(accounts)
    ]
    total = accounts * events_per_account
    with store.bulk() as conn:
        # The ids follow from the seed alone, so a seed used before collides at the first one.
        if store.stream_version(ids[0]):
            raise InvalidArgument(
                f"seed {seed} was already used on this store (account {ids[0]} exists); "
                "seed again with another seed"
            )
        head = store.head_position()
        bar = tqdm(total=total, unit="event", desc="seeding", disable=not progress)
        try:
            for first in range(0, accounts, chunk_accounts):
                block = ids[first : first + chunk_accounts]
                frame = _chunk(
                    rng, block, first, accounts, events_per_account, head, start, spacing
                )
                name = f"esbank_seed_{first}"
                conn.register(name, frame)
                try:
                    conn.execute(_INSERT.format(name=name, versions=_CURRENT_VERSIONS))
                finally:
                    conn.unregister(name)
                bar.update(len(frame))
        finally:
            bar.close()
    return SeedResult(tuple(ids), total, head + 1, head + total)


def _chunk(
    rng: np.random.Generator,
    block: list[UUID],
    first: int,
    accounts: int,
    n: int,
    head: int,
    start: datetime,
    spacing: timedelta,
) -> pd.DataFrame:
    """The rows of accounts ``first … first+len(block)-1``, positions interleaved round robin."""
    k = len(block)
    version = np.tile(np.arange(1, n + 1, dtype=np.int64), k)
    account = np.repeat(np.arange(first, first + k, dtype=np.int64), n)
    # Round robin: event v of every account comes before event v+1 of any account.
    position = head + (version - 1) * accounts + account + 1
    deposit = rng.integers(100, 50_000, size=k * n, dtype=np.int64)
    share = rng.random(size=k * n)
    # After the opening event: odd steps deposit, even steps withdraw part of that deposit.
    step = version - 1
    is_deposit = (step % 2 == 1) | (step == 0)
    previous_deposit = np.roll(deposit, 1)
    withdrawal = np.maximum(1, (previous_deposit * share).astype(np.int64))
    amount = np.where(is_deposit, deposit, withdrawal)
    opening = rng.integers(0, 100_000, size=k, dtype=np.int64)
    amount[step == 0] = opening
    event_type = np.where(
        step == 0, "AccountOpened", np.where(is_deposit, "MoneyDeposited", "MoneyWithdrawn")
    )
    owner = np.where(step == 0, np.char.add("Customer ", (account + 1).astype(str)), None)
    seconds = (position - head - 1) * spacing.total_seconds()
    recorded_at = pd.Timestamp(start) + pd.to_timedelta(seconds, unit="s")
    return pd.DataFrame(
        {
            "position": position,
            "aggregate_id": np.repeat(np.array([str(b) for b in block]), n),
            "version": version,
            "event_type": event_type,
            "amount": amount,
            "owner": owner,
            "recorded_at": recorded_at,
        }
    )
