"""Pure helpers behind ``make notebooks``: the series order, navigation cells, clean metadata.

Nothing here starts a kernel or touches the disk except :func:`series`, which lists files, so
the tests can check every rule without running a notebook.
"""

from __future__ import annotations

import copy
import re
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import nbformat
from nbformat import NotebookNode
from nbformat.v4.nbbase import random_cell_id

INDEX = "00_start_here.ipynb"
NAV_TAG = "nav"
NAV_TOP_ID = "nav-top"
NAV_BOTTOM_ID = "nav-bottom"
SERIES_PATTERN = re.compile(r"^(\d\d)_([a-z0-9_]+)\.ipynb$")

KERNELSPEC: dict[str, str] = {
    "name": "python3",
    "display_name": "Python 3 (ipykernel)",
    "language": "python",
}
# What a Python kernel reports as its language_info (ipykernel's kernel_info reply). A saved
# notebook carries all of it, version included, so that starting a kernel on it changes
# nothing and JupyterLab does not mark it unsaved the moment it opens.
LANGUAGE_INFO_KEYS = (
    "name",
    "version",
    "mimetype",
    "file_extension",
    "codemirror_mode",
    "nbconvert_exporter",
    "pygments_lexer",
)
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_ID_NAMESPACE = uuid.UUID("6f1d6c1e-5b1a-4c38-9a43-0e5b4c2d7a10")
# Cell metadata keys written by tools, not by authors (nbclient timings, old Jupyter state).
VOLATILE_CELL_KEYS = ("execution", "ExecuteTime")


# Words a file name must lower-case but a title spells its own way.
PROPER_WORDS = {"duckdb": "DuckDB", "postgresql": "PostgreSQL", "api": "API"}


def series(notebooks_dir: Path) -> list[Path]:
    """The notebooks of the series, ``NN_snake_title.ipynb``, sorted by file name."""
    return sorted(
        p for p in notebooks_dir.iterdir() if p.is_file() and SERIES_PATTERN.match(p.name)
    )


def label(name: str) -> str:
    """A human label for a notebook file name, e.g. ``01_commands_and_events.ipynb`` ->
    ``01 Commands and events``."""
    match = SERIES_PATTERN.match(name)
    if match is None:
        raise ValueError(f"{name!r} is not a series notebook name like 01_some_topic.ipynb")
    number, words = match.groups()
    text = words.replace("_", " ").capitalize()
    return f"{number} " + " ".join(PROPER_WORDS.get(word, word) for word in text.split())


def nav_text(name: str, names: Sequence[str]) -> str:
    """The markdown of the navigation cell for notebook ``name`` within the series ``names``.

    ``previous · index · next`` as relative links. The first notebook has no previous link,
    the last no next link; on the index itself "Index" is bold text, not a link to itself.
    """
    ordered = sorted(names)
    if name not in ordered:
        raise ValueError(f"{name!r} is not in the series {ordered}")
    i = ordered.index(name)
    parts: list[str] = []
    if i > 0:
        previous = ordered[i - 1]
        parts.append(f"[← {label(previous)}]({previous})")
    parts.append("**Index**" if name == INDEX else f"[Index]({INDEX})")
    if i + 1 < len(ordered):
        following = ordered[i + 1]
        parts.append(f"[{label(following)} →]({following})")
    return " · ".join(parts)


def is_nav(cell: NotebookNode) -> bool:
    """True for a markdown cell tagged ``nav``."""
    return cell.cell_type == "markdown" and NAV_TAG in cell.get("metadata", {}).get("tags", [])


def is_title(cell: NotebookNode) -> bool:
    """True for a markdown cell that starts with a level-one heading (``# ...``)."""
    return cell.cell_type == "markdown" and cell.source.lstrip().startswith("# ")


def nav_cells(nb: NotebookNode) -> tuple[NotebookNode | None, NotebookNode | None]:
    """The top and bottom navigation cells, if they sit where they belong."""
    cells = nb.cells
    top_index = 1 if cells and is_title(cells[0]) else 0
    top = cells[top_index] if len(cells) > top_index and is_nav(cells[top_index]) else None
    bottom = cells[-1] if len(cells) > top_index + 1 and is_nav(cells[-1]) else None
    return top, bottom


def _nav_cell(text: str, cell_id: str) -> NotebookNode:
    cell = nbformat.v4.new_markdown_cell(text, metadata={"tags": [NAV_TAG]})
    cell.id = cell_id
    return cell


def refresh_nav(nb: NotebookNode, text: str) -> NotebookNode:
    """Put one nav cell with ``text`` after the title (or first) and one at the very end.

    Existing nav cells are removed wherever they are; the first two keep their ids, so a
    refresh changes nothing when the text is already right. Mutates and returns ``nb``.
    """
    old = [c for c in nb.cells if is_nav(c)]
    nb.cells = [c for c in nb.cells if not is_nav(c)]
    top_id = old[0].get("id", NAV_TOP_ID) if old else NAV_TOP_ID
    bottom_id = old[1].get("id", NAV_BOTTOM_ID) if len(old) > 1 else NAV_BOTTOM_ID
    if bottom_id == top_id:
        bottom_id = NAV_BOTTOM_ID if top_id != NAV_BOTTOM_ID else NAV_TOP_ID
    top_index = 1 if nb.cells and is_title(nb.cells[0]) else 0
    nb.cells.insert(top_index, _nav_cell(text, top_id))
    nb.cells.append(_nav_cell(text, bottom_id))
    return nb


def kernel_language_info(reported: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of the ``language_info`` a kernel reported, refused if a key is missing.

    ``make notebooks`` saves it as the kernel sent it (nbclient puts the kernel_info reply's
    ``language_info`` into the notebook's metadata), so a kernel start on the saved notebook
    finds exactly what it would write.
    """
    missing = [key for key in LANGUAGE_INFO_KEYS if key not in reported]
    if missing:
        raise ValueError(
            f"the kernel reported a language_info without {', '.join(missing)}: run the "
            "notebooks with an ipykernel Python kernel (the venv's python3 kernelspec)"
        )
    return copy.deepcopy(dict(reported))


def normalise_metadata(
    nb: NotebookNode, language_info: Mapping[str, Any] | None = None
) -> NotebookNode:
    """Strip widget state and tool timings, set the kernelspec and, if given, language_info.

    ``language_info`` is what the kernel that ran the notebook reported (see
    :func:`kernel_language_info`); without it the notebook's own is kept. Gives every cell an
    id if it has none (existing ids are kept). Mutates and returns ``nb``.
    """
    nb.nbformat = 4
    nb.nbformat_minor = max(nb.get("nbformat_minor", 5), 5)
    nb.metadata.pop("widgets", None)
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    if language_info is not None:
        nb.metadata["language_info"] = kernel_language_info(language_info)
    for cell in nb.cells:
        if not cell.get("id"):
            cell.id = random_cell_id()
        for key in VOLATILE_CELL_KEYS:
            cell.metadata.pop(key, None)
    return nb


def stable_widget_ids(nb: NotebookNode) -> NotebookNode:
    """Replace the random ``model_id`` of every saved widget view by one derived from the cell.

    Widget state is not saved (see :func:`normalise_metadata`), so the id points at nothing
    either way; a stable one means re-running an unchanged notebook changes no byte of it.
    Mutates and returns ``nb``.
    """
    for cell in nb.cells:
        views = [
            out["data"][WIDGET_VIEW]
            for out in cell.get("outputs", [])
            if WIDGET_VIEW in out.get("data", {})
        ]
        for n, view in enumerate(views):
            view["model_id"] = uuid.uuid5(WIDGET_ID_NAMESPACE, f"{cell.id}/{n}").hex
    return nb
