"""Notebook 02 as saved: the learner's race panel starts clean, the exercises are wired to
their checks, and the demo cells drive a panel of their own."""

from __future__ import annotations

import json
import re
from pathlib import Path

NOTEBOOK = (
    Path(__file__).resolve().parents[3] / "notebooks" / "02_event_store_and_concurrency.ipynb"
)
DRIVES = re.compile(r"\bpanel\.(\w+\.value\s*=[^=]|\w+\.click\(|run\()")


def _cells() -> list[dict]:
    return json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]


def _source(cell: dict) -> str:
    return "".join(cell["source"])


def _printed(cell: dict) -> str:
    return "".join("".join(o.get("text", "")) for o in cell["outputs"])


def test_no_cell_drives_the_learners_panel() -> None:
    code = [c for c in _cells() if c["cell_type"] == "code"]
    made = [i for i, c in enumerate(code) if "panel = race_panel()" in _source(c)]
    assert len(made) == 1
    for cell in code[made[0] + 1 :]:
        assert not DRIVES.search(_source(cell)), f"cell {cell['id']} drives the learner's panel"
    assert DRIVES.search("panel.run_button.click()") and DRIVES.search('panel.schedule.value = "A"')
    assert not DRIVES.search("demo.run_button.click()") and not DRIVES.search("len(panel.results)")


def test_the_demo_cells_report_the_learners_panel_untouched() -> None:
    cell = next(c for c in _cells() if c["id"] == "panel-script")
    printed = _printed(cell)
    assert "runs of your panel so far: 0" in printed
    assert "InvalidAmount" in printed and "'12.5' (a decimal)" in printed


def test_exercise_two_is_checked_and_solved_in_the_notebook() -> None:
    cells = {c["id"]: c for c in _cells()}
    assert "raises-exception" in cells["ex2"]["metadata"]["tags"]
    assert "checks.check_event_store" in _source(cells["ex2-check"])
    assert "%run solutions/02_exercise_2.py" in _source(cells["ex2-solution"])
    solved = _printed(cells["ex2-solution"])
    assert solved.startswith("✅ MyEventStore")
    # The race's counts vary with thread scheduling: the cell prints only what holds every run.
    assert "nbval-ignore-output" not in cells["ex2-tally"]["metadata"].get("tags", [])
