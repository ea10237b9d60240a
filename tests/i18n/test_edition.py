"""The committed zh-TW edition, notebooks/zh-TW/: one notebook per English notebook, the same
code, a current translation of every markdown cell, and exactly what the builder writes now.

When one of these fails after an English edit: update the catalog entry the message names
(``notebooks/zh-TW/catalog/NN_stem.json``), then run ``python tools/build_zh_tw.py`` (or
``make notebooks``), which builds and executes the edition again.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat import NotebookNode

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

import build_zh_tw as builder  # noqa: E402  (tools/ is a folder of scripts, not a package)
import notebook_tools as nt  # noqa: E402

SERIES = nt.series(builder.NOTEBOOKS)
LINK = re.compile(r"\]\(([^)\s#]+\.ipynb)(?:#[^)]*)?\)")


def _cells(nb: NotebookNode, kind: str) -> list[NotebookNode]:
    return [c for c in nb.cells if c.cell_type == kind]


def _edition(path: Path) -> NotebookNode:
    target = builder.output_path(path)
    assert target.is_file(), f"{builder.shown(target)} is missing: run tools/build_zh_tw.py"
    return nbformat.read(target, as_version=4)


@pytest.fixture(params=SERIES, ids=[p.stem for p in SERIES])
def english(request: pytest.FixtureRequest) -> Path:
    return request.param


def test_every_english_notebook_has_a_catalog_and_nothing_else_does() -> None:
    expected = {f"{p.stem}.json" for p in SERIES}
    present = {p.name for p in builder.CATALOGS.glob("*.json")}
    assert present - expected == set(), "catalogs of notebooks that do not exist"
    assert expected - present == set(), "notebooks without a catalog"
    editions = {p.name for p in nt.series(builder.EDITION)}
    assert editions == {p.name for p in SERIES}


def test_code_cells_equal_the_english_after_the_language_cell(english: Path) -> None:
    zh = _edition(english)
    code = _cells(zh, "code")
    assert code[0].id == builder.LANGUAGE_CELL_ID
    assert code[0].source == builder.LANGUAGE_SOURCE
    assert code[0].metadata["tags"] == [builder.LANGUAGE_TAG]
    en = nbformat.read(english, as_version=4)
    pairs = zip(code[1:], _cells(en, "code"), strict=True)
    for mine, theirs in pairs:
        assert (mine.id, mine.source, mine.metadata) == (theirs.id, theirs.source, theirs.metadata)


def test_every_markdown_cell_has_a_current_translation(english: Path) -> None:
    en = nbformat.read(english, as_version=4)
    cells = builder.load_catalog(english.name)
    assert cells is not None, f"{builder.catalog_path(english.name)} is missing"
    _, problems = builder.translate_cells(english.name, en, cells, allow_stale=False)
    assert problems == [], "\n".join(str(p) for p in problems)


def test_the_catalog_has_no_entry_for_a_cell_that_is_gone(english: Path) -> None:
    en = nbformat.read(english, as_version=4)
    ids = {c.id for c in _cells(en, "markdown") if not nt.is_nav(c)}
    data = json.loads(builder.catalog_path(english.name).read_text(encoding="utf-8"))
    assert data["notebook"] == english.name
    assert sorted(set(data["cells"]) - ids) == []


def test_the_saved_notebook_is_what_the_builder_writes_now(english: Path) -> None:
    """(Stale translations are the test above's; here a draft counts as what it would write.)"""
    expected = builder.structure(builder.build(english, allow_stale=True))
    saved = builder.structure(_edition(english))
    assert saved == expected, f"run: python tools/build_zh_tw.py notebooks/{english.name}"


def test_no_cell_of_the_saved_notebook_is_marked_stale(english: Path) -> None:
    marked = [c.id for c in _cells(_edition(english), "markdown") if builder.STALE_MARK in c.source]
    assert marked == [], "drafts built with --allow-stale; translate these cells and rebuild"


def test_links_to_notebooks_point_at_the_edition(english: Path) -> None:
    zh = _edition(english)
    for cell in _cells(zh, "markdown"):
        for target in LINK.findall(cell.source):
            assert (builder.EDITION / target).is_file(), f"{cell.id} links to {target}"
    assert zh.metadata["esbank"]["edition"] == builder.LANGUAGE


def test_relative_folders_work_from_the_edition() -> None:
    solutions = builder.EDITION / "solutions"
    assert solutions.is_symlink() and solutions.resolve() == builder.NOTEBOOKS / "solutions"
    assert sorted(p.name for p in solutions.iterdir()) == sorted(
        p.name for p in (builder.NOTEBOOKS / "solutions").iterdir()
    )


def test_the_chinese_readme_is_linked_first_and_its_links_resolve() -> None:
    head = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()[:5]
    assert any("(README.zh-TW.md)" in line for line in head)
    readme = (ROOT / "README.zh-TW.md").read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", readme)
    assert {f"notebooks/zh-TW/{p.name}" for p in SERIES} <= set(targets), "the map is incomplete"
    for target in targets:
        assert (ROOT / target).exists(), target


def test_the_check_mode_finds_the_edition_current(capsys: pytest.CaptureFixture[str]) -> None:
    assert builder.main(["--check"]) == 0
    assert capsys.readouterr().out == f"{len(SERIES)} zh-TW notebooks are up to date\n"
