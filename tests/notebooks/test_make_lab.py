"""`make lab` installs the runtime packages only, says so, and really serves JupyterLab with
the first notebook (checked over HTTP); `make test` adds the test extra; installing esbank
warns about nothing in its own metadata."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIRST = "notebooks/00_start_here.ipynb"
TEST_ONLY = ("pytest", "nbval", "playwright", "schemathesis", "hypothesis", "ruff")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, response.read()


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_lab_serves_the_first_notebook(tmp_path: Path) -> None:
    port, token = _free_port(), secrets.token_hex(16)
    args = (
        f"--no-browser --ip=127.0.0.1 --port={port} --IdentityProvider.token={token} "
        f"--ServerApp.root_dir={ROOT}"
    )
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime")}
    proc = subprocess.Popen(
        ["make", "--no-print-directory", "lab", f"LAB_ARGS={args}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        status = None
        while time.monotonic() < deadline:
            try:
                code, body = _get(f"{base}/api/status?token={token}")
                status = json.loads(body)
                break
            except OSError:
                if proc.poll() is not None:
                    output = proc.stdout.read().decode() if proc.stdout else ""
                    pytest.fail(f"make lab exited early:\n{output}")
                time.sleep(0.5)
        assert status is not None, "JupyterLab did not answer /api/status within 60 s"
        assert code == 200 and "started" in status
        code, body = _get(f"{base}/lab/tree/{FIRST}?token={token}")
        assert code == 200 and b"JupyterLab" in body
        code, body = _get(f"{base}/api/contents/{FIRST}?token={token}&content=0")
        assert code == 200 and json.loads(body)["type"] == "notebook"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _dry_run(target: str, venv: Path) -> str:
    """What ``make <target>`` would run for a virtual environment that does not exist yet."""
    done = subprocess.run(
        ["make", "--no-print-directory", "-n", target, f"VENV={venv}"],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    return done.stdout


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_lab_installs_the_runtime_packages_only_and_says_so(tmp_path: Path) -> None:
    lab = _dry_run("lab", tmp_path / "venv")
    assert "pip install --quiet -e ." in lab
    assert "[test]" not in lab, "make lab must not install the test extra"
    assert "Installing esbank and its runtime packages" in lab
    assert "first time" in lab and "minutes" in lab  # how long the first install takes
    assert "jupyter lab" in lab
    test = _dry_run("test", tmp_path / "venv")
    runtime, extra = test.index("pip install --quiet -e ."), test.index("-e '.[test]'")
    assert runtime < extra < test.index("pytest --nbval")


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_a_lab_venv_is_not_reinstalled_for_the_lab(tmp_path: Path) -> None:
    """Once the runtime stamp is newer than pyproject.toml, make lab installs nothing."""
    venv = tmp_path / "venv"
    venv.mkdir()
    (venv / ".esbank-runtime").touch()
    lab = _dry_run("lab", venv)
    assert "pip install" not in lab
    assert "pip install" in _dry_run("test", venv)  # the test extra is still missing


def test_the_test_tools_are_not_runtime_dependencies() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    runtime = " ".join(project["dependencies"]).lower()
    assert not [name for name in TEST_ONLY if name in runtime]
    assert all(any(r.startswith(n) for r in project["optional-dependencies"]["test"])
               for n in TEST_ONLY)  # fmt: skip


def test_installing_esbank_warns_about_nothing_in_its_metadata() -> None:
    """`license` is an SPDX string, which setuptools reads from version 77 on; the TOML table
    form printed a SetuptoolsDeprecationWarning on every install."""
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert data["project"]["license"] == "MIT"
    assert "setuptools>=77" in data["build-system"]["requires"]
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--dry-run", "--no-deps", "-v", str(ROOT)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-3000:]
    assert "Would install esbank" in output
    assert "DeprecationWarning" not in output, output[-3000:]
