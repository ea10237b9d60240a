"""Seed a store with a large, realistic, deterministic history through the bulk path.

Every account is opened, then takes deposits and withdrawals; a withdrawal never takes more
than the deposit just before it, so no balance ever goes below zero. Rows are computed a chunk
of accounts at a time, in vectorized form (payload JSON, event ids and times included), and
written by the store's all-or-nothing bulk load: an interrupted seed leaves nothing behind.
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
from esbank.domain.events import AccountOpened, MoneyDeposited, MoneyWithdrawn
from esbank.eventstore.protocol import SqlStore

SEED_START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
# Seeded event ids: this prefix and the position in 12 hex digits.
_ID_PREFIX = "00000000-5eed-4000-8000-"
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
                load.insert(frame)
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
    owner = np.where(step == 0, np.char.add("Customer ", (account + 1).astype(str)), None)
    seconds = (position - head - 1) * spacing.total_seconds()
    recorded_at = pd.Timestamp(start).tz_convert(UTC) + pd.to_timedelta(seconds, unit="s")
    text = pd.Series(amount).astype(str)
    opened = pd.Series(step == 0)
    payload = ('{"amount":' + text + "}").where(
        ~opened, '{"initial_balance":' + text + ',"owner":"' + pd.Series(owner) + '"}'
    )
    versions = {
        "AccountOpened": AccountOpened.schema_version,
        "MoneyDeposited": MoneyDeposited.schema_version,
        "MoneyWithdrawn": MoneyWithdrawn.schema_version,
    }
    return pd.DataFrame(
        {
            "position": position,
            "aggregate_id": np.repeat(np.array([str(b) for b in block]), n),
            "version": version,
            "event_id": _ID_PREFIX + pd.Series(position).map("{:012x}".format),
            "event_type": event_type,
            "schema_version": pd.Series(event_type).map(versions).astype("int32"),
            "payload": payload,
            "metadata": _METADATA,
            "recorded_at": recorded_at,
        }
    )
