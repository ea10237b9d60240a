"""Shared setup for the unit tests.

The notebook-related hooks (what strict nbval compares) are in the repository's root
``conftest.py``, because hooks in this folder never see ``notebooks/``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import matplotlib
import pytest
from backends import BACKENDS, Backend

from esbank.eventstore.postgres_server import DSN_VARIABLE, INSTALL_HINT

# Charts drawn by tests render off-screen, with no GUI window and the same result everywhere.
# (This is the test process only: notebook kernels keep their inline backend.)
matplotlib.use("Agg")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "only_duckdb(why): a DuckDB-specific behaviour; runs on the DuckDB backend only"
    )
    config.addinivalue_line(
        "markers", "only_postgres(why): a PostgreSQL-specific behaviour; runs on PostgreSQL only"
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """One suite, two backends: every test that asks for ``backend`` runs on both (unless
    marked ``only_duckdb`` or ``only_postgres``)."""
    if "backend" not in metafunc.fixturenames:
        return
    names = list(BACKENDS)
    if metafunc.definition.get_closest_marker("only_duckdb"):
        names = ["duckdb"]
    if metafunc.definition.get_closest_marker("only_postgres"):
        names = ["postgres"]
    metafunc.parametrize("backend", names, indirect=True)


@pytest.fixture(scope="session")
def pg_server() -> str:
    """The conninfo of this run's PostgreSQL server (started by the root conftest).

    Without one, the PostgreSQL tests skip saying how to install it; under CI they fail."""
    dsn = os.environ.get(DSN_VARIABLE)
    if dsn:
        return dsn
    why = os.environ.get("ESBANK_PG_UNAVAILABLE", f"no PostgreSQL server: {INSTALL_HINT}")
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI needs a PostgreSQL server: {why}")
    pytest.skip(why)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    """This test's database on DuckDB or PostgreSQL (see tests/backends.py)."""
    server = request.getfixturevalue("pg_server") if request.param == "postgres" else None
    chosen = Backend(request.param, server)
    try:
        yield chosen
    finally:
        chosen.close()
