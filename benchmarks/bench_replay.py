"""Replay, snapshots and bulk seeding: how fast esbank rebuilds state and writes history.

Three measurements in one run, on file-backed stores in a temporary folder:

1. **Rehydrating one account** of ``--account-events`` events (default 10,000): a full
   replay (``Bank`` without snapshots: ``read_stream`` of every event, then ``evolve`` over
   them) against a snapshot load (``Bank(snapshot_every=100)``, snapshots written by
   ``rebuild_snapshots``; the load reads the newest snapshot and replays the events after
   it). Two snapshot loads are timed: the latest state (the newest snapshot is at the last
   event, nothing to replay) and ``as_of_version`` one short of it (the worst case: 99 events
   after the snapshot). Medians of ``--rounds`` rounds, reported as "snapshot load is N×
   faster than full replay", with the events each load replayed (from ``load_with_report``).
2. **Full replay throughput** in events/s: ``read_stream`` + replay of that account, and
   ``read_all`` (in pages of 100,000) plus folding every event into its account's state, over
   a store seeded with ``--events`` events (default 1,000,000).
   The full replay is also timed against the ``eventsourcing`` library (SQLite, no
   snapshots) getting an aggregate of the same length from its repository (bench extra).
3. **Bulk seeding throughput** in events/s: ``seed_history`` of ``--events`` events into a new
   file store, against a same-run baseline: one ``INSERT`` of a registered DataFrame holding
   the same number of finished rows (payloads already JSON text) into a table with the same
   columns but no keys and no index. The ratio is what the keys, the index and computing the
   rows cost.
4. **Loading one account of ``--events`` events** in a fresh process: seconds, and how much
   the process's peak memory grew (``Bank.load`` folds the stream in pages).

Run: ``.venv/bin/python benchmarks/bench_replay.py`` (about a minute; ``--events 200000`` for a
quick look).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from uuid import UUID

import duckdb
import numpy as np
import pandas as pd

from esbank import Bank, BankAccount, DuckDBEventStore, evolve
from esbank.app.seeding import SEED_START, seed_history
from esbank.app.snapshots import LOAD_PAGE

SNAPSHOT_EVERY = 100
PAGE = 100_000


def median_seconds(run: Callable[[], object], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def quiet(store: DuckDBEventStore) -> None:
    """No DuckDB progress bar in the printed output."""
    store.connection.execute("SET enable_progress_bar = false")


# -- 1 and 2a: one long account --------------------------------------------------------------
def eventsourcing_replay(folder: Path, events: int, rounds: int) -> float | None:
    """Median seconds for ``eventsourcing`` (SQLite, no snapshots) to get an aggregate of
    ``events`` events from its repository; None when the bench extra is not installed."""
    try:
        from es_accounts import Account, Accounts
    except ImportError:
        return None
    app = Accounts(
        env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(folder / "es.db")}
    )
    account = Account("owner", 1_000)
    for _ in range(events - 1):
        account.deposit(1)
    app.save(account)
    seconds = median_seconds(lambda: app.repository.get(account.id), rounds)
    assert app.repository.get(account.id).balance == 1_000 + events - 1
    app.close()
    return seconds


def rehydrate(folder: Path, events: int, rounds: int) -> None:
    with DuckDBEventStore(folder / "account.duckdb") as store:
        quiet(store)
        account = seed_history(store, accounts=1, events_per_account=events, progress=False)
        account_id = account.account_ids[0]
        plain = Bank(store)
        snapping = Bank(store, snapshot_every=SNAPSHOT_EVERY)
        written = snapping.rebuild_snapshots(account_id)
        short = events - 1  # as_of_version: the newest snapshot at or below is ~99 back

        # The three loads must agree before any of them is timed.
        assert plain.load(account_id) == snapping.load(account_id)
        assert plain.load(account_id, as_of_version=short) == snapping.load(
            account_id, as_of_version=short
        )
        _, full_report = plain.load_with_report(account_id)
        _, latest_report = snapping.load_with_report(account_id)
        _, short_report = snapping.load_with_report(account_id, as_of_version=short)

        # Interleave the contenders round by round, so drift hits all of them alike.
        full, latest, worst, query = [], [], [], []
        beyond = events + 1  # an empty read: the cost of one query and nothing else
        for _ in range(rounds):
            query.append(
                median_seconds(
                    lambda: store.stream_events(account_id, from_version=beyond, to_version=beyond),
                    5,
                )
            )
            full.append(median_seconds(lambda: plain.load(account_id), 1))
            latest.append(median_seconds(lambda: snapping.load(account_id), 1))
            worst.append(median_seconds(lambda: snapping.load(account_id, as_of_version=short), 1))
        t_full, t_latest, t_worst, t_query = (
            statistics.median(x) for x in (full, latest, worst, query)
        )

    print(f"1. Rehydrate one account of {events:,} events (median of {rounds} rounds)")
    print(f"   snapshots: every {SNAPSHOT_EVERY} events, {len(written)} written by rebuild")
    print(f"   {'load':44s} {'ms':>9s} {'events replayed':>16s}")
    print(
        f"   {'full replay (Bank without snapshots)':44s} {t_full * 1e3:9.2f} "
        f"{full_report.events_replayed:16,d}"
    )
    print(
        f"   {'snapshot load, latest':44s} {t_latest * 1e3:9.2f} "
        f"{latest_report.events_replayed:16,d}"
    )
    print(
        f"   {f'snapshot load, as_of_version={short:,}':44s} {t_worst * 1e3:9.2f} "
        f"{short_report.events_replayed:16,d}"
    )
    print(f"   snapshot load is {t_full / t_latest:,.0f}× faster than full replay (latest)")
    print(
        f"   snapshot load is {t_full / t_worst:,.0f}× faster than full replay "
        f"(worst case, {short_report.events_replayed} events after the snapshot)"
    )
    print(
        f"   floor: a snapshot load is two queries (the snapshot row, then the stream from the "
        f"snapshot's version); one empty read on this store takes {t_query * 1e3:.2f} ms, so "
        f"the best ratio here is about {t_full / (2 * t_query):,.0f}×"
    )
    print()
    peer = eventsourcing_replay(folder, events, rounds)
    if peer is not None:
        print(
            f"   eventsourcing + SQLite, repository.get of the same length: {peer * 1e3:.2f} ms; "
            f"esbank's full replay is {peer / t_full:.1f}× faster"
        )
    print()
    print("2. Full replay throughput")
    print(
        f"   read_stream + replay of the {events:,}-event account: "
        f"{events / t_full:12,.0f} events/s"
    )


# -- 2b and 3: a million events --------------------------------------------------------------
def seed_file(path: Path, events: int, accounts: int) -> float:
    """Seconds to seed ``events`` events over ``accounts`` accounts into a new file store."""
    with DuckDBEventStore(path) as store:
        quiet(store)
        start = time.perf_counter()
        result = seed_history(
            store, accounts=accounts, events_per_account=events // accounts, progress=False
        )
        store.connection.execute("CHECKPOINT")  # in the file, as the baseline's rows are
        elapsed = time.perf_counter() - start
        assert store.head_position() == result.events == events
    return elapsed


BASELINE_TABLE = """
CREATE TABLE events (
    position BIGINT, aggregate_id UUID, version BIGINT, event_id UUID, event_type TEXT,
    schema_version INTEGER, payload JSON, metadata JSON, recorded_at TIMESTAMPTZ
)
"""


def baseline_rows(events: int, accounts: int) -> pd.DataFrame:
    """Finished rows shaped like seeded ones (not timed): the baseline only inserts them."""
    n = events // accounts
    position = np.arange(1, events + 1, dtype=np.int64)
    account = (position - 1) % accounts
    version = (position - 1) // accounts + 1
    ids = np.array([str(UUID(int=(0xACC << 112) | a)) for a in range(accounts)])
    amount = (position * 7919) % 50_000 + 1
    return pd.DataFrame(
        {
            "position": position,
            "aggregate_id": ids[account],
            "version": version,
            "event_id": [str(UUID(int=(0xE7 << 112) | int(p))) for p in position],
            "event_type": np.where(version == 1, "AccountOpened", "MoneyDeposited"),
            "schema_version": np.ones(events, dtype=np.int32),
            "payload": [f'{{"amount":{a}}}' for a in amount],
            "metadata": '{"command":"seed_history"}',
            "recorded_at": pd.Timestamp(SEED_START) + pd.to_timedelta(position - 1, unit="s"),
        }
    ).iloc[: n * accounts]


def insert_baseline(path: Path, frame: pd.DataFrame) -> float:
    """Seconds for one INSERT of ``frame`` into a keyless table in a new file database."""
    conn = duckdb.connect(str(path))
    try:
        conn.execute("SET TimeZone = 'UTC'")
        conn.execute("SET enable_progress_bar = false")
        conn.execute(BASELINE_TABLE)
        conn.register("rows", frame)
        start = time.perf_counter()
        conn.execute("INSERT INTO events SELECT * FROM rows")
        conn.execute("CHECKPOINT")
        elapsed = time.perf_counter() - start
        assert conn.execute("SELECT count(*) FROM events").fetchone() == (len(frame),)
        return elapsed
    finally:
        conn.close()


def read_all_replay(path: Path) -> tuple[int, int, float, float]:
    """(events, accounts, seconds in read_all, seconds folding) over the store, page by page."""
    with DuckDBEventStore(path) as store:
        quiet(store)
        states: dict[UUID, BankAccount] = {}
        after = 0
        reading = folding = 0.0
        while True:
            start = time.perf_counter()
            page = store.read_all(after_position=after, limit=PAGE)
            reading += time.perf_counter() - start
            if not page:
                break
            start = time.perf_counter()
            for recorded in page:
                state = states.get(recorded.aggregate_id) or BankAccount.new(recorded.aggregate_id)
                states[recorded.aggregate_id] = evolve(state, recorded.event)
            folding += time.perf_counter() - start
            after = page[-1].position
    return after, len(states), reading, folding


def fetch_and_parse_floor(path: Path) -> float:
    """Seconds to fetch the same pages as columns and ``json.loads`` every payload, building
    no event: what DuckDB and Python's JSON parser alone cost for this read."""
    conn = duckdb.connect(str(path), read_only=True)
    try:
        after, start = 0, time.perf_counter()
        while True:
            columns = conn.execute(
                "SELECT position, aggregate_id::VARCHAR AS id, event_type, schema_version, "
                "payload, recorded_at FROM events WHERE position > ? ORDER BY position LIMIT ?",
                [after, PAGE],
            ).fetchnumpy()
            if len(columns["position"]) == 0:
                break
            for text in columns["payload"]:
                json.loads(text)
            after = int(columns["position"][-1])
        return time.perf_counter() - start
    finally:
        conn.close()


def bulk(folder: Path, events: int, accounts: int, rounds: int) -> None:
    frame = baseline_rows(events, accounts)
    seeds, inserts = [], []
    for r in range(rounds):
        seeds.append(seed_file(folder / f"seeded_{r}.duckdb", events, accounts))
        inserts.append(insert_baseline(folder / f"baseline_{r}.duckdb", frame))
    count, states, reading, folding = read_all_replay(folder / "seeded_0.duckdb")
    floor = fetch_and_parse_floor(folder / "seeded_0.duckdb")
    print(
        f"   read_all + fold over a seeded store of {count:,} events ({states:,} accounts, "
        f"pages of {PAGE:,}): {count / (reading + folding):12,.0f} events/s"
    )
    rows = [
        ("read_all alone (fetch, decode, build events)", count / reading),
        ("the fold alone (evolve)", count / folding),
    ]
    for what, rate in rows:
        print(f"     {what:50s} {rate:12,.0f} events/s")
    print(
        f"     {'floor: fetch the columns, json.loads, no events':50s} {count / floor:12,.0f}"
        " events/s"
        f" (read_all reaches {floor / reading:.0%} of it)"
    )
    print()
    seed_rate = events / statistics.median(seeds)
    insert_rate = len(frame) / statistics.median(inserts)
    print(f"3. Bulk seeding into a file store, {events:,} events (median of {rounds} rounds)")
    print(f"   {'seed_history (rows computed, keys, index)':48s} {seed_rate:12,.0f} events/s")
    print(f"   {'baseline: one DataFrame INSERT, no keys':48s} {insert_rate:12,.0f} rows/s")
    print(f"   seed_history runs at {seed_rate / insert_rate:.2f}× the baseline's rate")


LOAD_CHILD = """
import gc, resource, sys, time
from uuid import UUID
from esbank import Bank, DuckDBEventStore
store = DuckDBEventStore(sys.argv[1])
bank, account = Bank(store), UUID(sys.argv[2])
bank.load(account, as_of_version=10)  # imports and the first query, before measuring
gc.collect()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
state = bank.load(account)
seconds = time.perf_counter() - start
grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
print(seconds, grown * 1024, state.version)
"""


def load_long_account(folder: Path, events: int) -> None:
    """Load one account of ``events`` events in a fresh process: seconds and peak memory."""
    path = folder / "long.duckdb"
    with DuckDBEventStore(path) as store:
        quiet(store)
        account = seed_history(store, accounts=1, events_per_account=events, progress=False)
    out = subprocess.run(
        [sys.executable, "-c", LOAD_CHILD, str(path), str(account.account_ids[0])],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    seconds, grown, version = float(out[0]), int(out[1]), int(out[2])
    assert version == events
    print(
        f"4. Loading one account of {events:,} events (Bank.load, pages of "
        f"{LOAD_PAGE:,}, a fresh process): {seconds:.2f} s, peak memory +{grown / 2**20:.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--account-events", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--accounts", type=int, default=1_000, help="accounts for --events")
    parser.add_argument("--rounds", type=int, default=7, help="rounds of the account loads")
    parser.add_argument("--seed-rounds", type=int, default=3, help="rounds of the bulk part")
    args = parser.parse_args()
    if args.events % args.accounts:
        parser.error("--events must be a multiple of --accounts")
    print(f"duckdb {duckdb.__version__}, pandas {pd.__version__}\n")
    with tempfile.TemporaryDirectory() as tmp:
        rehydrate(Path(tmp), args.account_events, args.rounds)
        bulk(Path(tmp), args.events, args.accounts, args.seed_rounds)
        print()
        load_long_account(Path(tmp), args.events)


if __name__ == "__main__":
    main()
