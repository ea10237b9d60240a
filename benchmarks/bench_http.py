"""The HTTP API under load: group commit against one commit per request, in the same run.

For each mode a real server is started in a child process (uvicorn on 127.0.0.1, a DuckDB
file in a temporary folder, the same app with ``group_commit`` on or off), then 32 concurrent
clients send a bounded number of commands over loopback: deposits and withdrawals on 8 shared
accounts (4 clients per account). Afterwards the server is stopped by its PID and the file is
opened to check that no update was lost: each account's balance equals its opening balance
plus the deposits and minus the withdrawals that were answered 202, its balance never went
below zero, and the log holds one event per 202.

Modes alternate (group, single, group, single, …) and the medians are compared, so a
neighbour's burst on a shared machine hits both. Figures are ratios from this run; nothing
here is asserted by the test suite.

    .venv/bin/python benchmarks/bench_http.py            # 32 clients x 60 commands, 3 rounds
    .venv/bin/python benchmarks/bench_http.py --rounds 1 --per-client 30
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

import httpx

from esbank import Bank, DuckDBEventStore

CLIENTS = 32
ACCOUNTS = 8
OPENING_BALANCE = 1_000
TIME_LIMIT_S = 120.0
HERE = Path(__file__).resolve()


def serve(db: str, port: int, group_commit: bool) -> None:
    """The child process: the API over ``db`` on 127.0.0.1:``port`` until SIGTERM."""
    import uvicorn

    from esbank.api import create_app

    store = DuckDBEventStore(db)
    try:
        app = create_app(store, group_commit=group_commit)
        # Keep-alive longer than the run: a connection closed while idle would race a request.
        uvicorn.run(
            app, host="127.0.0.1", port=port, log_level="warning", access_log=False,
            timeout_keep_alive=300,
        )  # fmt: skip
    finally:
        store.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Run:
    """One mode's measurement."""

    mode: str
    seconds: float
    accepted: int
    refused: int
    conflicts: int
    latencies: list[float]

    @property
    def throughput(self) -> float:
        return (self.accepted + self.refused) / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000


async def _client(
    http: httpx.AsyncClient, accounts: list[str], seed: int, count: int, deadline: float
) -> list[tuple[str, int, int, float]]:
    """One client's commands: ``(account, signed amount, status, seconds)`` each."""
    rng = random.Random(seed)
    account = accounts[seed % len(accounts)]
    done = []
    for _ in range(count):
        if time.monotonic() > deadline:
            break
        command = "deposit" if rng.random() < 0.6 else "withdraw"
        amount = rng.randint(1, 100)
        start = time.perf_counter()
        r = await http.post(f"/commands/{command}", json={"account_id": account, "amount": amount})
        elapsed = time.perf_counter() - start
        done.append((account, amount if command == "deposit" else -amount, r.status_code, elapsed))
    return done


async def _load(
    base: str, per_client: int
) -> tuple[list[str], list[tuple[str, int, int, float]], float]:
    limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as http:
        accounts = []
        for i in range(ACCOUNTS):
            body = {"owner": f"owner {i}", "initial_balance": OPENING_BALANCE}
            accounts.append(
                (await http.post("/commands/open-account", json=body)).json()["account_id"]
            )
        deadline = time.monotonic() + TIME_LIMIT_S
        start = time.perf_counter()
        results = await asyncio.gather(
            *(_client(http, accounts, seed, per_client, deadline) for seed in range(CLIENTS))
        )
        seconds = time.perf_counter() - start
    return accounts, [r for rs in results for r in rs], seconds


def _check(db: Path, accounts: list[str], answers: list[tuple[str, int, int, float]]) -> None:
    """No lost update, no balance below zero, one event per 202 (server stopped first)."""
    with DuckDBEventStore(db) as store:
        bank = Bank(store)
        accepted = [a for a in answers if a[2] == 202]
        for account in accounts:
            want = OPENING_BALANCE + sum(amount for a, amount, _, _ in accepted if a == account)
            got = bank.load(UUID(account)).balance
            assert got == want, f"lost update on {account}: balance {got}, answers say {want}"
            assert bank.history(UUID(account))["balance"].min() >= 0
        assert store.head_position() == len(accounts) + len(accepted)


def measure(group_commit: bool, per_client: int, folder: Path) -> Run:
    """Start a server in a child process, load it, stop it by PID, check the file."""
    mode = "group commit" if group_commit else "one commit per request"
    db, port = (
        folder / f"{'group' if group_commit else 'single'}-{time.monotonic_ns()}.duckdb",
        _free_port(),
    )
    child = subprocess.Popen(
        [sys.executable, str(HERE), "--serve", str(db), str(port), str(int(group_commit))],
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                httpx.get(f"{base}/health", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        accounts, answers, seconds = asyncio.run(_load(base, per_client))
    finally:
        os.kill(child.pid, signal.SIGTERM)
        child.wait(timeout=60)
    _check(db, accounts, answers)
    statuses = [status for _, _, status, _ in answers]
    unexpected = set(statuses) - {202, 409, 422}
    assert not unexpected, f"{mode}: unexpected statuses {unexpected}"
    return Run(mode, seconds, statuses.count(202), statuses.count(422), statuses.count(409),
               [latency for *_, latency in answers])  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-client", type=int, default=60, help="commands per client")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each mode, alternating")
    parser.add_argument("--serve", nargs=3, metavar=("DB", "PORT", "GROUP"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve[0], int(args.serve[1]), args.serve[2] == "1")
        return
    print(f"{CLIENTS} clients x {args.per_client} commands on {ACCOUNTS} shared accounts, "
          f"{args.rounds} round(s) per mode, {os.cpu_count()} cores")  # fmt: skip
    runs: dict[bool, list[Run]] = {True: [], False: []}
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(args.rounds):
            for group in (True, False):
                run = measure(group, args.per_client, Path(folder))
                runs[group].append(run)
                print(f"  {run.mode:24} {run.throughput:7.0f} commands/s  p50 "
                      f"{run.percentile(0.5):6.1f} ms  p95 {run.percentile(0.95):6.1f} ms  "
                      f"({run.accepted} accepted, {run.refused} refused, {run.conflicts} "
                      "conflicts)")  # fmt: skip
    group = statistics.median(r.throughput for r in runs[True])
    single = statistics.median(r.throughput for r in runs[False])
    answered = [
        statistics.median(len(r.latencies) / r.seconds for r in runs[g]) for g in (True, False)
    ]
    print(f"median throughput: group commit {group:.0f}/s, one commit per request {single:.0f}/s")
    print(
        f"group commit / one commit per request = {group / single:.1f}x (same run; decided "
        f"commands, 202 and 422; counting every answer, 409s too: {answered[0] / answered[1]:.1f}x)"
    )
    print("no lost update: every account's balance equals its accepted commands, never below 0")


if __name__ == "__main__":
    main()
