"""What a load costs on a real store, without and with snapshots (notebooks 04 and 08).

:func:`replay_cost_table` counts the events each load replays (``LoadReport``), which is the
same on every machine and every run; :func:`time_loads` measures milliseconds, for a cell
whose output is not compared.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from uuid import UUID

import pandas as pd

from esbank.app.bank import Bank
from esbank.app.seeding import seed_history
from esbank.domain.arguments import require_int
from esbank.domain.errors import InvalidArgument
from esbank.teach.determinism import memory_store

COST_COLUMNS = ["stream_length", "replayed_without", "replayed_with", "snapshot_version"]
TIMING_COLUMNS = ["stream_length", "ms_without", "ms_with", "speedup"]
EVENT_ID_PREFIX = 0x5
"""Prefix of the event ids of the stores built here (seeded events carry their own ids)."""


def _lengths(lengths: object) -> list[int]:
    if isinstance(lengths, str | bytes) or not isinstance(lengths, Sequence | range):
        raise InvalidArgument(
            f"lengths must be a list of stream lengths, e.g. [10, 100, 1000], got {lengths!r}"
        )
    values = [require_int("each stream length", n, minimum=1) for n in lengths]
    if not values:
        raise InvalidArgument("lengths is empty; give at least one stream length, e.g. [100]")
    return values


def _seeded(length: int, every: int, seed: int) -> tuple[Bank, Bank, UUID]:
    """A fresh in-memory store holding one account of ``length`` events, with its snapshots.

    Returns a bank that uses snapshots, one that does not (same store), and the account.
    """
    store = memory_store(EVENT_ID_PREFIX)
    seeded = seed_history(store, accounts=1, events_per_account=length, seed=seed, progress=False)
    account = seeded.account_ids[0]
    with_snapshots = Bank(store, snapshot_every=every)
    with_snapshots.rebuild_snapshots(account)
    return with_snapshots, Bank(store), account


def replay_cost_table(lengths: Sequence[int], every: int, *, seed: int = 0) -> pd.DataFrame:
    """Events replayed to load an account of each length, without and with snapshots.

    Measured with ``Bank.load_with_report`` on one seeded account of ``max(lengths)`` events
    whose snapshots sit at every multiple of ``every``. A load as of version ``L`` does the
    same work as loading the newest state of a stream of ``L`` events: the same snapshot is
    the newest at or below ``L``, and the same tail follows it. Deterministic.
    """
    values, interval = _lengths(lengths), require_int("every", every, minimum=1)
    with_snapshots, without, account = _seeded(max(values), interval, seed)
    rows = []
    try:
        for length in values:
            _, plain = without.load_with_report(account, as_of_version=length)
            _, fast = with_snapshots.load_with_report(account, as_of_version=length)
            rows.append(
                (length, plain.events_replayed, fast.events_replayed, fast.snapshot_version)
            )
    finally:
        with_snapshots.store.close()
    frame = pd.DataFrame(rows, columns=COST_COLUMNS)
    return frame.astype(
        {
            "stream_length": "int64",
            "replayed_without": "int64",
            "replayed_with": "int64",
            "snapshot_version": "Int64",
        }
    )


def time_loads(
    lengths: Sequence[int], every: int, *, repeats: int = 5, seed: int = 0
) -> pd.DataFrame:
    """Milliseconds to load an account of each length, without and with snapshots.

    The best of ``repeats`` loads each (the least disturbed by other work on the machine), on
    the same seeded account as :func:`replay_cost_table`. Timings differ from run to run and
    machine to machine: show them only in a cell tagged ``nbval-ignore-output``.
    """
    values, interval = _lengths(lengths), require_int("every", every, minimum=1)
    rounds = require_int("repeats", repeats, minimum=1)
    with_snapshots, without, account = _seeded(max(values), interval, seed)

    def best_ms(bank: Bank, length: int) -> float:
        samples = []
        for _ in range(rounds):
            start = time.perf_counter()
            bank.load(account, as_of_version=length)
            samples.append((time.perf_counter() - start) * 1_000)
        return min(samples)

    rows = []
    try:
        for length in values:
            plain, fast = best_ms(without, length), best_ms(with_snapshots, length)
            rows.append((length, round(plain, 2), round(fast, 2), round(plain / fast, 1)))
    finally:
        with_snapshots.store.close()
    return pd.DataFrame(rows, columns=TIMING_COLUMNS)
