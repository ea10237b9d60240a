"""The zh-TW edition in JupyterLab in a real (headless) Chromium: notebooks 01 and 08 run from
top to bottom, their panels show Chinese labels, and a click changes a panel, in Chinese.

Uses the JupyterLab server and browser of ``conftest.py`` (a copy of ``notebooks/``, so the
edition's ``solutions`` link is a real folder there). Skipped only when ``/usr/bin/chromium`` is
missing and we are not under CI.
"""

from __future__ import annotations

import os
import re
import time
import urllib.parse
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
EDITION = ROOT / "notebooks" / "zh-TW"
CHROMIUM = Path("/usr/bin/chromium")
CJK = re.compile(r"[\u4e00-\u9fff]")

APP_READY_S = 60
KERNEL_IDLE_S = 60
RUN_ALL_S = 180
CHANGE_S = 5

# notebook -> the panel's CSS class, a Chinese button it must show, and what to do with it
CASES = {
    "01_commands_and_events.ipynb": ("esbank-teller", "開戶", "存款"),
    "08_interview_prep.ipynb": ("esbank-quiz", "檢查答案", "下一題"),
}

if not CHROMIUM.exists():
    if os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}:
        pytest.fail(f"CI=true but {CHROMIUM} is missing (.ci/run installs it)", pytrace=False)
    pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)", allow_module_level=True)

STATE_JS = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  const status = document.querySelector('#jp-main-statusbar');
  const widgets = panel && panel.content ? panel.content.widgets : [];
  const cells = widgets.filter(c => c.model.type === 'code');
  return {
    kernel: panel && panel.sessionContext ? panel.sessionContext.kernelDisplayStatus : null,
    statusbar: status ? status.innerText : '',
    counts: cells.map(c => c.model.executionCount),
    errors: cells.map((c, i) => {
      const tags = c.model.getMetadata('tags') || [];
      const error = c.model.outputs.toJSON().find(o => o.output_type === 'error');
      return error && !tags.includes('raises-exception') ? `cell ${i + 1}: ${error.ename}` : null;
    }).filter(Boolean),
  };
}"""


def _wait(predicate: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(0.25)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what} (last: {last!r})")


def _idle(page: Any, timeout: float) -> None:
    """The kernel is idle and the status bar says so, twice in a row one second apart."""

    def idle() -> bool:
        state = page.evaluate(STATE_JS)
        return state["kernel"] == "idle" and "Idle" in state["statusbar"]

    _wait(lambda: idle() and (time.sleep(1.0) or idle()), timeout, "the kernel to be idle")


def _open(context: Any, lab: Any, name: str) -> Any:
    page = context.new_page()
    page.set_default_timeout(APP_READY_S * 1000)
    path = urllib.parse.quote(f"notebooks/zh-TW/{name}")
    workspace = f"test-zh-{Path(name).stem}"
    page.goto(f"{lab.base}/lab/workspaces/{workspace}/tree/{path}?token={lab.token}")
    page.wait_for_function("() => window.jupyterapp !== undefined")
    page.evaluate("() => window.jupyterapp.restored")
    page.wait_for_function(
        "(name) => { const w = window.jupyterapp.shell.currentWidget;"
        " return !!(w && w.context && w.context.path.endsWith('zh-TW/' + name)"
        " && w.content.widgets.length > 0); }",
        arg=name,
    )
    return page


def _run_all(page: Any) -> None:
    _idle(page, KERNEL_IDLE_S)
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")
    page.evaluate("() => window.jupyterapp.commands.execute('runmenu:run-all')")
    _wait(
        lambda: all(isinstance(n, int) for n in page.evaluate(STATE_JS)["counts"]),
        RUN_ALL_S,
        "every code cell to run",
    )
    _idle(page, RUN_ALL_S)
    assert page.evaluate(STATE_JS)["errors"] == []


@pytest.mark.parametrize("name", list(CASES))
def test_the_chinese_notebook_runs_and_its_panel_answers_in_chinese(
    name: str, lab: Any, context: Any, screenshots: Path
) -> None:
    original = (EDITION / name).read_bytes()
    panel_class, label, action = CASES[name]
    page = _open(context, lab, name)
    try:
        _run_all(page)
        root = page.locator(f".jupyter-widgets.{panel_class}").first
        root.wait_for(state="attached", timeout=30_000)
        root.scroll_into_view_if_needed()
        button = root.locator("button", has_text=label).first
        assert button.is_visible(), f"{name}: no visible button {label!r}"
        before = root.inner_text()
        assert CJK.search(before), f"{name}: the panel shows no Chinese"
        root.locator("button", has_text=action).first.click()
        page.wait_for_function(
            "([node, before]) => node.innerText !== before",
            arg=[root.element_handle(), before],
            timeout=CHANGE_S * 1000,
        )
        after = root.inner_text()
        new_lines = [line for line in after.splitlines() if line not in before.splitlines()]
        assert any(CJK.search(line) for line in new_lines), (name, new_lines)
        page.screenshot(path=str(screenshots / f"zh-TW-{Path(name).stem}.png"))
    finally:
        page.close()
        lab.shutdown_kernel(name)
    assert (EDITION / name).read_bytes() == original, f"zh-TW/{name} was modified on disk"
