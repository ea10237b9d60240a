"""Notebook 00's 2-hour guided route: it adds up to two hours, every section it names is a
heading of its notebook and is not marked as a deep dive, and the sections it skips are."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
DEEP_DIVE = " (deep dive)"
LINK = re.compile(r"\[[^\]]+\]\((?P<target>\d\d_\w+\.ipynb)\)")
# The route notebooks whose off-route sections carry the mark (02 joins when it has them).
MARKED = [
    "01_commands_and_events.ipynb",
    "03_replay_and_time_travel.ipynb",
    "04_snapshots.ipynb",
    "06_projections_and_read_models.ipynb",
    "07_projection_lag.ipynb",
]


def _cell(notebook: str, cell_id: str) -> str:
    nb = nbformat.read(NOTEBOOKS / notebook, as_version=4)
    return next(c.source for c in nb.cells if c.id == cell_id)


def _headings(notebook: str) -> list[str]:
    nb = nbformat.read(NOTEBOOKS / notebook, as_version=4)
    return [
        line[3:].strip()
        for cell in nb.cells
        if cell.cell_type == "markdown"
        for line in cell.source.splitlines()
        if line.startswith("## ")
    ]


def _route() -> list[tuple[str, list[str], int]]:
    """The route table's rows: the notebook, its sections, the minutes."""
    rows = []
    for line in _cell("00_start_here.ipynb", "route").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 5 and cells[0].isdigit():
            link = LINK.search(cells[1])
            assert link, f"step {cells[0]} links no notebook"
            rows.append((link["target"], cells[2].split(" · "), int(cells[3])))
    return rows


def test_the_route_takes_two_hours_in_eight_steps() -> None:
    route = _route()
    assert [notebook[:2] for notebook, _, _ in route] == [
        "00", "01", "02", "03", "04", "06", "07", "08",
    ]  # fmt: skip
    assert sum(minutes for _, _, minutes in route) == 120
    text = _cell("00_start_here.ipynb", "route")
    assert "**CQRS** (command query responsibility segregation)" in text
    assert "30-minute interview route in [08 Interview prep](08_interview_prep.ipynb)" in text


@pytest.mark.parametrize("step", range(8))
def test_every_section_on_the_route_is_a_heading_not_marked_deep_dive(step: int) -> None:
    notebook, sections, _ = _route()[step]
    headings = _headings(notebook)
    for section in sections:
        numbered = re.fullmatch(r"§(\d+) (.+)", section)
        if numbered:
            prefix = f"{numbered[1]} · "
            (heading,) = [h for h in headings if h.startswith(prefix)]
        else:
            (heading,) = [h for h in headings if h == section]
        assert not heading.endswith(DEEP_DIVE), f"{notebook}: {heading!r} is on the route"


@pytest.mark.parametrize("notebook", MARKED)
def test_every_numbered_section_off_the_route_is_marked_deep_dive(notebook: str) -> None:
    (sections,) = [s for name, s, _ in _route() if name == notebook]
    on_route = {re.match(r"§(\d+)", s)[1] for s in sections}  # type: ignore[index]
    numbered = [h for h in _headings(notebook) if re.match(r"\d+ · ", h)]
    assert numbered
    for heading in numbered:
        marked = heading.endswith(DEEP_DIVE)
        assert marked != (heading.split(" · ")[0] in on_route), heading


def test_start_here_answers_its_check_yourself_questions_folded() -> None:
    summary = _cell("00_start_here.ipynb", "a8962642")
    questions = summary.split("**Check yourself**")[1].split("<details>")[0]
    answers = summary.split("<details><summary>Answers</summary>")[1].split("</details>")[0]
    count = len(re.findall(r"^\d+\. ", questions, re.MULTILINE))
    assert count == 3
    assert len(re.findall(r"^\d+\. ", answers, re.MULTILINE)) == count


@pytest.mark.parametrize(
    "notebook",
    [
        "05_schema_evolution.ipynb",
        "09_from_duckdb_to_postgresql.ipynb",
        "10_command_api.ipynb",
        "11_beyond_one_aggregate.ipynb",
    ],
)
def test_a_notebook_off_the_route_is_a_deep_dive_throughout(notebook: str) -> None:
    assert notebook not in [name for name, _, _ in _route()]
    numbered = [h for h in _headings(notebook) if re.match(r"\d+ · ", h)]
    assert numbered and all(h.endswith(DEEP_DIVE) for h in numbered), numbered


def _map() -> dict[str, tuple[str, str]]:
    """The map's rows: notebook number -> (time on the route, time of the whole notebook)."""
    rows = {}
    for line in _cell("00_start_here.ipynb", "964ba6b6").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 5 and cells[0].isdigit():
            rows[cells[0]] = (cells[3], cells[4])
    return rows


def _minutes(text: str) -> tuple[int, ...]:
    """``45 min + 15 …`` or ``about 45 minutes, plus 15 …`` as (45, 15); a lone time as (45,)."""
    found = re.search(r"(\d+) min(?:utes)?(?:,? (?:\+|plus) (\d+))?", text)
    assert found, text
    return tuple(int(n) for n in found.groups() if n)


def test_the_map_states_each_notebooks_own_time_and_the_routes() -> None:
    rows = _map()
    assert list(rows) == [p.name[:2] for p in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))]
    route = {notebook[:2]: minutes for notebook, _, minutes in _route()}
    for number, (on_route, whole) in rows.items():
        notebook = next(NOTEBOOKS.glob(f"{number}_*.ipynb")).name
        header = next(
            line
            for cell in nbformat.read(NOTEBOOKS / notebook, as_version=4).cells[:4]
            for line in cell.source.replace("\n", " ").split("**Time")[1:]
        )
        # 00 and 01 give the route's time first: "N minutes on the 2-hour route …; … whole …"
        stated = header.split(";", 1)[1] if number in ("00", "01") else header
        assert _minutes(whole) == _minutes(stated.lower()), (notebook, whole, header)
        if number in route:
            assert _minutes(on_route) == (route[number],), notebook
        else:
            assert on_route == "deep dive", notebook
