"""Every saved notebook has the shape NOTEBOOKS.md asks for, and the notebook tool's pure
functions (navigation text, nav cells, metadata) do what ``make notebooks`` relies on."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat import NotebookNode

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
sys.path.insert(0, str(ROOT / "tools"))

import notebook_tools as nt  # noqa: E402  (tools/ is a folder of scripts, not a package)

SERIES = nt.series(NOTEBOOKS)
NAMES = [p.name for p in SERIES]
IGNORE_OUTPUT = "nbval-ignore-output"
RAISES = "raises-exception"


def _tags(cell: NotebookNode) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def _output_texts(cell: NotebookNode) -> list[str]:
    texts: list[str] = []
    for out in cell.get("outputs", []):
        if "text" in out:
            texts.append(out["text"])
        if "evalue" in out:
            texts.append(out["evalue"])
        for mime, value in out.get("data", {}).items():
            if mime.startswith("text/"):
                texts.append(value if isinstance(value, str) else "".join(value))
    return texts


@pytest.fixture(params=SERIES, ids=NAMES, scope="module")
def notebook(request: pytest.FixtureRequest) -> tuple[str, NotebookNode]:
    path: Path = request.param
    return path.name, nbformat.read(path, as_version=4)


# -- the saved notebooks --------------------------------------------------------------------
def test_the_series_starts_with_the_index() -> None:
    assert NAMES and NAMES[0] == nt.INDEX


def test_is_valid_nbformat(notebook: tuple[str, NotebookNode]) -> None:
    _, nb = notebook
    nbformat.validate(nb)
    ids = [cell.id for cell in nb.cells]
    assert len(ids) == len(set(ids))


def test_title_cell_is_a_level_one_heading(notebook: tuple[str, NotebookNode]) -> None:
    _, nb = notebook
    assert nt.is_title(nb.cells[0]), "the first cell must be markdown starting with '# '"


def test_nav_cells_at_top_and_bottom_match_the_tool(notebook: tuple[str, NotebookNode]) -> None:
    name, nb = notebook
    top, bottom = nt.nav_cells(nb)
    expected = nt.nav_text(name, NAMES)
    assert top is not None, "no nav cell right after the title: run `make notebooks`"
    assert bottom is not None, "no nav cell at the end: run `make notebooks`"
    assert top.source == expected, "stale navigation: run `make notebooks`"
    assert bottom.source == expected, "stale navigation: run `make notebooks`"
    assert sum(nt.is_nav(cell) for cell in nb.cells) == 2


def test_metadata_is_normalised(notebook: tuple[str, NotebookNode]) -> None:
    _, nb = notebook
    assert "widgets" not in nb.metadata, "widget state saved: run `make notebooks`"
    assert nb.metadata.get("kernelspec") == nt.KERNELSPEC
    assert nb.metadata.get("language_info", {}).get("name") == "python"
    for cell in nb.cells:
        for key in nt.VOLATILE_CELL_KEYS:
            assert key not in cell.metadata, f"cell {cell.id} keeps tool metadata {key!r}"
    restamped = nt.stable_widget_ids(nbformat.from_dict(json.loads(json.dumps(nb))))
    assert restamped == nb, "widget views with random model ids: run `make notebooks`"


def test_language_info_is_what_a_kernel_reports(notebook: tuple[str, NotebookNode]) -> None:
    """The whole language_info, version included: a kernel start then changes nothing, so
    JupyterLab does not mark the notebook unsaved when it opens (``make notebooks`` saves it)."""
    _, nb = notebook
    info = nb.metadata.get("language_info", {})
    missing = [key for key in nt.LANGUAGE_INFO_KEYS if key not in info]
    assert not missing, f"language_info lacks {missing}: run `make notebooks`"
    assert re.fullmatch(r"3\.\d+\.\d+", info["version"]), info["version"]
    assert info["name"] == "python" and info["pygments_lexer"] == "ipython3"


def test_the_series_was_saved_by_one_python() -> None:
    versions = {
        name: nbformat.read(NOTEBOOKS / name, as_version=4).metadata.get("language_info", {})
        for name in NAMES
    }
    assert len({json.dumps(info, sort_keys=True) for info in versions.values()}) == 1, versions


def test_code_cells_were_executed_top_to_bottom(notebook: tuple[str, NotebookNode]) -> None:
    _, nb = notebook
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert all(cell.source.strip() for cell in code), "empty code cell"
    for cell in code:
        if RAISES not in _tags(cell):
            assert cell.execution_count is not None, f"cell {cell.id} was not executed"
    counts = [cell.execution_count for cell in code if cell.execution_count is not None]
    assert counts == list(range(1, len(counts) + 1)), "outputs are not from one fresh run"


def test_outputs_hold_no_unstable_text(notebook: tuple[str, NotebookNode]) -> None:
    _, nb = notebook
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            assert "image/svg+xml" not in out.get("data", {}), f"SVG output in cell {cell.id}"
        for text in _output_texts(cell):
            assert " at 0x" not in text, f"object address in cell {cell.id}; end the line with ;"


def test_ignoring_output_is_rare(notebook: tuple[str, NotebookNode]) -> None:
    _, nb = notebook
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    ignored = [
        cell
        for cell in code
        if IGNORE_OUTPUT in _tags(cell) or "NBVAL_IGNORE_OUTPUT" in cell.source
    ]
    skipped = [cell for cell in code if "nbval-skip" in _tags(cell) or "NBVAL_SKIP" in cell.source]
    assert len(ignored) <= max(2, len(code) // 5), "only cells that show timings may be ignored"
    assert not skipped, "every cell runs under nbval"


def test_explains_in_markdown(notebook: tuple[str, NotebookNode]) -> None:
    _, nb = notebook
    prose = [c for c in nb.cells[1:] if c.cell_type == "markdown" and not nt.is_nav(c)]
    has_mermaid = any("```mermaid" in c.source for c in prose)
    assert has_mermaid or prose, "a notebook explains itself in markdown cells"


def test_start_here_keeps_its_promises() -> None:
    nb = nbformat.read(NOTEBOOKS / nt.INDEX, as_version=4)
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    printed = "\n".join(t for c in nb.cells for t in _output_texts(c))
    assert "```mermaid" in markdown
    for command in ("make lab", "make test", "make notebooks"):
        assert command in markdown
    for term in ("事件溯源", "聚合", "快照", "投影", "最終一致性", "樂觀鎖", "稽核軌跡"):
        assert term in markdown
    assert "❌" not in printed, "environment check failed when the notebook was saved"
    check = next(t for c in nb.cells for t in _output_texts(c) if "✅ esbank" in t)
    assert check.count("✅") == 6
    # Versions and paths change from machine to machine; strict nbval would fail on them.
    assert not re.search(r"\d+\.\d+\.\d+|/", check), "the check prints no versions or paths"


# -- the tool's pure functions --------------------------------------------------------------
THREE = [
    "00_start_here.ipynb",
    "01_commands_and_events.ipynb",
    "02_event_store_and_concurrency.ipynb",
]


def test_label_reads_the_file_name() -> None:
    assert nt.label("02_event_store_and_concurrency.ipynb") == "02 Event store and concurrency"
    with pytest.raises(ValueError):
        nt.label("notes.ipynb")


def test_nav_text_for_first_middle_and_last() -> None:
    assert nt.nav_text(THREE[0], THREE) == (
        "**Index** · [01 Commands and events →](01_commands_and_events.ipynb)"
    )
    assert nt.nav_text(THREE[1], THREE) == (
        "[← 00 Start here](00_start_here.ipynb) · [Index](00_start_here.ipynb) · "
        "[02 Event store and concurrency →](02_event_store_and_concurrency.ipynb)"
    )
    assert nt.nav_text(THREE[2], list(reversed(THREE))) == (
        "[← 01 Commands and events](01_commands_and_events.ipynb) · [Index](00_start_here.ipynb)"
    )
    assert nt.nav_text(THREE[0], THREE[:1]) == "**Index**"
    with pytest.raises(ValueError):
        nt.nav_text("09_missing.ipynb", THREE)


def _notebook(*cells: NotebookNode) -> NotebookNode:
    return nbformat.v4.new_notebook(cells=list(cells))


def test_refresh_nav_creates_both_cells_after_the_title() -> None:
    title = nbformat.v4.new_markdown_cell("# Title")
    body = nbformat.v4.new_code_cell("1 + 1")
    nb = nt.refresh_nav(_notebook(title, body), "NAV")
    assert [c.source for c in nb.cells] == ["# Title", "NAV", "1 + 1", "NAV"]
    assert nt.nav_cells(nb) == (nb.cells[1], nb.cells[3])
    assert [nb.cells[1].id, nb.cells[3].id] == [nt.NAV_TOP_ID, nt.NAV_BOTTOM_ID]


def test_refresh_nav_without_a_title_puts_the_top_cell_first() -> None:
    nb = nt.refresh_nav(_notebook(nbformat.v4.new_code_cell("x = 1")), "NAV")
    assert [c.source for c in nb.cells] == ["NAV", "x = 1", "NAV"]


def test_refresh_nav_moves_stale_cells_and_keeps_their_ids() -> None:
    title = nbformat.v4.new_markdown_cell("# Title")
    stale = nbformat.v4.new_markdown_cell("old", metadata={"tags": ["nav"]})
    stale.id = "keep-me"
    body = nbformat.v4.new_markdown_cell("text")
    nb = nt.refresh_nav(_notebook(stale, title, body), "NEW")
    assert [c.source for c in nb.cells] == ["# Title", "NEW", "text", "NEW"]
    assert nb.cells[1].id == "keep-me"
    before = json.dumps(nb, sort_keys=True)
    assert json.dumps(nt.refresh_nav(nb, "NEW"), sort_keys=True) == before, "not idempotent"


# What ipykernel 7 on CPython 3.11.9 answers in its kernel_info reply.
REPORTED = {
    "name": "python",
    "version": "3.11.9",
    "mimetype": "text/x-python",
    "codemirror_mode": {"name": "ipython", "version": 3},
    "pygments_lexer": "ipython3",
    "nbconvert_exporter": "python",
    "file_extension": ".py",
}


def test_normalise_metadata_strips_widgets_and_timings() -> None:
    cell = nbformat.v4.new_code_cell("1", metadata={"execution": {"iopub.status.idle": "now"}})
    nb = _notebook(cell)
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {}}
    nb.metadata["kernelspec"] = {"name": "other", "display_name": "Other", "language": "x"}
    nb.metadata["language_info"] = {"name": "python"}
    nt.normalise_metadata(nb, language_info=REPORTED)
    assert "widgets" not in nb.metadata
    assert nb.metadata["kernelspec"] == nt.KERNELSPEC
    assert nb.metadata["language_info"] == REPORTED  # all of it, the version too
    assert nb.metadata["language_info"] is not REPORTED
    assert cell.metadata == {}
    nbformat.validate(nb)


def test_normalise_metadata_without_a_kernel_keeps_the_language_info() -> None:
    nb = _notebook(nbformat.v4.new_code_cell("1"))
    nb.metadata["language_info"] = dict(REPORTED)
    nt.normalise_metadata(nb)
    assert nb.metadata["language_info"] == REPORTED


def test_a_language_info_without_its_version_is_refused() -> None:
    partial = {k: v for k, v in REPORTED.items() if k not in {"version", "mimetype"}}
    with pytest.raises(ValueError, match="without version, mimetype"):
        nt.normalise_metadata(_notebook(), language_info=partial)


def test_series_lists_only_numbered_notebooks(tmp_path: Path) -> None:
    for name in ["01_b.ipynb", "00_a.ipynb", "scratch.ipynb", "1_c.ipynb", "02_d.py"]:
        (tmp_path / name).write_text("{}")
    (tmp_path / "03_dir.ipynb").mkdir()
    assert [p.name for p in nt.series(tmp_path)] == ["00_a.ipynb", "01_b.ipynb"]


def test_nbval_never_collects_solutions_or_checkpoints(tmp_path: Path) -> None:
    """pyproject's norecursedirs keeps exercise solutions, the presentation pages (no saved
    outputs; Voilà runs them) and Jupyter's autosaves out."""
    (tmp_path / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text())
    nb = nbformat.writes(_notebook(nbformat.v4.new_code_cell("1")))
    for rel in [
        "00_a.ipynb",
        "solutions/s.ipynb",
        "present/01_page.ipynb",
        ".ipynb_checkpoints/00_a-checkpoint.ipynb",
    ]:
        path = tmp_path / "notebooks" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(nb)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval", "--collect-only", "-q", "-p",
         "no:cacheprovider", "notebooks"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert "notebooks/00_a.ipynb::Cell 0" in result.stdout, result.stdout + result.stderr
    assert "solutions" not in result.stdout
    assert "present" not in result.stdout
    assert "checkpoint" not in result.stdout


def test_stable_widget_ids_depend_only_on_the_cell() -> None:
    def with_view(model_id: str) -> NotebookNode:
        cell = nbformat.v4.new_code_cell("w")
        cell.id = "panel"
        view = {"version_major": 2, "version_minor": 0, "model_id": model_id}
        cell.outputs = [
            nbformat.v4.new_output(
                "display_data", data={nt.WIDGET_VIEW: view, "text/plain": "VBox()"}
            )
        ]
        return _notebook(cell)

    first = nt.stable_widget_ids(with_view("3f2a9c"))
    second = nt.stable_widget_ids(with_view("b81e07"))
    assert first == second
    assert first.cells[0].outputs[0]["data"][nt.WIDGET_VIEW]["model_id"] != "3f2a9c"
    nbformat.validate(first)
