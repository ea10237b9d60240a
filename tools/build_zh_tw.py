"""Build the Traditional Chinese edition, ``notebooks/zh-TW/``, from the English notebooks.

For every ``notebooks/NN_*.ipynb`` (or only the paths given), the zh-TW notebook of the same
name is written as:

1. the English notebook's cells in order, with the same ids: code cells unchanged (source,
   tags), each markdown cell replaced by its translation from the catalog
   ``notebooks/zh-TW/catalog/NN_stem.json`` (``{"notebook": ..., "cells": {id: {"en_sha256":
   sha256 of the English source, "zh": markdown}}}``);
2. one code cell first of all code cells, tagged ``language``, that sets the language of the
   panels, checks, charts and quiz: ``i18n.set_language("zh-TW")``;
3. navigation cells (``nav``) in Chinese, with the labels of ``esbank/teach/locale/zh-TW.json``;
4. then executed with ``notebooks/zh-TW/`` as working directory and saved, exactly as
   ``tools/run_notebooks.py`` saves the English ones. ``notebooks/zh-TW/solutions`` and
   ``images`` are symlinks to the English folders, so relative paths work.

A markdown cell with no translation, or one whose English changed since it was translated (the
hash differs), stops the build with a message naming the notebook, the cell and what to do;
``--allow-stale`` builds anyway (for drafting) and marks each such cell visibly. An entry for a
cell the English notebook no longer has stops the build too.

Usage: ``python tools/build_zh_tw.py [--allow-stale] [--no-execute] [--check] [notebooks/NN_x.ipynb
...]``
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from notebook_tools import (
    INDEX,
    is_nav,
    label,
    normalise_metadata,
    refresh_nav,
    series,
    stable_widget_ids,
)

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
LANGUAGE = "zh-TW"
EDITION = NOTEBOOKS / LANGUAGE
CATALOGS = EDITION / "catalog"
LANGUAGE_CELL_ID = "zh-tw-language"
LANGUAGE_TAG = "language"
LANGUAGE_SOURCE = (
    "# 本版本的語言：面板、練習檢查、圖表與測驗都以繁體中文顯示\n"
    "from esbank.teach import i18n\n"
    "\n"
    f'i18n.set_language("{LANGUAGE}")'
)
STALE_MARK = (
    "> ⚠️ **翻譯待更新**（translation missing or stale）：以下是英文原文，"
    "這個儲存格的中文翻譯尚未完成或已過期。\n\n"
)
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
LINKED = ("images", "solutions")
"""The folders of ``notebooks/`` that the notebooks use by relative path (``present/`` and the
edition itself are not among them)."""


class BuildFailed(Exception):
    """The edition cannot be built as asked; the message lists every problem and its fix."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a catalog: where, what, and what to do about it."""

    notebook: str
    cell: str | None
    what: str
    todo: str

    def __str__(self) -> str:
        where = f"{self.notebook}, cell {self.cell!r}" if self.cell else self.notebook
        return f"{where}: {self.what}; {self.todo}"


def shown(path: Path) -> str:
    """``path`` relative to the repository when it is inside it (for messages)."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def source_hash(source: str) -> str:
    """The hash a catalog entry stores: sha256 of the English cell's source, UTF-8, as hex."""
    return hashlib.sha256(source.encode("utf-8")).hexdigest()


def catalog_path(name: str) -> Path:
    """The catalog file of the English notebook ``name`` (``01_x.ipynb`` → ``01_x.json``)."""
    return CATALOGS / f"{Path(name).stem}.json"


def load_catalog(name: str, catalogs: Path = CATALOGS) -> dict[str, Any] | None:
    """The ``cells`` of the catalog of notebook ``name``, or None when there is no catalog."""
    path = catalogs / f"{Path(name).stem}.json"
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise BuildFailed(f"{shown(path)} is not valid JSON: {exc}") from None
    if data.get("notebook") != name or not isinstance(data.get("cells"), dict):
        raise BuildFailed(f'{shown(path)} must hold {{"notebook": "{name}", "cells": {{...}}}}')
    return dict(data["cells"])


def check_translation(name: str, cell: NotebookNode, entry: Any) -> Problem | None:
    """What is wrong with the translation ``entry`` of the English markdown ``cell``, if any."""
    where = f"notebooks/zh-TW/catalog/{Path(name).stem}.json"
    digest = source_hash(cell.source)
    if not isinstance(entry, dict) or not isinstance(entry.get("zh"), str):
        return Problem(
            name, cell.id, "no translation",
            f'add "{cell.id}": {{"en_sha256": "{digest}", "zh": "..."}} to {where}',
        )  # fmt: skip
    if entry.get("en_sha256") != digest:
        return Problem(
            name, cell.id, "the translation is stale (the English cell changed since)",
            f'update its "zh" to the new English and set "en_sha256" to "{digest}" in {where}',
        )  # fmt: skip
    return None


def translate_cells(
    name: str, english: NotebookNode, cells: dict[str, Any] | None, *, allow_stale: bool
) -> tuple[list[NotebookNode], list[Problem]]:
    """The English cells with markdown from ``cells`` (nav cells as they are), and the problems."""
    where = f"notebooks/zh-TW/catalog/{Path(name).stem}.json"
    if cells is None:
        problem = Problem(name, None, f"{where} is missing", "translate every markdown cell in it")
        if not allow_stale:
            return [], [problem]
        cells = {}
    out, problems = [], []
    for cell in english.cells:
        new = copy.deepcopy(cell)
        if cell.cell_type == "markdown" and not is_nav(cell):
            problem = check_translation(name, cell, cells.get(cell.id))
            if problem is None:
                new.source = cells[cell.id]["zh"]
            else:
                problems.append(problem)
                new.source = STALE_MARK + cell.source
        elif cell.cell_type == "code":
            new.outputs, new.execution_count = [], None
        out.append(new)
    ids = {c.id for c in english.cells if c.cell_type == "markdown" and not is_nav(c)}
    problems += [
        Problem(name, key, "the English notebook has no markdown cell with this id",
                f"remove the entry from {where}")
        for key in cells if key not in ids
    ]  # fmt: skip
    return out, problems


def language_cell() -> NotebookNode:
    """The first code cell of every zh-TW notebook: it sets the reader's language."""
    cell = nbformat.v4.new_code_cell(LANGUAGE_SOURCE, metadata={"tags": [LANGUAGE_TAG]})
    cell.id = LANGUAGE_CELL_ID
    return cell


def zh_text(english: str) -> str:
    """The translation of a navigation text (``01 Commands and events``, ``Index``)."""
    from esbank.teach import i18n

    found = i18n.catalog(LANGUAGE).strings.get(english)
    if found is None:
        raise BuildFailed(
            f"the navigation text {english!r} has no translation; add it to the "
            f'"notebooks" group of esbank/teach/locale/{LANGUAGE}.json'
        )
    return found


def zh_nav_text(name: str, names: Sequence[str]) -> str:
    """The Chinese navigation line: ``← previous · 目錄 · next →`` (as ``nav_text`` does)."""
    ordered = sorted(names)
    i = ordered.index(name)
    index = zh_text("Index")
    parts = [f"[← {zh_text(label(ordered[i - 1]))}]({ordered[i - 1]})"] if i > 0 else []
    parts.append(f"**{index}**" if name == INDEX else f"[{index}]({INDEX})")
    if i + 1 < len(ordered):
        parts.append(f"[{zh_text(label(ordered[i + 1]))} →]({ordered[i + 1]})")
    return " · ".join(parts)


def build(path: Path, *, allow_stale: bool = False, catalogs: Path = CATALOGS) -> NotebookNode:
    """The zh-TW notebook for the English notebook at ``path``, not executed.

    Raises :class:`BuildFailed` listing every missing, stale or orphaned translation (unless
    ``allow_stale``, which marks missing and stale cells instead and ignores orphans).
    """
    name = path.name
    english = nbformat.read(path, as_version=4)
    cells, problems = translate_cells(
        name, english, load_catalog(name, catalogs), allow_stale=allow_stale
    )
    if problems and not allow_stale:
        raise BuildFailed("\n".join(str(p) for p in problems))
    first_code = next((i for i, c in enumerate(cells) if c.cell_type == "code"), len(cells))
    cells.insert(first_code, language_cell())
    nb = copy.deepcopy(english)
    nb.cells = cells
    refresh_nav(nb, zh_nav_text(name, [p.name for p in series(path.parent)]))
    nb.metadata["esbank"] = {"edition": LANGUAGE, "english": f"../{name}"}
    return normalise_metadata(nb)


def link_folders(edition: Path = EDITION) -> list[Path]:
    """Make the folders the notebooks' code and images use (:data:`LINKED`, those that exist)
    visible from the edition as relative symlinks, so ``%run solutions/…`` works there."""
    links = []
    for name in LINKED:
        if not (edition.parent / name).is_dir():
            continue
        link, target = edition / name, Path("..") / name
        if link.is_symlink() and Path(os.readlink(link)) == target:
            links.append(link)
            continue
        if link.exists() or link.is_symlink():
            raise BuildFailed(f"{shown(link)} exists but is not a link to {target}")
        link.symlink_to(target, target_is_directory=True)
        links.append(link)
    return links


def structure(nb: NotebookNode) -> list[tuple[str, str, str, str]]:
    """What the builder decides about a notebook, outputs left out: each cell's id, type,
    source and metadata."""
    return [(c.id, c.cell_type, c.source, json.dumps(c.metadata, sort_keys=True)) for c in nb.cells]


def output_path(path: Path) -> Path:
    """Where the zh-TW notebook of the English notebook ``path`` is written."""
    return EDITION / path.name


def run(path: Path, *, allow_stale: bool, execute: bool) -> float:
    """Build, execute (unless not ``execute``) and save the zh-TW notebook of ``path``."""
    from run_notebooks import execute as execute_notebook
    from run_notebooks import write

    start = time.perf_counter()
    nb = build(path, allow_stale=allow_stale)
    target = output_path(path)
    if execute:
        execute_notebook(nb, EDITION)
        normalise_metadata(nb)
        stable_widget_ids(nb)
    write(nb, target)
    return time.perf_counter() - start


def check(paths: Sequence[Path]) -> list[str]:
    """The zh-TW notebooks that are missing or differ from what the builder writes now."""
    stale = []
    for path in paths:
        target = output_path(path)
        try:
            expected = structure(build(path))
        except BuildFailed as exc:
            stale.append(f"{target.relative_to(ROOT)}: {exc}")
            continue
        if not target.is_file() or structure(nbformat.read(target, as_version=4)) != expected:
            stale.append(f"{target.relative_to(ROOT)} is not what the builder writes now")
    return stale


def main(argv: list[str] | None = None) -> int:
    """Build the given notebooks' zh-TW edition (default: all); 1 if any failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path, help="English notebooks (default: all)")
    parser.add_argument(
        "--allow-stale",
        action="store_true",
        help="build with missing or stale translations, marked in the cells",
    )
    parser.add_argument("--no-execute", action="store_true", help="write without running")
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; fail if a zh-TW notebook is not what would be built",
    )
    args = parser.parse_args(argv)  # fmt: skip
    paths = [p.resolve() for p in args.paths] or series(NOTEBOOKS)
    if args.check:
        stale = check(paths)
        print("\n".join(stale) or f"{len(paths)} zh-TW notebooks are up to date")
        return 1 if stale else 0
    EDITION.mkdir(exist_ok=True)
    link_folders()
    os.environ["MPLBACKEND"] = INLINE_BACKEND
    failed: list[str] = []
    for path in paths:
        print(f"{os.path.relpath(output_path(path), ROOT)} ...", end=" ", flush=True)
        try:
            seconds = run(path, allow_stale=args.allow_stale, execute=not args.no_execute)
        except BuildFailed as exc:
            print("NOT BUILT")
            print(exc, file=sys.stderr)
            failed.append(path.name)
            continue
        except (CellExecutionError, CellTimeoutError, DeadKernelError) as exc:
            print("FAILED (not saved)")
            print(exc, file=sys.stderr)
            failed.append(path.name)
            continue
        print(f"ok, {seconds:.1f} s")
    print(f"{len(paths) - len(failed)} of {len(paths)} zh-TW notebooks saved")
    if failed:
        print("failed: " + ", ".join(failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
