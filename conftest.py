"""Repository-wide pytest hooks that make strict nbval compare only what is stable.

They live at the repository root on purpose: pytest applies a conftest's collection hooks
only to paths below the conftest's own folder, so a hook in ``tests/conftest.py`` never sees
``notebooks/*.ipynb``. (nbval itself already starts each kernel with the notebook's folder as
working directory, and skips ``image/png`` when comparing.)
"""

from __future__ import annotations

import os

import pytest

from esbank.eventstore.postgres_server import DSN_VARIABLE, ServerUnavailable, start_throwaway

# Output fields that differ on every run for reasons that are not a change in behaviour.
UNSTABLE_OUTPUT_KEYS = (
    "application/vnd.jupyter.widget-view+json",  # widgets get a random model_id per run
)
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"


_server = None


def pytest_sessionstart(session: pytest.Session) -> None:
    """Start this run's one PostgreSQL server, unless ESBANK_PG_DSN names one.

    Its conninfo goes into ESBANK_PG_DSN, so everything the run starts uses it too: the
    PostgreSQL tests, notebook kernels (nbval, the browser test) and Voilà. When it cannot
    start, ESBANK_PG_UNAVAILABLE says why (the tests skip with it, or fail under CI)."""
    global _server
    if os.environ.get(DSN_VARIABLE) or hasattr(session.config, "workerinput"):
        return
    try:
        _server = start_throwaway()
    except ServerUnavailable as exc:
        os.environ["ESBANK_PG_UNAVAILABLE"] = str(exc)
        return
    os.environ[DSN_VARIABLE] = _server.conninfo


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Stop this run's server by its PID."""
    global _server
    if _server is not None:
        os.environ.pop(DSN_VARIABLE, None)
        _server.stop()
        _server = None


def pytest_configure(config: pytest.Config) -> None:
    """Let notebook kernels use ipykernel's inline matplotlib backend.

    Kernels inherit this environment; a CI-wide ``MPLBACKEND=Agg`` would make figures vanish
    from the outputs, so a strict run would report every chart cell as different.
    """
    running_notebooks = config.getoption("nbval", False) or config.getoption("nbval_lax", False)
    backend = os.environ.get("MPLBACKEND")
    if running_notebooks and backend and backend != INLINE_BACKEND:
        del os.environ["MPLBACKEND"]


POSTGRES_NOTEBOOK = "09_from_duckdb_to_postgresql"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without a PostgreSQL server, notebook 09 (under nbval and in the browser) is skipped
    with the reason, except under CI, where it runs and fails."""
    why = os.environ.get("ESBANK_PG_UNAVAILABLE")
    if not why or os.environ.get("CI") == "true":
        return
    skip = pytest.mark.skip(reason=f"notebook 09 needs PostgreSQL: {why}")
    for item in items:
        if POSTGRES_NOTEBOOK in item.nodeid:
            item.add_marker(skip)


def pytest_collectstart(collector: pytest.Collector) -> None:
    """Tell nbval's notebook collector to skip the unstable output fields."""
    skip = getattr(collector, "skip_compare", None)
    if skip is not None and collector.path.suffix == ".ipynb":
        collector.skip_compare = tuple(skip) + tuple(
            key for key in UNSTABLE_OUTPUT_KEYS if key not in skip
        )
