"""`make serve` really serves the API: uvicorn in a child process on 127.0.0.1, a DuckDB file,
the projector running in the background; 32 concurrent clients over loopback lose no update;
SIGTERM stops it cleanly (the file is released and holds every accepted event)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from esbank import DuckDBEventStore

ROOT = Path(__file__).resolve().parents[2]
CLIENTS = 32
DEPOSITS_EACH = 5


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Served:
    """A running `make serve`: its base URL, database file and log."""

    def __init__(self, proc: subprocess.Popen[bytes], base: str, db: Path, log: Path) -> None:
        self.proc, self.base, self.db, self.log = proc, base, db, log

    def stop(self) -> int:
        """SIGTERM to the process group that `make` leads; the exit code of `make`."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        return int(self.proc.returncode)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    port, db, log = _free_port(), tmp_path / "bank.duckdb", tmp_path / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            ["make", "--no-print-directory", "serve", f"API_PORT={port}", f"API_DB={db}"],
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    server = Served(proc, f"http://127.0.0.1:{port}", db, log)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{server.base}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("make serve did not answer:\n" + log.read_text(errors="replace"))
            time.sleep(0.2)
        yield server
    finally:
        server.stop()


def _deposits(base: str, account: str, answers: list[int]) -> None:
    with httpx.Client(base_url=base, timeout=30) as client:
        for amount in range(1, DEPOSITS_EACH + 1):
            r = client.post("/commands/deposit", json={"account_id": account, "amount": amount})
            answers.append(r.status_code)
            if r.status_code == 202:
                answers.append(-int(r.json()["position"]))


def test_make_serve_over_loopback(served: Served) -> None:
    with httpx.Client(base_url=served.base, timeout=30) as client:
        r = client.post("/commands/open-account", json={"owner": "Ada", "initial_balance": 0})
        assert r.status_code == 202
        account = r.json()["account_id"]
        answers: list[int] = []
        threads = [
            threading.Thread(target=_deposits, args=(served.base, account, answers))
            for _ in range(CLIENTS)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert [a for a in answers if a > 0] == [202] * (CLIENTS * DEPOSITS_EACH)
        last = max(-a for a in answers if a < 0)
        expected = CLIENTS * sum(range(1, DEPOSITS_EACH + 1))
        # The projector runs in the background: reading at the last position waits for it.
        view = client.get(f"/accounts/{account}", params={"min_position": last}).json()
        assert (view["balance"], view["stale"]) == (expected, False)
        state = client.get(f"/accounts/{account}/state").json()
        assert state["balance"] == expected and state["version"] == 1 + CLIENTS * DEPOSITS_EACH
        bad = client.post("/commands/deposit", json={"account_id": account, "amount": 1.5})
        assert bad.status_code == 400
        assert bad.headers["content-type"] == "application/problem+json"
    assert served.stop() in (0, 2, -signal.SIGTERM)
    text = served.log.read_text(errors="replace")
    assert "Uvicorn running on http://127.0.0.1:" in text, text
    with DuckDBEventStore(served.db) as store:  # the file was released, with every event
        assert store.head_position() == 1 + CLIENTS * DEPOSITS_EACH
