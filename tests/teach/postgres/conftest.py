"""Notebook 09's lesson runs on a real server: a fresh database per test (skipped, with how to
install PostgreSQL, when there is none; failed under CI)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from esbank.eventstore.postgres_server import drop_database, fresh_database


@pytest.fixture
def conninfo(pg_server: str) -> Iterator[str]:
    database = fresh_database(pg_server, prefix="esbank_teach09")
    try:
        yield database
    finally:
        drop_database(database, pg_server)
