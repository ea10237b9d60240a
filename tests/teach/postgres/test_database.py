"""The lesson's database: fresh and empty, and dropped when the kernel exits (not before, so
the panel keeps working after the notebook has closed its stores)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from esbank.teach.postgres import connect, lesson_database
from esbank.teach.postgres import database as lesson


def test_a_lesson_database_is_empty_and_dropped_at_exit(
    pg_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    at_exit: list[tuple[Callable[..., Any], tuple[Any, ...]]] = []
    monkeypatch.setattr(lesson.atexit, "register", lambda f, *a: at_exit.append((f, a)))
    conninfo = lesson_database()
    with connect(conninfo) as conn:
        assert conn.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
        ).fetchone() == (0,)
        name = conn.execute("SELECT current_database()").fetchone()[0]
    assert name.startswith("esbank_nb09_")
    ((drop, args),) = at_exit
    drop(*args)
    with connect(pg_server) as admin:
        assert admin.execute(
            "SELECT count(*) FROM pg_database WHERE datname = %s", [name]
        ).fetchone() == (0,)
    drop(*args)  # a second drop (the server may be gone, too) is quiet


def test_dropping_at_exit_never_looks_for_a_server(
    pg_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At exit ESBANK_PG_DSN may be gone: a drop that asked server_conninfo() again started a
    new throwaway server there, which nothing stopped."""
    at_exit: list[tuple[Callable[..., Any], tuple[Any, ...]]] = []
    monkeypatch.setattr(lesson.atexit, "register", lambda f, *a: at_exit.append((f, a)))
    conninfo = lesson_database()
    with connect(conninfo) as conn:
        name = conn.execute("SELECT current_database()").fetchone()[0]

    def no_server() -> str:
        raise AssertionError("a drop must not look for (or start) a server")

    monkeypatch.setattr(lesson, "server_conninfo", no_server)
    ((drop, args),) = at_exit
    drop(*args)
    with connect(pg_server) as admin:
        assert admin.execute(
            "SELECT count(*) FROM pg_database WHERE datname = %s", [name]
        ).fetchone() == (0,)
