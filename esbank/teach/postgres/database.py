"""Notebook 09's database: a fresh PostgreSQL database on the server this machine offers.

The server is ``ESBANK_PG_DSN`` when it is set (the test run sets it to its own throwaway
server, so nbval, the browser test and Voilà all use that one), else a throwaway cluster
started from Debian's binaries for this kernel and stopped when the kernel exits. Without
either, the error says what to install.
"""

from __future__ import annotations

import atexit
import contextlib
from typing import Any

from esbank.eventstore.postgres_server import drop_database, fresh_database, server_conninfo

_servers: dict[str, str] = {}
"""The server each lesson database was made on (dropping one never looks for a server)."""


def lesson_database(prefix: str = "esbank_nb09") -> str:
    """The conninfo of a new, empty database for this notebook, dropped when the kernel exits
    (raises ``ServerUnavailable`` with what to install when no server can be found or
    started)."""
    server = server_conninfo()
    conninfo = fresh_database(server, prefix=prefix)
    _servers[conninfo] = server
    atexit.register(_drop_quietly, conninfo)
    return conninfo


def drop_lesson_database(conninfo: str) -> None:
    """Drop the notebook's database (close every store on it first), through the server it
    was made on."""
    drop_database(conninfo, _servers.get(conninfo))


def _drop_quietly(conninfo: str) -> None:
    with contextlib.suppress(Exception):  # the server may already be gone at exit
        drop_lesson_database(conninfo)


def connect(conninfo: str) -> Any:
    """A plain psycopg connection in autocommit mode: what the reference note's code holds.

    Parameters are written ``%s`` (psycopg's style; the note's Rust and Go use ``$1``)."""
    import psycopg

    return psycopg.connect(conninfo, autocommit=True)
