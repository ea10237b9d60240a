"""Deposit rate of ``Bank.handle`` on accounts with 10 prior events, in a file-backed store.

Run: ``.venv/bin/python benchmarks/bench_deposit.py``. Prints the median of several rounds and,
as a same-process baseline, the rate of bare single-row INSERT statements into a DuckDB table,
so the figure can be read as "how many INSERT statements one command costs".
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import duckdb

from esbank import Bank, DepositMoney, DuckDBEventStore


def deposits_per_second(path: Path, accounts: int, deposits: int) -> float:
    """Open ``accounts`` accounts with 10 events each, then time ``deposits`` deposits."""
    with DuckDBEventStore(path) as store:
        bank = Bank(store)
        ids = []
        for i in range(accounts):
            account = bank.open_account(f"owner {i}", 1_000).aggregate_id
            for _ in range(9):
                bank.handle(DepositMoney(account, 100))
            ids.append(account)
        start = time.perf_counter()
        for n in range(deposits):
            bank.handle(DepositMoney(ids[n % accounts], 1))
        return deposits / (time.perf_counter() - start)


def inserts_per_second(path: Path, rows: int) -> float:
    """The baseline: single-row INSERT statements (autocommit) into a small DuckDB table."""
    conn = duckdb.connect(str(path))
    conn.execute("CREATE TABLE t (id BIGINT PRIMARY KEY, v BIGINT)")
    start = time.perf_counter()
    for i in range(rows):
        conn.execute("INSERT INTO t VALUES (?, ?)", [i, i])
    elapsed = time.perf_counter() - start
    conn.close()
    return rows / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--accounts", type=int, default=20)
    parser.add_argument("--deposits", type=int, default=500)
    args = parser.parse_args()
    rates, baselines = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.rounds):
            baselines.append(inserts_per_second(Path(tmp) / f"base{r}.duckdb", args.deposits))
            rates.append(
                deposits_per_second(Path(tmp) / f"bank{r}.duckdb", args.accounts, args.deposits)
            )
    rate, base = statistics.median(rates), statistics.median(baselines)
    print(f"bare INSERT statements : {base:8.0f} /s (baseline, median of {args.rounds})")
    print(f"Bank.handle deposits   : {rate:8.0f} /s (10 prior events per account)")
    print(f"ratio                  : {rate / base:8.2f}x the bare INSERT rate")


if __name__ == "__main__":
    main()
