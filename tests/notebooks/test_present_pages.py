"""The presentation pages are made from the series by ``tools/present_pages.py``: the saved
pages are what the tool writes now, each page runs the series' own cells, and a topic that
names a cell the series no longer has fails loudly."""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest
from nbformat import NotebookNode

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
PAGES = NOTEBOOKS / "present"
sys.path.insert(0, str(ROOT / "tools"))

import present_pages as pp  # noqa: E402  (tools/ is a folder of scripts, not a package)

PANEL_NOTEBOOKS = {f"{n:02d}" for n in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)}


def _nb(*cells: NotebookNode) -> NotebookNode:
    return nbformat.v4.new_notebook(cells=list(cells))


def _md(text: str, cell_id: str) -> NotebookNode:
    cell = nbformat.v4.new_markdown_cell(text)
    cell.id = cell_id
    return cell


def _code(text: str, cell_id: str) -> NotebookNode:
    cell = nbformat.v4.new_code_cell(text)
    cell.id = cell_id
    return cell


SAMPLE = _nb(
    _md("# 42 · Sample\n\nBeyond the 2-hour route: a deep dive.", "title"),
    _md("## 1 · Setup", "setup-md"),
    _code("import math\nx = 2", "setup"),
    _md("## 3 · The panel (deep dive)\n\nRun the cell.", "panel-md"),
    _code("panel = math.sqrt(x)\npanel", "panel"),
    _code("y = 1", "after"),
)
TOPIC = pp.Topic(
    "sample", "42_sample.ipynb", "A sample", "Say this.", ("setup", "panel"), ("panel",)
)


# -- the saved pages --------------------------------------------------------------------------
def test_the_saved_pages_are_what_the_tool_writes_now() -> None:
    expected = pp.render(pp.TOPICS, NOTEBOOKS)
    saved = {p.name: p.read_text(encoding="utf-8") for p in PAGES.glob("*.ipynb")}
    assert sorted(saved) == sorted(expected), "run `make present-pages`"
    stale = [name for name, text in expected.items() if saved[name] != text]
    assert not stale, f"stale pages {stale}: run `make present-pages` (make notebooks does it)"


def test_every_notebook_with_a_panel_has_a_page() -> None:
    assert {topic.number for topic in pp.TOPICS} == PANEL_NOTEBOOKS
    assert len({topic.slug for topic in pp.TOPICS}) == len(pp.TOPICS)


@pytest.mark.parametrize("topic", pp.TOPICS, ids=[t.slug for t in pp.TOPICS])
def test_a_page_runs_the_series_cells_verbatim(topic: pp.Topic) -> None:
    series = nbformat.read(NOTEBOOKS / topic.notebook, as_version=4)
    sources = {cell.id: cell.source for cell in series.cells}
    page = nbformat.read(PAGES / topic.file_name, as_version=4)
    title, *code = page.cells
    assert title.cell_type == "markdown" and title.source.startswith(f"# {topic.number} · ")
    assert [cell.id for cell in code] == list(topic.cells)
    for cell in code:
        assert cell.cell_type == "code" and not cell.outputs
        if cell.id in topic.show:
            assert cell.source == sources[cell.id]
        else:
            assert cell.source == pp.QUIET_BEGIN + sources[cell.id].rstrip("\n") + pp.QUIET_END
    assert "raises-exception" not in str(page), "a page runs no exercise"


# -- the tool's pure functions ----------------------------------------------------------------
def test_build_page_captures_what_prepares_and_shows_the_panel() -> None:
    page = pp.build_page(TOPIC, SAMPLE)
    title, setup, panel = page.cells
    assert title.source.startswith("# 42 · A sample\n\nSay this.")
    assert "section “3 · The panel (deep dive)”" in title.source
    assert setup.source == pp.QUIET_BEGIN + "import math\nx = 2" + pp.QUIET_END
    assert panel.source == "panel = math.sqrt(x)\npanel"
    assert page.metadata["kernelspec"]["name"] == "python3"
    nbformat.validate(page)
    assert SAMPLE.cells[2].source == "import math\nx = 2", "the series notebook is not changed"


def test_a_quiet_cell_still_ends_quietly_with_an_expression() -> None:
    """The wrapper's last line returns None, so the cell's own last expression shows nothing."""
    source = pp.QUIET_BEGIN + "1 + 1" + pp.QUIET_END
    compile(source, "<page>", "exec")
    assert source.rstrip().endswith("_quiet.__exit__(None, None, None)")


def test_a_missing_cell_names_the_topic_and_the_id() -> None:
    gone = pp.Topic("sample", "42_sample.ipynb", "A", "B", ("setup", "gone"), ("gone",))
    with pytest.raises(pp.PageError, match=r"topic 'sample'.*'gone' is not in the notebook"):
        pp.build_page(gone, SAMPLE)


def test_show_must_name_cells_the_page_runs() -> None:
    wrong = pp.Topic("sample", "42_sample.ipynb", "A", "B", ("setup",), ("panel",))
    with pytest.raises(pp.PageError, match="show must name cells the page runs"):
        pp.build_page(wrong, SAMPLE)
    markdown = pp.Topic("sample", "42_sample.ipynb", "A", "B", ("panel-md",), ("panel-md",))
    with pytest.raises(pp.PageError, match="is markdown, not code"):
        pp.build_page(markdown, SAMPLE)


def test_route_reads_the_headings() -> None:
    assert pp.section_heading(SAMPLE, "panel") == "3 · The panel (deep dive)"
    assert pp.section_heading(SAMPLE, "after") == "3 · The panel (deep dive)"
    assert pp.route(SAMPLE, "3 · The panel (deep dive)") == "beyond the route"
    on_route = _nb(_md("# 01 · Title", "t"), _md("## 2 · Decide", "h"), _code("1", "c"))
    assert pp.route(on_route, pp.section_heading(on_route, "c")) == "on the route"
    assert pp.route(on_route, "5 · Bugs (deep dive)") == "deep dive"


def test_the_index_links_every_topic_in_order() -> None:
    index = pp.build_index([TOPIC], {"42_sample.ipynb": SAMPLE})
    (cell,) = index.cells
    assert "[42 · A sample](42_sample.ipynb)" in cell.source
    assert "beyond the route" in cell.source and "`make present TOPIC=sample`" in cell.source


def test_find_topic_by_slug_number_or_file() -> None:
    assert pp.find_topic("lag").file_name == "07_lag.ipynb"
    assert pp.find_topic("07").slug == "lag"
    assert pp.find_topic("07_lag.ipynb").slug == "lag"
    assert pp.find_topic(" Quiz ").slug == "quiz"
    with pytest.raises(pp.PageError, match=r"no presentation page 'nope'.*teller \(01\)"):
        pp.find_topic("nope")


def test_write_pages_writes_what_changed_and_removes_what_no_topic_has(tmp_path: Path) -> None:
    out = tmp_path / "present"
    out.mkdir()
    (out / "99_gone.ipynb").write_text("{}", encoding="utf-8")
    written = pp.write_pages(NOTEBOOKS, out)
    assert "99_gone.ipynb" in written and not (out / "99_gone.ipynb").exists()
    assert sorted(p.name for p in out.glob("*.ipynb")) == sorted(
        [pp.INDEX, *(t.file_name for t in pp.TOPICS)]
    )
    assert pp.write_pages(NOTEBOOKS, out) == [], "a second run changes nothing"
