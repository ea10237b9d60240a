"""Command throughput: esbank's single-command and batched paths against ``eventsourcing``.

Workload (the same for every contender): ``--accounts`` accounts, each opened and given 9
deposits (10 prior events), then ``--deposits`` deposits of 1 cent, round robin over the
accounts, each one a separate command; file-backed stores in a temporary folder. Every
contender runs ``--rounds`` times, interleaved; the medians are reported as ratios against
``eventsourcing`` on SQLite, measured in the same run.

Run: ``.venv/bin/pip install -e '.[bench]' && .venv/bin/python benchmarks/bench_commands.py``
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

import duckdb

from esbank import Bank, DepositMoney, DuckDBEventStore
from esbank.eventstore.duckdb_rows import COLUMNS

Contender = Callable[[Path, int, int], float]


def esbank_handle(folder: Path, accounts: int, deposits: int) -> float:
    """``Bank.handle``: one command, one append (one INSERT statement) at a time."""
    with DuckDBEventStore(folder / "handle.duckdb") as store:
        bank = Bank(store)
        ids = _esbank_accounts(bank, accounts)
        start = time.perf_counter()
        for n in range(deposits):
            bank.handle(DepositMoney(ids[n % accounts], 1))
        return deposits / (time.perf_counter() - start)


def esbank_batch(folder: Path, accounts: int, deposits: int, batch: int = 250) -> float:
    """``Bank.handle_batch``: the single writer commits ``batch`` commands per INSERT."""
    with DuckDBEventStore(folder / "batch.duckdb") as store:
        bank = Bank(store)
        ids = _esbank_accounts(bank, accounts)
        commands = [DepositMoney(ids[n % accounts], 1) for n in range(deposits)]
        start = time.perf_counter()
        for i in range(0, deposits, batch):
            outcomes = bank.handle_batch(commands[i : i + batch])
            assert all(o.status == "accepted" for o in outcomes)
        return deposits / (time.perf_counter() - start)


def _esbank_accounts(bank: Bank, accounts: int) -> list[UUID]:
    ids = []
    for i in range(accounts):
        account = bank.open_account(f"owner {i}", 1_000).aggregate_id
        for _ in range(9):
            bank.handle(DepositMoney(account, 100))
        ids.append(account)
    return ids


def eventsourcing_app(env: dict[str, str]) -> Contender:
    """The same workload through the ``eventsourcing`` library's Application."""

    def run(folder: Path, accounts: int, deposits: int) -> float:
        from es_accounts import Accounts  # the optional dependency is imported only here

        settings = {k: v.replace("{folder}", str(folder)) for k, v in env.items()}
        app = Accounts(env=settings)
        ids = []
        for i in range(accounts):
            account_id = app.open(f"owner {i}", 1_000)
            for _ in range(9):
                app.deposit(account_id, 100)
            ids.append(account_id)
        start = time.perf_counter()
        for n in range(deposits):
            app.deposit(ids[n % accounts], 1)
        elapsed = time.perf_counter() - start
        app.close()
        return deposits / elapsed

    return run


def bare_inserts(folder: Path, accounts: int, deposits: int) -> float:
    """Not a contender but the floor: single-row INSERTs (autocommit) into a two-column
    table with a primary key, in a DuckDB file: what one statement costs here."""
    conn = duckdb.connect(str(folder / "bare.duckdb"))
    conn.execute("SET threads = 1")
    conn.execute("CREATE TABLE t (id BIGINT PRIMARY KEY, v BIGINT)")
    start = time.perf_counter()
    for i in range(deposits):
        conn.execute("INSERT INTO t VALUES (?, ?)", [i, i])
    elapsed = time.perf_counter() - start
    conn.close()
    return deposits / elapsed


def events_inserts(folder: Path, accounts: int, deposits: int) -> float:
    """The floor for esbank's own table: the same single-row INSERTs (autocommit), each one
    finished event row, into the store's ``events`` table with its keys and index."""
    path = folder / "events_floor.duckdb"
    DuckDBEventStore(path).close()  # creates the real table, then lets go of the file
    conn = duckdb.connect(str(path))
    conn.execute("SET threads = 1")
    stamp = datetime(2026, 1, 1, tzinfo=UTC)
    ids = [UUID(int=(0xACC << 112) | a) for a in range(accounts)]
    rows = [
        (i + 1, ids[i % accounts], i // accounts + 1, UUID(int=(0xE7 << 112) | i),
         "MoneyDeposited", 1, '{"amount":1}', "{}", stamp)
        for i in range(deposits)
    ]
    sql = f"INSERT INTO events ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
    start = time.perf_counter()
    for row in rows:
        conn.execute(sql, row)
    elapsed = time.perf_counter() - start
    conn.close()
    return deposits / elapsed


SQLITE = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": "{folder}/es.sqlite"}
CONTENDERS: dict[str, Contender] = {
    "eventsourcing + SQLite": eventsourcing_app(SQLITE),
    # Its aggregate cache keeps recently used aggregates, as esbank's Bank does.
    "eventsourcing + SQLite, cache": eventsourcing_app(
        {**SQLITE, "AGGREGATE_CACHE_MAXSIZE": "1000"}
    ),
    "eventsourcing in memory": eventsourcing_app({}),
    "bare single-row INSERT (floor)": bare_inserts,
    "single-row INSERT into events (floor)": events_inserts,
    "esbank Bank.handle": esbank_handle,
    "esbank Bank.handle_batch": esbank_batch,
}
BASELINE = "eventsourcing + SQLite"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--accounts", type=int, default=20)
    parser.add_argument("--deposits", type=int, default=1000)
    args = parser.parse_args()
    rates: dict[str, list[float]] = {name: [] for name in CONTENDERS}
    for r in range(args.rounds):
        for name, run in CONTENDERS.items():
            with tempfile.TemporaryDirectory() as tmp:
                rates[name].append(run(Path(tmp), args.accounts, args.deposits))
        print(
            f"round {r + 1}/{args.rounds}: "
            + ", ".join(f"{name} {rates[name][-1]:,.0f}/s" for name in CONTENDERS)
        )
    base = statistics.median(rates[BASELINE])
    print(
        f"\n{args.deposits} deposits on {args.accounts} accounts with 10 prior events each, "
        f"file-backed, median of {args.rounds} rounds"
    )
    print(f"{'contender':38s} {'commands/s':>12s} {'ratio':>8s}")
    for name, values in rates.items():
        median = statistics.median(values)
        print(f"{name:38s} {median:12,.0f} {median / base:7.2f}x")
    handle = statistics.median(rates["esbank Bank.handle"])
    floor = statistics.median(rates["bare single-row INSERT (floor)"])
    own = statistics.median(rates["single-row INSERT into events (floor)"])
    cached = statistics.median(rates["eventsourcing + SQLite, cache"])
    print(
        f"\nBank.handle: {handle / floor:.2f}x the bare INSERT rate, "
        f"{handle / cached:.2f}x eventsourcing + SQLite with its aggregate cache; "
        f"an INSERT of one finished row into the events table alone runs at "
        f"{own / floor:.2f}x the bare rate, so Bank.handle reaches {handle / own:.0%} of it"
    )


if __name__ == "__main__":
    main()
