"""Presentation pages for ``make present``: one Voilà page per topic, made from the series.

A page is a small notebook in ``notebooks/present/``: a title and a few lines for the teacher
(written in :data:`TOPICS`), then code cells copied verbatim from one series notebook, named
by cell id. The cells that prepare the panel run with their output captured; the panel and
its chart show theirs. A page holds no outputs: Voilà runs it each time it is opened. Since
the code comes from the series by id, a page runs what the notebook runs; when a listed id
disappears from its notebook, writing the pages fails and names it.

``00_index.ipynb`` lists the pages, with the notebook section each comes from and whether
that section is on the 2-hour route (read from the section's heading).

Usage::

    python tools/present_pages.py            # (re)write notebooks/present/ (make present-pages)
    python tools/present_pages.py find lag   # the page for a topic: its slug, number or file
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbformat import NotebookNode
from notebook_tools import KERNELSPEC, label

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
PAGES = NOTEBOOKS / "present"
INDEX = "00_index.ipynb"
DEEP_DIVE = "(deep dive)"
BEYOND = "Beyond the 2-hour route"
# Wrapped around a cell that only prepares the panel: it runs, its output is not shown.
# (A context manager entered by hand, not %%capture: that cannot run top-level `await`.)
QUIET_BEGIN = (
    "from IPython.utils.capture import capture_output  # this cell's output is not shown\n"
    "\n"
    "_quiet = capture_output()\n"
    "_quiet.__enter__()\n"
)
QUIET_END = "\n_quiet.__exit__(None, None, None)\n"
GENERATED = "tools/present_pages.py (make present-pages)"


class PageError(ValueError):
    """A topic names a notebook or a cell the series does not have."""


@dataclass(frozen=True)
class Topic:
    """One presentation page: which cells of which notebook, and what to say above them."""

    slug: str
    """Short name: ``make present TOPIC=<slug>``, and the page's file ``NN_<slug>.ipynb``."""
    notebook: str
    title: str
    context: str
    """Markdown for the teacher: what the panel shows, what to click, what to point at."""
    cells: tuple[str, ...]
    """Cell ids of ``notebook``, in the order the page runs them."""
    show: tuple[str, ...]
    """The ids among ``cells`` whose output the page shows: the panel and its chart."""
    needs: str = ""
    """What the page needs beyond the virtual environment, if anything."""

    @property
    def number(self) -> str:
        return self.notebook[:2]

    @property
    def file_name(self) -> str:
        return f"{self.number}_{self.slug}.ipynb"


TOPICS: tuple[Topic, ...] = (
    Topic(
        "teller", "01_commands_and_events.ipynb", "The teller panel",
        "A bank with buttons. Type an owner and an amount in whole cents, open the account, "
        "then deposit, withdraw and close it. Every accepted command appends events to the "
        "log; every refused one shows the rule's message and the log does not grow.\n\n"
        "Try: withdraw more than the balance, close with money left, type `12.5` as an "
        "amount (money is whole cents, so it is refused).",
        ("setup", "panel"), ("panel",),
    ),
    Topic(
        "race", "02_event_store_and_concurrency.ipynb", "Two tellers, one account",
        "Two tellers load the same account, decide, and append with the version they saw. "
        "The schedule says who does what when; the store accepts the first append and "
        "refuses the second with a `ConcurrencyConflict`, so no update is lost. With "
        "retries, the loser reloads and decides again.\n\n"
        "Below the panel: how often appends conflict as more writers share one stream.",
        ("setup", "panel", "rates", "chart"), ("panel", "chart"),
    ),
    Topic(
        "time_travel", "03_replay_and_time_travel.ipynb", "Time travel",
        "An account's state is a fold over its events. Move the version slider (or press "
        "play) to replay the stream up to any event; the readout shows the state the "
        "account had then, and the chart marks where we stand. The other control asks the "
        "same question as of a moment in time.",
        ("setup", "story", "panel"), ("panel",),
    ),
    Topic(
        "snapshots", "04_snapshots.ipynb", "Snapshots: choosing N",
        "A snapshot every N events bounds how many events a load replays, at the price of "
        "snapshot rows written. Move N and the stream length: the table and the two charts "
        "show the saw-tooth of replayed events and the two costs against each other.",
        ("setup", "panel"), ("panel",),
    ),
    Topic(
        "schema", "05_schema_evolution.ipynb", "Stored rows, raw and upcast",
        "Stored events are never rewritten: rows written by older releases keep their old "
        "shape. Pick a stored row to see it as stored, each upcaster step that brings it to "
        "today's shape, and the event the code reads.\n\n"
        "Below the panel: how many rows of each type are in each schema version.",
        ("setup", "version", "legacy-write", "panel", "chart"), ("panel", "chart"),
    ),
    Topic(
        "projector", "06_projections_and_read_models.ipynb", "The projector, batch by batch",
        "The write side appends events; a projector applies them to read models in "
        "batches, each batch and its checkpoint in one transaction. Deposit to make the "
        "read models fall behind, then project the next batch and watch them catch up; "
        "queries read only the read models.",
        ("setup", "step-setup", "once-crash", "once-restart", "panel"), ("panel",),
    ),
    Topic(
        "lag", "07_projection_lag.ipynb", "Projection lag",
        "A simulated projector behind a stream of writes. Move the write rate, the "
        "projector's throughput, the poll interval and the batch size: the numbers and the "
        "chart show how far the read model falls behind, in events and in seconds. Turn on "
        "read-your-own-writes to see what waiting for one's own position costs.",
        ("setup", "panel"), ("panel",),
    ),
    Topic(
        "quiz", "08_interview_prep.ipynb", "Quiz",
        "The interview questions of the series, one at a time: choose an answer, check it, "
        "and read why it is right or wrong, with a pointer to the notebook that shows it.",
        ("setup", "quiz-panel"), ("quiz-panel",),
    ),
    Topic(
        "tailing", "09_from_duckdb_to_postgresql.ipynb", "The bigserial trap",
        "Two writers insert into a real PostgreSQL table and commit in any order; a reader "
        "tails the log by position. With `bigserial`, a position can become visible after a "
        "higher one, and the reader's checkpoint skips it for good. Switch to the writer "
        "lock and play the same clicks: nothing is missed.\n\n"
        "Below the panel: the same race scripted with three writers, both ways.",
        ("setup", "panel", "trap", "trap-fixed", "trap-chart"), ("panel", "trap-chart"),
        needs="a PostgreSQL server (Debian's `postgresql` package, or `ESBANK_PG_DSN`)",
    ),
    Topic(
        "requests", "10_command_api.ipynb", "Requests to the command API",
        "Build an HTTP request by hand and send it to the API running in this page: the "
        "status, the content type and the body come back as a client sees them. The amount "
        "is sent as typed, so `12.5`, `true` or `\"5\"` reach the server as a careless "
        "client would send them, and are answered `400`.",
        ("setup", "endpoint", "panel"), ("panel",),
    ),
    Topic(
        "transfers", "11_beyond_one_aggregate.ipynb", "A transfer, crash and resume",
        "A transfer between two accounts is a process manager: debit, credit, or refund, "
        "each step its own command. Choose where the manager dies, start a transfer, and "
        "resume it: the money in flight is visible, and it lands exactly once.\n\n"
        "Below the panel: one transfer that crashes after the debit, traced step by step.",
        ("254661af", "63011ccc", "e6316468"), ("63011ccc", "e6316468"),
    ),
)  # fmt: skip


# -- reading the series --------------------------------------------------------------------
def cell_index(nb: NotebookNode, cell_id: str, where: str) -> int:
    """The position of the cell ``cell_id`` in ``nb``; :class:`PageError` naming it if absent."""
    for i, cell in enumerate(nb.cells):
        if cell.get("id") == cell_id:
            return i
    raise PageError(
        f"{where}: cell id {cell_id!r} is not in the notebook any more; update TOPICS in "
        "tools/present_pages.py to the cells that now build the panel"
    )


def section_heading(nb: NotebookNode, cell_id: str) -> str:
    """The ``## `` heading of the section that holds ``cell_id`` (nearest one above it)."""
    for cell in reversed(nb.cells[: cell_index(nb, cell_id, "section_heading") + 1]):
        if cell.cell_type != "markdown":
            continue
        for line in reversed(cell.source.splitlines()):
            if line.startswith("## "):
                return line[3:].strip()
    return ""


def route(nb: NotebookNode, heading: str) -> str:
    """Where a section stands: on the 2-hour route, a deep dive, or beyond the route."""
    title = nb.cells[0].source if nb.cells else ""
    if BEYOND.lower() in title.lower():
        return "beyond the route"
    return "deep dive" if heading.endswith(DEEP_DIVE) else "on the route"


# -- building pages (pure) -----------------------------------------------------------------
def _code(cell: NotebookNode, shown: bool) -> NotebookNode:
    source = cell.source if shown else QUIET_BEGIN + cell.source.rstrip("\n") + QUIET_END
    page_cell = nbformat.v4.new_code_cell(source)
    page_cell.id = cell.id
    return page_cell


def _markdown(text: str, cell_id: str) -> NotebookNode:
    cell = nbformat.v4.new_markdown_cell(text)
    cell.id = cell_id
    return cell


def _notebook(cells: list[NotebookNode], source: str) -> NotebookNode:
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata["esbank"] = {"generated_by": GENERATED, "from": source}
    return nb


def build_page(topic: Topic, nb: NotebookNode) -> NotebookNode:
    """The page of ``topic`` from its notebook ``nb`` (the notebook is not changed)."""
    where = f"topic {topic.slug!r} ({topic.notebook})"
    unknown = [cell_id for cell_id in topic.show if cell_id not in topic.cells]
    if unknown or not topic.show:
        raise PageError(f"{where}: show must name cells the page runs, got {list(topic.show)}")
    code = []
    for cell_id in topic.cells:
        cell = nb.cells[cell_index(nb, cell_id, where)]
        if cell.cell_type != "code":
            raise PageError(f"{where}: cell {cell_id!r} is {cell.cell_type}, not code")
        code.append(_code(cell, shown=cell_id in topic.show))
    heading = section_heading(nb, topic.show[0])
    needs = f"\n\n*Needs {topic.needs}.*" if topic.needs else ""
    header = (
        f"# {topic.number} · {topic.title}\n\n{topic.context}{needs}\n\n"
        f"<small>From notebook {label(topic.notebook)}, section “{heading}”. "
        f"All pages: [index]({INDEX}).</small>"
    )
    return _notebook([_markdown(header, "present-title"), *code], topic.notebook)


def build_index(topics: Sequence[Topic], series: Mapping[str, NotebookNode]) -> NotebookNode:
    """The index page: every topic, with its notebook section and its place on the route."""
    rows = []
    for topic in topics:
        nb = series[topic.notebook]
        heading = section_heading(nb, topic.show[0])
        needs = f" Needs {topic.needs}." if topic.needs else ""
        rows.append(
            f"| [{topic.number} · {topic.title}]({topic.file_name}) | {label(topic.notebook)}, "
            f"“{heading}” | {route(nb, heading)} | `make present TOPIC={topic.slug}`{needs} |"
        )
    text = (
        "# esbank · presentation pages\n\n"
        "One page per topic, for showing on a screen: a few lines to say, the live panel "
        "and its chart, and no code. Each page runs its cells when it opens (a few "
        "seconds); closing the tab stops its kernel.\n\n"
        "| page | from | 2-hour route | alone |\n|---|---|---|---|\n" + "\n".join(rows)
    )
    return _notebook([_markdown(text, "index")], "the series")


def find_topic(query: str, topics: Sequence[Topic] = TOPICS) -> Topic:
    """The topic named by its slug (``lag``), number (``07``) or page file (``07_lag``)."""
    wanted = query.strip().lower().removesuffix(".ipynb")
    for topic in topics:
        if wanted in {topic.slug, topic.number, topic.file_name.removesuffix(".ipynb")}:
            return topic
    names = ", ".join(f"{t.slug} ({t.number})" for t in topics)
    raise PageError(f"no presentation page {query!r}; the topics are: {names}")


# -- the shell ---------------------------------------------------------------------------------
def render(topics: Sequence[Topic], notebooks: Path) -> dict[str, str]:
    """Every page's file name and JSON text, built from the series in ``notebooks``."""
    series = {
        name: nbformat.read(notebooks / name, as_version=4)
        for name in sorted({topic.notebook for topic in topics})
    }
    pages = {INDEX: build_index(topics, series)}
    for topic in topics:
        pages[topic.file_name] = build_page(topic, series[topic.notebook])
    for page in pages.values():
        nbformat.validate(page)
    return {name: nbformat.writes(page) + "\n" for name, page in pages.items()}


def write_pages(notebooks: Path = NOTEBOOKS, out: Path = PAGES) -> list[str]:
    """Write the pages into ``out`` (only those that changed), remove pages no topic has;
    return the names of the files written or removed."""
    pages = render(TOPICS, notebooks)
    out.mkdir(parents=True, exist_ok=True)
    changed = []
    for name, text in pages.items():
        path = out / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed.append(name)
    for stale in sorted(out.glob("*.ipynb")):
        if stale.name not in pages:
            stale.unlink()
            changed.append(stale.name)
    return changed


def main(argv: list[str] | None = None) -> int:
    """Write the pages, or print the page file of one topic (``find``)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", nargs="?", choices=["write", "find"], default="write")
    parser.add_argument("topic", nargs="?", help="for find: a slug, number or page file name")
    args = parser.parse_args(argv)
    try:
        if args.command == "find":
            print((PAGES / find_topic(args.topic or "").file_name).relative_to(ROOT))
            return 0
        changed = write_pages()
    except PageError as error:
        print(f"present_pages: {error}", file=sys.stderr)
        return 2
    where = PAGES.relative_to(ROOT)
    print(f"{where}: {json.dumps(changed) if changed else 'up to date'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
