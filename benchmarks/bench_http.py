"""The HTTP API under load: group commit against one commit per request, in the same run.

For each mode a real server is started in a child process (uvicorn on 127.0.0.1, a DuckDB
file in a temporary folder, the same app with ``group_commit`` on or off), then 32 concurrent
clients, each on its own keep-alive connection, send a bounded number of commands over
loopback: deposits and withdrawals on 8 shared accounts (4 clients per account; ``--accounts
32`` gives each client its own). Afterwards the server is stopped by its PID and the file is
opened to check that no update was lost: each account's balance equals its opening balance
plus the deposits and minus the withdrawals that were answered 202, its balance never went
below zero, and the log holds one event per 202.

The load generator is a minimal HTTP/1.1 client on asyncio streams: httpx cost more CPU per
request than the server, and on two shared cores it measured itself. Modes alternate (group,
single, group, single, …) and the medians are compared, so a neighbour's burst on a shared
machine hits both. Figures are ratios from this run; nothing here is asserted by the tests.

    .venv/bin/python benchmarks/bench_http.py                 # 32 clients x 60 commands, 3 rounds
    .venv/bin/python benchmarks/bench_http.py --accounts 32   # no two clients share an account
"""

from __future__ import annotations

import argparse
import asyncio
import json
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
OPENING_BALANCE = 100
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


class Connection:
    """A minimal HTTP/1.1 keep-alive client on asyncio streams: the load generator.

    httpx spent more CPU per request than the server did (measured here: about 3 ms against
    2 ms), so on two shared cores it measured itself. This sends a POST with a JSON body and
    reads the status line and a Content-Length body, nothing more.
    """

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str):
        self.reader, self.writer, self.host = reader, writer, host

    @classmethod
    async def open(cls, port: int) -> Connection:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(reader, writer, f"127.0.0.1:{port}")

    async def post(self, path: str, body: dict[str, object]) -> tuple[int, dict[str, object]]:
        payload = json.dumps(body).encode()
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {self.host}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n"
        )
        self.writer.write(head.encode() + payload)
        lines = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        length = next(
            int(h.split(":", 1)[1]) for h in lines if h.lower().startswith("content-length:")
        )
        return status, json.loads(await self.reader.readexactly(length))

    def close(self) -> None:
        self.writer.close()


async def _client(
    port: int, accounts: list[str], seed: int, count: int, deadline: float
) -> list[tuple[str, int, int, float]]:
    """One client's commands, on its own connection: ``(account, signed amount, status,
    seconds)`` each."""
    rng = random.Random(seed)
    account = accounts[seed % len(accounts)]
    connection = await Connection.open(port)
    done = []
    try:
        for _ in range(count):
            if time.monotonic() > deadline:
                break
            command = "deposit" if rng.random() < 0.5 else "withdraw"
            amount = rng.randint(1, 100)
            start = time.perf_counter()
            status, _ = await connection.post(
                f"/commands/{command}", {"account_id": account, "amount": amount}
            )
            elapsed = time.perf_counter() - start
            done.append((account, amount if command == "deposit" else -amount, status, elapsed))
    finally:
        connection.close()
    return done


async def _load(
    port: int, per_client: int, accounts_wanted: int
) -> tuple[list[str], list[tuple[str, int, int, float]], float]:
    opener = await Connection.open(port)
    accounts = []
    for i in range(accounts_wanted):
        body = {"owner": f"owner {i}", "initial_balance": OPENING_BALANCE}
        status, answer = await opener.post("/commands/open-account", body)
        assert status == 202, answer
        accounts.append(str(answer["account_id"]))
    opener.close()
    deadline = time.monotonic() + TIME_LIMIT_S
    start = time.perf_counter()
    results = await asyncio.gather(
        *(_client(port, accounts, seed, per_client, deadline) for seed in range(CLIENTS))
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


def measure(group_commit: bool, per_client: int, accounts: int, folder: Path) -> Run:
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
        opened, answers, seconds = asyncio.run(_load(port, per_client, accounts))
    finally:
        os.kill(child.pid, signal.SIGTERM)
        child.wait(timeout=60)
    _check(db, opened, answers)
    statuses = [status for _, _, status, _ in answers]
    unexpected = set(statuses) - {202, 409, 422}
    assert not unexpected, f"{mode}: unexpected statuses {unexpected}"
    return Run(mode, seconds, statuses.count(202), statuses.count(422), statuses.count(409),
               [latency for *_, latency in answers])  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-client", type=int, default=60, help="commands per client")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each mode, alternating")
    parser.add_argument(
        "--accounts", type=int, default=ACCOUNTS, help="accounts the clients share (32: one each)"
    )
    parser.add_argument("--serve", nargs=3, metavar=("DB", "PORT", "GROUP"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve[0], int(args.serve[1]), args.serve[2] == "1")
        return
    print(f"{CLIENTS} clients x {args.per_client} commands on {args.accounts} accounts, "
          f"{args.rounds} round(s) per mode, {os.cpu_count()} cores")  # fmt: skip
    runs: dict[bool, list[Run]] = {True: [], False: []}
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(args.rounds):
            for group in (True, False):
                run = measure(group, args.per_client, args.accounts, Path(folder))
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
