"""Seed a store with a large, realistic, deterministic history through the bulk path.

Every account is opened, then takes deposits and withdrawals; a withdrawal never takes more
than the deposit just before it, so no balance ever goes below zero. Events are computed a chunk
of accounts at a time, in vectorized form (their fields, ids and times), and written by the
store's all-or-nothing bulk load, which writes the payloads: an interrupted seed leaves
nothing behind.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from esbank.domain.arguments import require_aware, require_int
from esbank.domain.errors import InvalidArgument
from esbank.eventstore.protocol import SqlStore

SEED_START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
# Seeded event ids are 00000000-5eed-4000-8000-<the position in 12 hex digits>.
_ID_HIGH = 0x00000000_5EED_4000
_ID_LOW_BITS = 0x8000_0000_0000_0000
_LOW = 2**64 - 1
_METADATA = '{"command": "seed_history"}'


@dataclass(frozen=True, slots=True)
class SeedResult:
    """What ``seed_history`` wrote."""

    account_ids: tuple[UUID, ...]
    events: int
    first_position: int
    last_position: int


def seed_history(
    store: SqlStore,
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
    for name, value in (
        ("accounts", accounts),
        ("events_per_account", events_per_account),
        ("chunk_accounts", chunk_accounts),
    ):
        require_int(name, value, minimum=1)
    if not isinstance(store, SqlStore):
        raise InvalidArgument(
            f"store must be a DuckDBEventStore or PostgresEventStore, got {type(store).__name__}"
        )
    require_int("seed", seed, minimum=0)
    require_aware("start", start)
    if not isinstance(spacing, timedelta) or spacing < timedelta(0):
        raise InvalidArgument(f"spacing must be a timedelta >= 0, got {spacing!r}")
    rng = np.random.default_rng(seed)
    ids = [
        UUID(bytes=bytes(rng.integers(0, 256, 16, dtype=np.uint8)), version=4)
        for _ in range(accounts)
    ]
    total = accounts * events_per_account
    with store.bulk_load() as load:
        # The ids follow from the seed alone, so a seed used before collides at the first one.
        if load.stream_version(ids[0]):
            raise InvalidArgument(
                f"seed {seed} was already used on this store (account {ids[0]} exists); "
                "seed again with another seed"
            )
        head = load.head()
        with tqdm(total=total, unit="event", desc="seeding", disable=not progress) as bar:
            for first in range(0, accounts, chunk_accounts):
                block = ids[first : first + chunk_accounts]
                frame = _chunk(
                    rng, block, first, accounts, events_per_account, head, start, spacing
                )
                load.insert_events(frame)
                bar.update(len(frame))
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
    owner = np.full(k * n, None, dtype=object)
    owner[step == 0] = [f"Customer {a + 1}" for a in range(first, first + k)]
    seconds = (position - head - 1) * spacing.total_seconds()
    ids = np.array([[b.int >> 64, b.int & _LOW] for b in block], dtype=np.uint64)
    return pd.DataFrame(
        {
            "position": position,
            "aggregate_id_high": np.repeat(ids[:, 0], n),
            "aggregate_id_low": np.repeat(ids[:, 1], n),
            "version": version,
            "event_id_high": np.full(k * n, _ID_HIGH, dtype=np.uint64),
            "event_id_low": (position.astype(np.uint64) | np.uint64(_ID_LOW_BITS)),
            "event_type": event_type,
            "recorded_at": pd.Timestamp(start).tz_convert(UTC) + pd.to_timedelta(seconds, unit="s"),
            "metadata": _METADATA,
            "owner": owner,
            "initial_balance": np.where(step == 0, amount, 0),
            "amount": np.where(step == 0, 0, amount),
        }
    )
