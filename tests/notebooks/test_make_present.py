"""`make present` serves the presentation pages with Voilà (checked over HTTP).

Every page runs its cells on the server and shows its live panel with no error box; the
index links them all; ``TOPIC=`` serves one page alone; and no kernel is left behind per
page load: pages fetched without a browser (so never connected, never closed) have their
kernels shut down once idle. Kernels are counted as processes (``present_server.py``).
"""

from __future__ import annotations

import html
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from .present_server import ERROR_TEXT, PAGES, ROOT, WIDGET_VIEW, Present

pytestmark = [
    pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed"),
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="counts kernels in /proc"),
]

INDEX = "00_index.ipynb"
TOPIC_PAGES = sorted(p.name for p in PAGES.glob("[0-9][0-9]_*.ipynb") if p.name != INDEX)
POSTGRES_PAGE = "09_tailing.ipynb"
# Small on purpose, so the test waits seconds, not the minute `make present` gives a page.
IDLE_S, CULL_EVERY_S = 4, 1
UNDER_CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def _title(page: str) -> str:
    """The text of the page's ``# `` heading, e.g. ``07 · Projection lag``."""
    nb = json.loads((PAGES / page).read_text(encoding="utf-8"))
    first = "".join(nb["cells"][0]["source"]).splitlines()[0]
    assert first.startswith("# "), page
    return first[2:]


def _served(page: str) -> bool:
    """Page 09 needs a PostgreSQL server: the test run's one, unless none could start."""
    return page != POSTGRES_PAGE or UNDER_CI or not os.environ.get("ESBANK_PG_UNAVAILABLE")


@pytest.fixture(scope="module")
def present(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Present]:
    log = tmp_path_factory.mktemp("present") / "voila.log"
    server = Present(log, f"PRESENT_IDLE_S={IDLE_S}", f"PRESENT_CULL_EVERY_S={CULL_EVERY_S}")
    try:
        yield server.start()
    finally:
        server.stop()


def test_there_is_a_page_per_panel_topic() -> None:
    assert len(TOPIC_PAGES) >= 10, TOPIC_PAGES
    assert (PAGES / INDEX).exists()


def test_the_index_links_every_page(present: Present) -> None:
    body = present.get(f"/voila/render/{INDEX}")
    assert "window.voila_finish()" in body, "the page did not render to the end"
    assert ERROR_TEXT not in body
    for page in TOPIC_PAGES:
        assert f'href="{page}"' in body, f"the index does not link {page}"


def test_every_page_shows_its_panel_with_no_error_and_leaves_no_kernel(
    present: Present,
) -> None:
    present.wait_for_no_kernel(timeout=IDLE_S + 30)  # the index test's kernel, if any
    present.seen_kernels.clear()
    loaded = [page for page in TOPIC_PAGES if _served(page)]
    for page in loaded:
        body = present.get(f"/voila/render/{page}")
        assert "window.voila_finish()" in body, f"{page} did not render to the end"
        assert ERROR_TEXT not in body, f"{page} shows an error box"
        assert _title(page) in html.unescape(body), page
        assert WIDGET_VIEW in body, f"{page} shows no live panel"
        assert "capture_output" not in body, f"{page} shows code"
    # One kernel per page load (no pool of spare kernels), and every one of them culled.
    assert len(present.seen_kernels) == len(loaded), present.seen_kernels
    waited = present.wait_for_no_kernel(timeout=IDLE_S + CULL_EVERY_S + 30)
    culled = present.log().count("Culling 'idle' kernel")
    assert culled >= len(loaded), present.log()[-3000:]
    print(f"{len(loaded)} page loads, {culled} kernels culled, last gone after {waited:.1f} s")


def test_a_topic_alone(tmp_path: Path) -> None:
    server = Present(tmp_path / "voila.log", "TOPIC=lag").start()
    try:
        body = server.get("/")
    finally:
        server.stop()
    assert "Presenting notebooks/present/07_lag.ipynb" in server.log()
    assert "07 · Projection lag" in html.unescape(body)
    assert WIDGET_VIEW in body and ERROR_TEXT not in body


def test_an_unknown_topic_is_refused_with_the_list() -> None:
    done = subprocess.run(
        ["make", "--no-print-directory", "present", "TOPIC=nope"],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode != 0
    assert "no presentation page 'nope'" in done.stderr
    assert "lag (07)" in done.stderr and "teller (01)" in done.stderr
