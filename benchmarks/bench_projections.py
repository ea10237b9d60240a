"""Projections: rebuilding read models over a million events, and catching up with new ones.

Measured on a file-backed store in a temporary folder, seeded by ``seed_history`` with
``--events`` events (default 1,000,000: ``--accounts`` accounts of equal length):

1. **Rebuild, per read model** (``balances``, ``statement``, ``daily_totals``), two ways:
   - the **batch path**, ``Projector.rebuild``: ``read_all`` pages of ``--batch-size`` events,
     decoded and upcast by the store, turned into a batch DataFrame and applied in one
     transaction per batch together with the checkpoint;
   - the **set-based path**, ``Projector.rebuild_set_based``: one SQL statement per read model
     over the whole ``events`` table (``LOG_AS_BATCH``), reading JSON payloads in SQL.
   Reported in events/s for each, and the ratio set-based ÷ batch.
2. **Catching up**: after a full rebuild, ``--catch-up`` new events (default 10,000) are
   appended and one projector (that read model only) runs to the head on the batch path;
   events/s. This is the steady state of a live projector: it only ever reads the tail.

Every number is the median of ``--rounds`` rounds (default 3). Each rebuild is checked: the
batch and the set-based rebuild give identical tables.

Run: ``.venv/bin/python benchmarks/bench_projections.py`` (a few minutes; ``--events 200000``
for a quick look).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from esbank import DuckDBEventStore, Projector
from esbank.app.projections import Projection
from esbank.app.read_models import AccountBalances, AccountStatement, DailyTotals
from esbank.app.seeding import seed_history

READ_MODELS: list[Callable[[], Projection]] = [AccountBalances, AccountStatement, DailyTotals]


def timed(run: Callable[[], object]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def table(store: DuckDBEventStore, name: str) -> str:
    """A fingerprint of a table's contents (order-independent)."""
    rows = store.connection.execute(
        f"SELECT count(*), sum(hash(COLUMNS(*))) FROM {name}"
    ).fetchall()
    return repr(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000, help="events to seed")
    parser.add_argument("--accounts", type=int, default=10_000, help="accounts to seed")
    parser.add_argument("--batch-size", type=int, default=10_000, help="projector batch size")
    parser.add_argument("--catch-up", type=int, default=10_000, help="new events to catch up")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per measurement")
    args = parser.parse_args()
    per_account = max(1, args.events // args.accounts)
    catch_accounts = max(1, args.catch_up // 10)

    with tempfile.TemporaryDirectory() as folder:
        store = DuckDBEventStore(Path(folder) / "bench.duckdb")
        store.connection.execute("SET enable_progress_bar = false")
        seeded = seed_history(
            store, accounts=args.accounts, events_per_account=per_account, progress=False
        )
        print(
            f"seeded {seeded.events:,} events ({args.accounts:,} accounts x {per_account}); "
            f"batch size {args.batch_size:,}; median of {args.rounds} rounds"
        )
        print()
        print(
            f"{'read model':<14}{'batch ev/s':>14}{'set-based ev/s':>17}{'ratio':>9}"
            f"{'catch-up ev/s':>16}"
        )
        seed = 1
        for make in READ_MODELS:
            projection = make()
            projector = Projector(store, [projection], batch_size=args.batch_size)
            name = projection.name
            table_name = projection.tables[0]
            events = store.head_position()
            batch = statistics.median(
                timed(lambda n=name, p=projector: p.rebuild(n)) for _ in range(args.rounds)
            )
            via_batch = table(store, table_name)
            events = store.head_position()
            set_based = statistics.median(
                timed(lambda n=name, p=projector: p.rebuild_set_based(n))
                for _ in range(args.rounds)
            )
            if table(store, table_name) != via_batch:
                raise SystemExit(f"{name}: the two rebuilds gave different tables")
            catch_up = []
            for _ in range(args.rounds):
                added = seed_history(
                    store,
                    accounts=catch_accounts,
                    events_per_account=10,
                    seed=seed,
                    progress=False,
                )
                seed += 1
                catch_up.append(added.events / timed(projector.run))
                assert projector.checkpoint(name) == store.head_position()
            print(
                f"{name:<14}{events / batch:>14,.0f}{events / set_based:>17,.0f}"
                f"{batch / set_based:>8.1f}x{statistics.median(catch_up):>16,.0f}"
            )
        store.close()


if __name__ == "__main__":
    main()
