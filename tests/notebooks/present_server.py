"""`make present` for a test: on a free loopback port, its log in a file, its kernels counted.

Used by ``tests/notebooks/test_make_present.py`` (over HTTP) and by the browser test of the
presentation pages (``tests/browser/test_present_in_browser.py``, which loads this file by
path). Kernels are counted as processes: every ``ipykernel_launcher`` process below the
``make`` process (Voilà starts each kernel as its own child).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGES = ROOT / "notebooks" / "present"
ERROR_TEXT = "There was an error when executing cell"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
KERNEL_PROCESS = "ipykernel_launcher"
LISTEN_S = 60
RENDER_S = 180


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _parents() -> dict[int, int]:
    """Every process's parent, from /proc (Linux)."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # the process ended meanwhile
            continue
        fields = stat.rsplit(")", 1)[1].split()  # after "pid (command name)"
        parents[int(entry.name)] = int(fields[1])
    return parents


def descendants(pid: int) -> set[int]:
    """The processes below ``pid`` (children, their children, ...)."""
    children: dict[int, list[int]] = {}
    for child, parent in _parents().items():
        children.setdefault(parent, []).append(child)
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _command(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


class Present:
    """``make present`` with the given make variables, started by :meth:`start`."""

    def __init__(self, log: Path, *variables: str) -> None:
        self.port = free_port()
        self.log_path = log
        self.variables = [f"PORT={self.port}", *variables]
        self.proc: subprocess.Popen[bytes] | None = None
        self.seen_kernels: set[int] = set()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Present:
        env = {**os.environ}
        env.pop("MPLBACKEND", None)  # kernels keep ipykernel's inline backend, as in Voilà
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(
                ["make", "--no-print-directory", "present", *self.variables],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + LISTEN_S
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return self
            except OSError:
                if self.proc.poll() is not None:
                    raise AssertionError(f"make present exited early:\n{self.log()}") from None
                if time.monotonic() > deadline:
                    raise AssertionError(f"Voilà did not listen within {LISTEN_S} s") from None
                time.sleep(0.3)

    def get(self, path: str) -> str:
        """The page at ``path``, read to the end (Voilà streams it while the cells run)."""
        with urllib.request.urlopen(f"{self.base}{path}", timeout=RENDER_S) as response:
            assert response.status == 200, (path, response.status)
            body = response.read().decode("utf-8")
        self.kernels()
        return body

    def kernels(self) -> set[int]:
        """The kernel processes running now (each is also remembered in ``seen_kernels``)."""
        assert self.proc is not None, "start() first"
        alive = {p for p in descendants(self.proc.pid) if KERNEL_PROCESS in _command(p)}
        self.seen_kernels |= alive
        return alive

    def wait_for_no_kernel(self, timeout: float) -> float:
        """Seconds until no kernel runs; AssertionError naming them after ``timeout``."""
        start = time.monotonic()
        while self.kernels():
            if time.monotonic() - start > timeout:
                left = self.kernels()
                raise AssertionError(f"kernels still running after {timeout:.0f} s: {left}")
            time.sleep(0.5)
        return time.monotonic() - start

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        """Stop make and Voilà (their process group), then any kernel still running, by PID."""
        if self.proc is None:
            return
        left = self.kernels()
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        for pid in left:  # kernels run in sessions of their own; Voilà stops them on SIGTERM
            if KERNEL_PROCESS in _command(pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
