"""tools/build_zh_tw.py on a small notebook and a catalog written here: what it keeps, what it
translates, and how it refuses a missing, stale or orphaned translation."""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat import NotebookNode

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

import build_zh_tw as builder  # noqa: E402  (tools/ is a folder of scripts, not a package)

NAME = "01_commands_and_events.ipynb"


def english() -> NotebookNode:
    nb = nbformat.v4.new_notebook()
    cells = [
        nbformat.v4.new_markdown_cell("# 01 · Commands and events\n\nA bank account."),
        nbformat.v4.new_markdown_cell("old nav", metadata={"tags": ["nav"]}),
        nbformat.v4.new_markdown_cell("## Setup"),
        nbformat.v4.new_code_cell("x = 1\nx", metadata={"tags": ["setup"]}),
        nbformat.v4.new_markdown_cell("**A rule.**"),
        nbformat.v4.new_code_cell("%run solutions/01_exercise_1.py"),
        nbformat.v4.new_markdown_cell("old nav", metadata={"tags": ["nav"]}),
    ]
    for cell, cell_id in zip(cells, ["title", "nav-top", "setup-md", "setup", "rule", "sol",
                                     "nav-bottom"], strict=True):  # fmt: skip
        cell.id = cell_id
    cells[3].outputs = [nbformat.v4.new_output("execute_result", {"text/plain": "1"})]
    cells[3].execution_count = 1
    nb.cells = cells
    return nb


ZH = {
    "title": "# 01 · 命令與事件\n\n一個銀行帳戶。",
    "setup-md": "## 設定",
    "rule": "**一條規則。**",
}


@pytest.fixture
def series(tmp_path: Path) -> Path:
    """A notebooks folder with the index and notebook 01; its catalogs beside it."""
    folder = tmp_path / "notebooks"
    folder.mkdir()
    index = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 00 · Start here")])
    nbformat.write(index, folder / "00_start_here.ipynb")
    nbformat.write(english(), folder / NAME)
    write_catalog(tmp_path / "catalog", {k: (v, None) for k, v in ZH.items()})
    return folder


def write_catalog(folder: Path, cells: dict[str, tuple[str, str | None]]) -> None:
    """A catalog for notebook 01: cell id -> (translation, English it translates or None for
    the English of ``english()``)."""
    source = {c.id: c.source for c in english().cells}
    entries = {
        key: {"en_sha256": builder.source_hash(en if en is not None else source[key]), "zh": zh}
        for key, (zh, en) in cells.items()
    }
    folder.mkdir(exist_ok=True)
    data = {"notebook": NAME, "cells": entries}
    (folder / "01_commands_and_events.json").write_text(json.dumps(data), encoding="utf-8")


def build(series: Path, **kwargs: bool) -> NotebookNode:
    return builder.build(series / NAME, catalogs=series.parent / "catalog", **kwargs)


def test_markdown_comes_from_the_catalog_and_code_stays_as_it_is(series: Path) -> None:
    nb = build(series)
    ids = [c.id for c in nb.cells]
    assert ids == ["title", "nav-top", "setup-md", builder.LANGUAGE_CELL_ID, "setup", "rule",
                   "sol", "nav-bottom"]  # fmt: skip
    cells = {c.id: c for c in nb.cells}
    assert [cells[k].source for k in ZH] == list(ZH.values())
    assert cells["setup"].source == "x = 1\nx" and cells["setup"].metadata == {"tags": ["setup"]}
    assert cells["setup"].outputs == [] and cells["setup"].execution_count is None
    assert cells["sol"].source == "%run solutions/01_exercise_1.py"
    assert nb.metadata["esbank"] == {"edition": "zh-TW", "english": f"../{NAME}"}


def test_the_language_cell_comes_before_every_other_code_cell(series: Path) -> None:
    nb = build(series)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code[0].id == builder.LANGUAGE_CELL_ID
    assert code[0].metadata["tags"] == [builder.LANGUAGE_TAG]
    assert 'i18n.set_language("zh-TW")' in code[0].source


def test_navigation_is_regenerated_in_chinese(series: Path) -> None:
    nb = build(series)
    nav = [c for c in nb.cells if "nav" in c.metadata.get("tags", [])]
    assert [c.id for c in nav] == ["nav-top", "nav-bottom"]
    assert nav[0].source == "[← 00 從這裡開始](00_start_here.ipynb) · [目錄](00_start_here.ipynb)"


def test_a_missing_translation_stops_the_build_naming_notebook_cell_and_fix(
    series: Path,
) -> None:
    write_catalog(series.parent / "catalog", {"title": (ZH["title"], None)})
    with pytest.raises(builder.BuildFailed) as failed:
        build(series)
    message = str(failed.value)
    assert f"{NAME}, cell 'setup-md': no translation; add \"setup-md\"" in message
    assert f"{NAME}, cell 'rule': no translation" in message
    assert "notebooks/zh-TW/catalog/01_commands_and_events.json" in message


def test_a_stale_translation_stops_the_build_unless_allowed_and_then_shows(
    series: Path,
) -> None:
    cells = {k: (v, None) for k, v in ZH.items()} | {"rule": ("**舊的規則。**", "**Old rule.**")}
    write_catalog(series.parent / "catalog", cells)
    digest = builder.source_hash("**A rule.**")
    with pytest.raises(builder.BuildFailed, match=rf"cell 'rule': the translation is stale.*"
                       rf"set \"en_sha256\" to \"{digest}\""):  # fmt: skip
        build(series)
    drafted = {c.id: c.source for c in build(series, allow_stale=True).cells}
    assert drafted["rule"] == builder.STALE_MARK + "**A rule.**"
    assert drafted["setup-md"] == ZH["setup-md"]


def test_an_entry_for_a_cell_that_no_longer_exists_stops_the_build(series: Path) -> None:
    cells = {k: (v, None) for k, v in ZH.items()} | {"gone": ("不見了", "gone")}
    write_catalog(series.parent / "catalog", cells)
    with pytest.raises(builder.BuildFailed, match="cell 'gone': the English notebook has no "
                       "markdown cell with this id; remove the entry"):  # fmt: skip
        build(series)
    assert "gone" not in {c.id for c in build(series, allow_stale=True).cells}


def test_a_missing_catalog_names_the_file(series: Path) -> None:
    (series.parent / "catalog" / "01_commands_and_events.json").unlink()
    with pytest.raises(builder.BuildFailed, match=r"catalog/01_commands_and_events.json is "
                       "missing; translate every markdown cell in it"):  # fmt: skip
        build(series)
    drafted = build(series, allow_stale=True)
    assert all(
        c.source.startswith(builder.STALE_MARK)
        for c in drafted.cells
        if c.cell_type == "markdown" and "nav" not in c.metadata.get("tags", [])
    )


def test_a_catalog_for_another_notebook_is_refused(series: Path) -> None:
    path = series.parent / "catalog" / "01_commands_and_events.json"
    path.write_text(json.dumps({"notebook": "02_x.ipynb", "cells": {}}), encoding="utf-8")
    with pytest.raises(builder.BuildFailed, match=re.escape('must hold {"notebook": "01_commands')):
        build(series)


def test_the_folders_the_notebooks_use_are_linked_into_the_edition(tmp_path: Path) -> None:
    (tmp_path / "solutions").mkdir()
    (tmp_path / "solutions" / "01_exercise_1.py").write_text("x = 1\n")
    (tmp_path / "images").mkdir()
    (tmp_path / "present").mkdir()
    edition = tmp_path / "zh-TW"
    edition.mkdir()
    links = builder.link_folders(edition)
    assert [p.name for p in links] == ["images", "solutions"]
    assert os.readlink(edition / "solutions") == str(Path("..") / "solutions")
    assert (edition / "solutions" / "01_exercise_1.py").read_text() == "x = 1\n"
    assert builder.link_folders(edition) == links  # once linked, nothing to do
    (edition / "images").unlink()
    (edition / "images").mkdir()
    with pytest.raises(builder.BuildFailed, match="exists but is not a link"):
        builder.link_folders(edition)
