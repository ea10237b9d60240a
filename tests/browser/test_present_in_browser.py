"""Every `make present` page in a real (headless) Chromium: no error box, the panel is live,
and closing the tab stops the page's kernel.

`make present` runs with its own settings (a kernel left unconnected is culled after a
minute), so a kernel gone within seconds of closing its tab was stopped by the page itself.
A screenshot of each page is saved to ``build/browser/present-<page>.png``. Skipped like the
other browser tests when ``/usr/bin/chromium`` is missing and CI is not set.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
RENDER_S = 180
CLOSED_S = 20  # well under the minute after which `make present` culls a kernel

if not CHROMIUM.exists():
    if os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}:
        pytest.fail(f"CI=true but {CHROMIUM} is missing (.ci/run installs it)", pytrace=False)
    pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)", allow_module_level=True)
if shutil.which("make") is None or not sys.platform.startswith("linux"):
    pytest.skip("needs make, and /proc to count kernels", allow_module_level=True)


def _present_server() -> ModuleType:
    """tests/notebooks/present_server.py, loaded by path (tests/ is not a package)."""
    path = ROOT / "tests" / "notebooks" / "present_server.py"
    spec = importlib.util.spec_from_file_location("esbank_present_server", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


server_module = _present_server()
PAGES = sorted(p.name for p in server_module.PAGES.glob("[0-9][0-9]_*.ipynb"))
UNAVAILABLE = os.environ.get("ESBANK_PG_UNAVAILABLE", "")

# Done when Voilà has shown the cells (the spinner is gone) and every widget has rendered.
RENDERED_JS = """() => {
  const cells = document.querySelector('#rendered_cells');
  if (!cells || cells.style.display === 'none') return false;
  return document.querySelectorAll('.jupyter-widgets.lm-Widget').length > 0
    || !document.querySelector('[data-mime-type*="widget-view"]');
}"""
PAGE_STATE_JS = """(errorText) => ({
  text: document.body.innerText,
  errors: [...document.querySelectorAll('.jp-OutputArea-output')]
    .filter(node => node.innerText.includes(errorText)
                    || node.querySelector('[data-mime-type="application/vnd.jupyter.stderr"]'))
    .map(node => node.innerText.slice(0, 300)),
  panels: [...document.querySelectorAll('.jupyter-widgets[class*="esbank-"]')]
    .filter(node => !node.parentElement.closest('[class*="esbank-"]'))  // roots only
    .map(node => [...node.classList].find(name => name.startsWith('esbank-'))),
})"""


@pytest.fixture(scope="module")
def present(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    log = tmp_path_factory.mktemp("present-browser") / "voila.log"
    server = server_module.Present(log)  # the Makefile's own kernel settings
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.mark.parametrize("name", PAGES, ids=[Path(p).stem for p in PAGES])
def test_a_present_page_shows_its_panel_and_no_error_box(
    name: str, present: Any, context: Any, screenshots: Path
) -> None:
    if name.startswith("09_") and UNAVAILABLE:
        pytest.skip(f"page 09 needs PostgreSQL: {UNAVAILABLE}")
    page = context.new_page()
    try:
        page.goto(f"{present.base}/voila/render/{name}", timeout=RENDER_S * 1000)
        page.wait_for_function(RENDERED_JS, timeout=RENDER_S * 1000, polling=250)
        page.wait_for_timeout(500)  # the widgets of a panel render one after another
        state = page.evaluate(PAGE_STATE_JS, server_module.ERROR_TEXT)
        page.screenshot(path=str(screenshots / f"present-{Path(name).stem}.png"), full_page=True)
        assert present.kernels(), "the page's kernel is not running"
    finally:
        page.close(run_before_unload=True)
    assert state["errors"] == [], f"{name}: error box {state['errors']}"
    assert server_module.ERROR_TEXT not in state["text"]
    if name != "00_index.ipynb":
        assert state["panels"], f"{name}: no live panel"
    waited = present.wait_for_no_kernel(timeout=CLOSED_S)
    print(f"{name}: panels {sorted(set(state['panels']))}; kernel gone {waited:.1f} s after close")
