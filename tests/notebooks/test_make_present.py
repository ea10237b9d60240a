"""`make present` really serves a notebook as a Voilà app, executed server-side (over HTTP)."""

from __future__ import annotations

import html
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = ROOT / "notebooks" / "01_commands_and_events.ipynb"
ERROR_TEXT = "There was an error when executing cell"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _title(notebook: Path) -> str:
    """The text of the notebook's first level-1 heading, e.g. ``01 · Commands and events``."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        for line in "".join(cell["source"]).splitlines():
            if cell["cell_type"] == "markdown" and line.startswith("# "):
                return line[2:].strip()
    raise AssertionError(f"{notebook.name} has no '# title' line")


def _raising_cells(notebook: Path) -> int:
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    return sum(
        "raises-exception" in cell.get("metadata", {}).get("tags", [])
        for cell in nb["cells"]
        if cell["cell_type"] == "code"
    )


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_present_serves_the_first_panel_notebook(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime")}
    env.pop("MPLBACKEND", None)
    proc = subprocess.Popen(
        ["make", "--no-print-directory", "present", f"PORT={port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if proc.poll() is not None:
                    output = proc.stdout.read().decode() if proc.stdout else ""
                    pytest.fail(f"make present exited early:\n{output}")
                assert time.monotonic() < deadline, "Voilà did not listen within 60 s"
                time.sleep(0.3)
        # Voilà runs every cell before the page is complete; the response streams until then.
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=120) as response:
            assert response.status == 200
            body = response.read().decode("utf-8")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert "window.voila_finish()" in body, "the page did not render to the end"
    assert _title(DEFAULT) in html.unescape(body)  # e.g. '01 &#183; Commands and events'
    assert "esbank-teller" in body  # the teller panel's static result, computed by the kernel
    assert WIDGET_VIEW in body  # and the live panel itself, as a widget view
    # Only the exercise cells that raise on purpose may fail: `%run solutions/...` and every
    # other cell ran, so the kernel's working directory was the notebook's folder.
    assert body.count(ERROR_TEXT) <= _raising_cells(DEFAULT)
