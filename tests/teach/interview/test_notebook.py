"""Notebook 08 as a learner meets it: the interview route and the cheat sheet at the top, numbers
that the code still produces, the exact snapshot bound, answers to "Check yourself", and a quiz
panel that no demo cell touches."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from esbank.teach.interview import conflict_rates

NOTEBOOK = Path(__file__).resolve().parents[3] / "notebooks" / "08_interview_prep.ipynb"


@pytest.fixture(scope="module")
def cells() -> list[dict[str, object]]:
    return json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]


def source(cell: dict[str, object]) -> str:
    text = cell["source"]
    return text if isinstance(text, str) else "".join(text)  # type: ignore[arg-type]


def by_id(cells: list[dict[str, object]], cell_id: str) -> str:
    return source(next(c for c in cells if c["id"] == cell_id))


def test_the_route_and_the_cheat_sheet_come_right_after_title_and_nav(
    cells: list[dict[str, object]],
) -> None:
    assert source(cells[0]).startswith("# 08 · Interview prep")
    assert "nav" in cells[1]["metadata"].get("tags", [])  # type: ignore[union-attr]
    assert source(cells[2]).startswith("## The 30-minute interview route")
    assert source(cells[3]).startswith("## Cheat sheet")
    everything = "\n".join(source(c) for c in cells if c["cell_type"] == "markdown")
    assert everything.count("## The 30-minute") == 1, "the route appears once, at the top"
    assert "Quiz: check yourself" in source(cells[2]), "it names the 2-hour route's stop here"


def test_the_cheat_sheet_answers_five_questions_and_names_five_pitfalls(
    cells: list[dict[str, object]],
) -> None:
    sheet = source(cells[3])
    parts = re.split(r"\*\*(?:The five classic questions|The five pitfalls|Key numbers)\*\*", sheet)
    assert len(parts) == 4
    questions, pitfalls = parts[1], parts[2]
    assert len(re.findall(r"^\d\. \*\*", questions, flags=re.M)) == 5
    assert len(re.findall(r"^\d\. \*", pitfalls, flags=re.M)) == 5
    assert "ON CONFLICT (aggregate_id, version) DO NOTHING" in questions
    assert "**When to use it, in short.**" in sheet


def test_the_cheat_sheets_conflict_rates_are_what_the_simulation_measures(
    cells: list[dict[str, object]],
) -> None:
    sheet = source(cells[3])
    quoted = {
        int(n): int(p) for n, p in re.findall(r"(\d+) writers? (\d+) %", sheet.replace("\n", " "))
    }
    assert set(quoted) == {1, 2, 4, 16}
    rates = conflict_rates(sorted(quoted), commands=2_000, seed=0)
    measured = dict(zip(rates["writers"], rates["conflict_rate"], strict=True))
    assert quoted == {n: round(100 * measured[n]) for n in quoted}


def test_the_snapshot_bound_is_stated_exactly_everywhere(cells: list[dict[str, object]]) -> None:
    prose = "\n".join(source(c) for c in cells if c["cell_type"] == "markdown")
    assert "no load replays more than" not in prose
    for where in (source(cells[3]), by_id(cells, "p3-after-md"), by_id(cells, "summary-md")):
        assert "N − 1" in where and "N + k − 2" in where


def test_check_yourself_has_collapsible_answers(cells: list[dict[str, object]]) -> None:
    summary = by_id(cells, "summary-md")
    questions = summary.split("## Check yourself")[1].split("<details>")[0]
    answers = summary.split("<details><summary>Answers</summary>")[1].split("</details>")[0]
    asked = re.findall(r"^(\d)\. ", questions, flags=re.M)
    assert asked and re.findall(r"^(\d)\. ", answers, flags=re.M) == asked


def test_no_cell_after_the_quiz_panel_drives_the_learners_panel(
    cells: list[dict[str, object]],
) -> None:
    ids = [c["id"] for c in cells]
    later = [c for c in cells[ids.index("quiz-panel") + 1 :] if c["cell_type"] == "code"]
    uses = [use for c in later for use in re.findall(r"\bquiz\.(\w+)", source(c))]
    assert uses and set(uses) == {"progress_text"}, uses
