"""A PostgreSQL server to use: ``ESBANK_PG_DSN``, or a throwaway cluster from Debian's binaries.

The tests, notebook 09 and the benchmark all find their server here. ``ESBANK_PG_DSN`` (a
libpq connection string) points at an existing server. Otherwise :func:`start_throwaway`
creates a cluster in a temporary folder with Debian's ``postgresql`` package: ``initdb`` (as
the ``postgres`` OS user when this process is root, since initdb refuses root), trust
authentication, no TCP at all (``listen_addresses=''``, a unix socket in the same folder), and
``fsync=off`` when asked (tests: durability against power loss is not what they check). The
server is stopped by its PID and its folder removed by :meth:`ThrowawayServer.stop`.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from esbank.eventstore.errors import StoreError

DSN_VARIABLE = "ESBANK_PG_DSN"
DEBIAN_ROOT = Path("/usr/lib/postgresql")
INSTALL_HINT = (
    "install Debian's PostgreSQL server (`apt-get install -y --no-install-recommends "
    "postgresql`), or set ESBANK_PG_DSN to the connection string of a server you have "
    "(e.g. ESBANK_PG_DSN='host=/var/run/postgresql dbname=esbank')"
)
START_TIMEOUT = 30.0
PREFIX = "esbank-pg-"
STALE_AFTER = 600.0
"""A throwaway folder whose server is gone is removed by the next start after this many
seconds (a kernel that is killed, as Jupyter kills a kernel's children, never removes its own)."""


class ServerUnavailable(StoreError):
    """No PostgreSQL server could be found or started; the message says what to install."""


@dataclass
class ThrowawayServer:
    """A running throwaway cluster: where to connect, its PID, and its folder."""

    conninfo: str
    pid: int
    directory: Path
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    command: list[str] = field(default_factory=list, repr=False)
    run_as: dict[str, Any] = field(default_factory=dict, repr=False)

    def shutdown(self) -> None:
        """Stop the server by its PID (a fast shutdown: open sessions are ended)."""
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.kill(self.pid, signal.SIGKILL)
                self.process.wait(timeout=30)
        self.process = None

    def restart(self, timeout: float = START_TIMEOUT) -> None:
        """Shut the server down and start it again on the same data (a new PID)."""
        self.shutdown()
        _launch(self)
        _wait_ready(self, timeout)

    def stop(self) -> None:
        """Stop the server by its PID and remove its folder."""
        self.shutdown()
        shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self) -> ThrowawayServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def binaries() -> Path | None:
    """The ``bin`` folder of the newest Debian PostgreSQL install, or None."""
    found = sorted(
        (p for p in DEBIAN_ROOT.glob("*/bin") if (p / "initdb").is_file()),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    return found[-1] if found else None


def _as_postgres() -> dict[str, Any]:
    """subprocess arguments that run a command as the ``postgres`` user when we are root."""
    if os.geteuid() != 0:
        return {}
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        raise ServerUnavailable(
            "this process runs as root and initdb refuses root, but there is no 'postgres' "
            f"user to run it as; {INSTALL_HINT}"
        ) from None
    return {"user": "postgres", "group": "postgres", "extra_groups": []}


def start_throwaway(*, fsync: bool = False, timeout: float = START_TIMEOUT) -> ThrowawayServer:
    """Create and start a throwaway cluster; raise ``ServerUnavailable`` saying why not."""
    bin_dir = binaries()
    if bin_dir is None:
        raise ServerUnavailable(f"no PostgreSQL server binaries in {DEBIAN_ROOT}; {INSTALL_HINT}")
    run_as = _as_postgres()
    remove_stale_folders()
    directory = Path(tempfile.mkdtemp(prefix=PREFIX))
    if run_as:
        entry = pwd.getpwnam("postgres")
        os.chown(directory, entry.pw_uid, entry.pw_gid)
    data = directory / "data"
    try:
        subprocess.run(
            [str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres",
             "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"],
            check=True, capture_output=True, timeout=120, **run_as,
        )  # fmt: skip
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
        shutil.rmtree(directory, ignore_errors=True)
        detail = getattr(exc, "stderr", b"") or b""
        raise ServerUnavailable(
            f"initdb failed: {exc} {detail.decode(errors='replace').strip()}; {INSTALL_HINT}"
        ) from exc
    settings = {
        "listen_addresses": "",
        "unix_socket_directories": str(directory),
        "fsync": "on" if fsync else "off",
        "synchronous_commit": "on" if fsync else "off",
        "full_page_writes": "on" if fsync else "off",
        "max_connections": "200",
        "shared_buffers": "64MB",
    }
    command = [str(bin_dir / "postgres"), "-D", str(data)]
    for name, value in settings.items():
        command += ["-c", f"{name}={value}"]
    server = ThrowawayServer(
        f"host={directory} port=5432 user=postgres dbname=postgres", 0, directory,
        command=command, run_as=run_as,
    )  # fmt: skip
    _launch(server)
    try:
        _wait_ready(server, timeout)
    except BaseException:
        text = (directory / "server.log").read_text(errors="replace")[-2000:]
        server.stop()
        raise ServerUnavailable(f"the PostgreSQL server did not start: {text}") from None
    return server


def remove_stale_folders(
    parent: Path | None = None, *, older_than: float = STALE_AFTER
) -> list[Path]:
    """Remove throwaway folders left behind: no running server (no ``postmaster.pid``) and
    untouched for ``older_than`` seconds. Returns what was removed."""
    removed = []
    now = time.time()
    for folder in Path(parent or tempfile.gettempdir()).glob(f"{PREFIX}*"):
        try:
            if (folder / "data" / "postmaster.pid").exists():
                continue
            if now - folder.stat().st_mtime < older_than:
                continue
        except OSError:
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed


def _launch(server: ThrowawayServer) -> None:
    """Start the server process (its output goes to server.log in its folder)."""
    with open(server.directory / "server.log", "ab") as log:
        server.process = subprocess.Popen(
            server.command, stdout=log, stderr=subprocess.STDOUT, **server.run_as
        )
    server.pid = server.process.pid


def _wait_ready(server: ThrowawayServer, timeout: float) -> None:
    import psycopg

    deadline = time.monotonic() + timeout
    while True:
        if server.process is not None and server.process.poll() is not None:
            raise RuntimeError("the server exited")
        try:
            with psycopg.connect(server.conninfo, connect_timeout=2):
                return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


_shared: ThrowawayServer | None = None
_shared_lock = threading.Lock()


def server_conninfo() -> str:
    """Where this process's PostgreSQL is: ``ESBANK_PG_DSN`` if set, else a throwaway cluster
    started on first call (once per process) and stopped when the process exits."""
    global _shared
    dsn = os.environ.get(DSN_VARIABLE)
    if dsn:
        return dsn
    with _shared_lock:
        if _shared is None:
            _shared = start_throwaway()
            atexit.register(_shared.stop)
        return _shared.conninfo


_counter = 0


def fresh_database(conninfo: str, prefix: str = "esbank") -> str:
    """Create a new, empty database on the server at ``conninfo``; return its conninfo.

    The name is ``prefix``, this process's id and a counter, so runs never meet."""
    global _counter
    import psycopg
    from psycopg.conninfo import make_conninfo

    with _shared_lock:
        _counter += 1
        name = f"{prefix}_{os.getpid()}_{_counter}"
    try:
        with psycopg.connect(conninfo, autocommit=True, connect_timeout=10) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        raise ServerUnavailable(
            f"cannot create a database on the PostgreSQL server ({exc}); the role needs "
            "CREATEDB, or point ESBANK_PG_DSN at a server where it has it"
        ) from exc
    return make_conninfo(conninfo, dbname=name)


def drop_database(conninfo: str, server: str | None = None) -> None:
    """Drop the database ``conninfo`` names (closing any session still on it), connected
    through ``server`` (default: the same server's ``postgres`` database)."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    name = conninfo_to_dict(conninfo)["dbname"]
    admin_conninfo = server or make_conninfo(conninfo, dbname="postgres")
    with psycopg.connect(admin_conninfo, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
