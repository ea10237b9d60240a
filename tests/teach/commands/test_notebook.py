"""Notebook 01 as saved: the learner's teller panel starts clean and no other cell drives it,
and the source of ``decide`` and ``evolve`` is on screen where §2 teaches them."""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat

from esbank import decide, evolve
from esbank.teach.commands import show_source

NOTEBOOK = Path(__file__).resolve().parents[3] / "notebooks" / "01_commands_and_events.ipynb"
NB = nbformat.read(NOTEBOOK, as_version=4)
CELLS = {cell.id: cell for cell in NB.cells}


def _names(cell: nbformat.NotebookNode) -> set[str]:
    code = "\n".join(
        line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!"))
    )
    return {node.id for node in ast.walk(ast.parse(code)) if isinstance(node, ast.Name)}


def test_only_the_learners_own_cell_touches_the_learners_panel() -> None:
    code = [cell for cell in NB.cells if cell.cell_type == "code"]
    touching = [cell.id for cell in code if "panel" in _names(cell)]
    assert touching == ["panel"]
    assert CELLS["panel"].source.startswith("panel = teller_panel()")
    assert "demo = teller_panel()" in CELLS["panel-script"].source  # the demo's own panel


def test_the_learners_panel_is_saved_as_it_starts() -> None:
    (output,) = CELLS["panel"].outputs
    frozen = output["data"]["text/html"]
    assert "no account yet" in frozen and "no event yet" in frozen
    for trace in ("❌", "✅", "NonZeroBalance", "InsufficientFunds"):
        assert trace not in frozen
    assert "NonZeroBalance" in CELLS["panel-static"].outputs[0]["data"]["text/html"]


def test_decide_and_evolve_are_shown_from_their_source_in_section_2() -> None:
    order = [cell.id for cell in NB.cells]
    assert order.index("decide-evolve-md") < order.index("source") < order.index("rules-md")
    shown = [output["data"]["text/markdown"] for output in CELLS["source"].outputs]
    assert shown == [
        show_source(decide, start="match command", stop="raise AssertionError").data,
        show_source(
            evolve, start="if isinstance(event, AccountOpened)", stop="raise AssertionError"
        ).data,
    ]
    assert "esbank/domain/account.py" in shown[0]
