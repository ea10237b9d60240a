"""PostgreSQL: esbank's command paths against ``eventsourcing``'s PostgreSQL recorder, writer
threads, and the bigserial trap measured with real threads.

1. The workload of ``bench_commands.py`` (``--accounts`` accounts with 10 prior events each,
   then ``--deposits`` deposits of 1 cent round robin, each a separate command) through
   ``Bank.handle``, ``Bank.handle_batch`` and the ``eventsourcing`` library's Application on
   PostgreSQL, each on a fresh database of the same server, interleaved for ``--rounds``
   rounds; medians as ratios against eventsourcing on PostgreSQL, measured in the same run.
2. ``--threads`` writer threads (one shared ``Bank`` and store, as in a server process)
   deposit into 20 accounts: throughput, retries, and a check that no update was lost (every
   balance equals its opening balance plus the deposits reported, and the log is gap-free).
3. The bigserial trap: 4 writer threads insert into a ``bigserial`` table while a reader tails
   it (``position > checkpoint``); then the same with positions handed out under a table lock.

The server is ``ESBANK_PG_DSN`` if set, else a throwaway cluster from Debian's binaries
(``--fsync`` makes it flush every commit to disk, as a production server does).

Run: ``.venv/bin/pip install -e '.[bench]' && .venv/bin/python benchmarks/bench_postgres.py``
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import threading
import time
from collections.abc import Callable
from uuid import UUID

from esbank import Bank, DepositMoney, PostgresEventStore
from esbank.eventstore.postgres_server import (
    DSN_VARIABLE,
    drop_database,
    fresh_database,
    start_throwaway,
)

Contender = Callable[[str, int, int], float]


def esbank_handle(conninfo: str, accounts: int, deposits: int) -> float:
    """``Bank.handle``: one command, one append transaction at a time."""
    with PostgresEventStore(conninfo) as store:
        bank = Bank(store)
        ids = _esbank_accounts(bank, accounts)
        start = time.perf_counter()
        for n in range(deposits):
            bank.handle(DepositMoney(ids[n % accounts], 1))
        return deposits / (time.perf_counter() - start)


def esbank_batch(conninfo: str, accounts: int, deposits: int, batch: int = 250) -> float:
    """``Bank.handle_batch``: ``batch`` commands decided in order, one append transaction."""
    with PostgresEventStore(conninfo) as store:
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


def eventsourcing_postgres(conninfo: str, accounts: int, deposits: int) -> float:
    """The same workload through ``eventsourcing``'s Application on its PostgreSQL recorder."""
    from es_accounts import Accounts  # the optional dependency is imported only here
    from psycopg.conninfo import conninfo_to_dict

    parts = conninfo_to_dict(conninfo)
    app = Accounts(
        env={
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": str(parts["dbname"]),
            "POSTGRES_HOST": str(parts.get("host", "localhost")),
            "POSTGRES_PORT": str(parts.get("port", "5432")),
            "POSTGRES_USER": str(parts.get("user", "postgres")),
            "POSTGRES_PASSWORD": str(parts.get("password", "")),
        }
    )
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


CONTENDERS: dict[str, Contender] = {
    "eventsourcing + PostgreSQL": eventsourcing_postgres,
    "esbank Bank.handle": esbank_handle,
    "esbank Bank.handle_batch": esbank_batch,
}
BASELINE = "eventsourcing + PostgreSQL"


def commands(server: str, rounds: int, accounts: int, deposits: int) -> dict[str, float]:
    """Section 1: the medians of every contender, printed as ratios against the baseline."""
    rates: dict[str, list[float]] = {name: [] for name in CONTENDERS}
    for r in range(rounds):
        for name, run in CONTENDERS.items():
            database = fresh_database(server, prefix="esbank_bench")
            try:
                rates[name].append(run(database, accounts, deposits))
            finally:
                drop_database(database, server)
        print(
            f"round {r + 1}/{rounds}: "
            + ", ".join(f"{name} {rates[name][-1]:,.0f}/s" for name in CONTENDERS)
        )
    base = statistics.median(rates[BASELINE])
    print(
        f"\n{deposits} deposits on {accounts} accounts with 10 prior events each, "
        f"PostgreSQL, median of {rounds} rounds"
    )
    print(f"{'contender':28s} {'commands/s':>12s} {'ratio':>8s}")
    medians = {}
    for name, values in rates.items():
        medians[name] = statistics.median(values)
        print(f"{name:28s} {medians[name]:12,.0f} {medians[name] / base:7.2f}x")
    return medians


def writer_threads(server: str, threads: int, per_thread: int) -> float:
    """Section 2: ``threads`` writers on 20 accounts; returns commands per second."""
    database = fresh_database(server, prefix="esbank_bench")
    try:
        with PostgresEventStore(database, pool_size=threads + 2) as store:
            opener = Bank(store)
            accounts = [opener.open_account(f"owner {i}", 1_000).aggregate_id for i in range(20)]
            deposited: dict[UUID, int] = dict.fromkeys(accounts, 0)
            attempts: list[int] = []
            lock = threading.Lock()

            bank = Bank(store, max_retries=1_000)  # one Bank per process, as a server has

            def write(seed: int) -> None:
                rng = random.Random(seed)
                for _ in range(per_thread):
                    account, amount = rng.choice(accounts), rng.randint(1, 100)
                    result = bank.handle(DepositMoney(account, amount))
                    with lock:
                        deposited[account] += amount
                        attempts.append(result.attempts)

            workers = [threading.Thread(target=write, args=(k,)) for k in range(threads)]
            start = time.perf_counter()
            for w in workers:
                w.start()
            for w in workers:
                w.join()
            elapsed = time.perf_counter() - start
            fresh = Bank(store)
            lost = [a for a in accounts if fresh.load(a).balance != 1_000 + deposited[a]]
            positions = [r.position for r in store.read_all()]
            gap_free = positions == list(range(1, len(positions) + 1))
    finally:
        drop_database(database, server)
    total = threads * per_thread
    retried = sum(a - 1 for a in attempts)
    print(
        f"\n{threads} writer threads, {total} deposits on 20 accounts: {total / elapsed:,.0f} "
        f"commands/s, {retried} decided again after a conflict, lost updates: {len(lost)}, "
        f"log gap-free: {gap_free}"
    )
    return total / elapsed


def bigserial_trap(server: str, writers: int = 4, per_writer: int = 1_500) -> None:
    """Section 3: how many committed rows a tailing reader never sees, both ways."""
    import psycopg

    database = fresh_database(server, prefix="esbank_bench")
    try:
        for locked in (False, True):
            with psycopg.connect(database, autocommit=True) as admin:
                admin.execute("DROP TABLE IF EXISTS trap")
                key = "BIGINT PRIMARY KEY" if locked else "bigserial PRIMARY KEY"
                admin.execute(f"CREATE TABLE trap (position {key}, writer INT NOT NULL)")
            missed, total = _tail_race(database, locked, writers, per_writer)
            how = "under the writer lock" if locked else "bigserial"
            print(
                f"{how:>22s}: {writers} writer threads committed {total:,} rows; a tailing "
                f"reader never saw {missed:,} of them ({missed / total:.1%})"
            )
    finally:
        drop_database(database, server)


def _tail_race(database: str, locked: bool, writers: int, per_writer: int) -> tuple[int, int]:
    import psycopg

    done = threading.Event()
    seen: set[int] = set()
    insert = (
        "INSERT INTO trap (position, writer) SELECT coalesce(max(position), 0) + 1, %s FROM trap"
        if locked
        else "INSERT INTO trap (writer) VALUES (%s)"
    )

    def write(k: int) -> None:
        with psycopg.connect(database, autocommit=True) as conn:
            for _ in range(per_writer):
                with conn.transaction():
                    if locked:
                        conn.execute("LOCK TABLE trap IN EXCLUSIVE MODE")
                    conn.execute(insert, [k])

    def tail() -> None:
        checkpoint = 0
        with psycopg.connect(database, autocommit=True) as conn:
            while True:
                finished = done.is_set()
                rows = conn.execute(
                    "SELECT position FROM trap WHERE position > %s ORDER BY position",
                    [checkpoint],
                ).fetchall()
                seen.update(p for (p,) in rows)
                checkpoint = max([checkpoint, *(p for (p,) in rows)])
                if finished and not rows:
                    return

    reader = threading.Thread(target=tail)
    threads = [threading.Thread(target=write, args=(k,)) for k in range(writers)]
    for t in [reader, *threads]:
        t.start()
    for t in threads:
        t.join()
    done.set()
    reader.join()
    with psycopg.connect(database) as conn:
        total = conn.execute("SELECT count(*) FROM trap").fetchone()[0]
    return total - len(seen), total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--accounts", type=int, default=20)
    parser.add_argument("--deposits", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--fsync", action="store_true", help="a throwaway server that fsyncs")
    args = parser.parse_args()
    server = os.environ.get(DSN_VARIABLE)
    throwaway = None if server else start_throwaway(fsync=args.fsync)
    if throwaway is not None:
        server = throwaway.conninfo
        print(f"a throwaway PostgreSQL server, fsync {'on' if args.fsync else 'off'}")
    assert server is not None
    try:
        medians = commands(server, args.rounds, args.accounts, args.deposits)
        threaded = writer_threads(server, args.threads, args.deposits // args.threads)
        print(
            f"{'':28s} {threaded:12,.0f} {threaded / medians[BASELINE]:7.2f}x  "
            f"({args.threads} threads, against the same baseline)\n"
        )
        bigserial_trap(server)
    finally:
        if throwaway is not None:
            throwaway.stop()


if __name__ == "__main__":
    main()
