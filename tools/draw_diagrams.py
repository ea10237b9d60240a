"""Draw the notebooks' diagrams as SVG files in ``notebooks/images/``.

Mermaid diagrams vanish wherever no Mermaid renderer runs (exported HTML, an offline reader),
so every diagram listed in ``DIAGRAMS`` is also drawn here, by hand, as a small SVG a notebook
shows with ``![…](images/<name>.svg)``; its Mermaid source stays below the image, collapsed in a
``<details>`` block. The SVG text is written from the coordinates below only, so the files are
reproduced byte for byte on any machine. Each label is measured with matplotlib's own copy of
DejaVu Sans (Mono) and must fit its box with a margin for wider fonts (Verdana, Menlo).

Usage: ``python tools/draw_diagrams.py`` writes the files; ``--check`` only compares them and
exits 1 when one is missing or stale.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from html import escape
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IMAGES = ROOT / "notebooks" / "images"

SANS = "DejaVu Sans, Verdana, Geneva, sans-serif"
MONO = "DejaVu Sans Mono, Menlo, Consolas, monospace"
SIZE = 14  # px, the size of JupyterLab's body text
SMALL = 13  # px, arrow labels and group names
LINE = 19  # px between two lines of a box
PAD_Y = 10  # px above the first line and below the last
PAD_X = 9  # px the text keeps from a box's left and right edges
MARGIN = 1.08  # a wider font than DejaVu still fits
INK = "#333333"

KINDS = {  # fill, stroke
    "step": ("#e8f1fb", "#1f5f99"),
    "question": ("#fff4d6", "#9a6b00"),
    "refusal": ("#fdecea", "#a40000"),
    "done": ("#e8f5e9", "#1b5e20"),
    "log": ("#ffe7a3", "#b26a00"),
    "model": ("#e1f5fe", "#0277bd"),
    "actor": ("#f0f0f0", "#555555"),
    "note": ("#fffbe6", "#b3a25a"),
}
COLOURS = {"ink": INK, "green": "#1b5e20", "red": "#a40000", "grey": "#888888"}


@dataclass(frozen=True)
class Line:
    """One line of text: sans-serif prose, or code in a monospaced font."""

    text: str
    mono: bool = False


def code(text: str) -> Line:
    return Line(text, mono=True)


@dataclass(frozen=True)
class Box:
    """A box centred at (``cx``, ``cy``), ``w`` wide and as tall as its lines need; kind
    ``log`` and ``model`` are drawn as cylinders (stores)."""

    cx: float
    cy: float
    w: float
    lines: tuple[Line, ...]
    kind: str = "step"

    @property
    def h(self) -> float:
        return len(self.lines) * LINE + 2 * PAD_Y + (12 if self.cylinder else 0)

    @property
    def cylinder(self) -> bool:
        return self.kind in ("log", "model")

    def top(self, dx: float = 0) -> tuple[float, float]:
        return (self.cx + dx, self.cy - self.h / 2)

    def bottom(self, dx: float = 0) -> tuple[float, float]:
        return (self.cx + dx, self.cy + self.h / 2)

    def left(self, dy: float = 0) -> tuple[float, float]:
        return (self.cx - self.w / 2, self.cy + dy)

    def right(self, dy: float = 0) -> tuple[float, float]:
        return (self.cx + self.w / 2, self.cy + dy)


@dataclass(frozen=True)
class Arrow:
    """A polyline from its first point to its last, with a head unless ``head`` is False; a
    ``label`` is drawn centred at ``at`` on a patch of background."""

    points: tuple[tuple[float, float], ...]
    label: str = ""
    at: tuple[float, float] = (0, 0)
    mono: bool = False
    dashed: bool = False
    head: bool = True
    colour: str = "ink"
    room: float = 0  # the width the label must fit in (0: no limit)


@dataclass(frozen=True)
class Group:
    """A dashed frame around part of a diagram, named at its top left corner."""

    x: float
    y: float
    w: float
    h: float
    label: str


@dataclass(frozen=True)
class Diagram:
    """One SVG: where it is shown (notebook and cell id), what it says, what it holds."""

    name: str
    notebook: str
    cell: str
    title: str
    description: str
    width: int
    height: int
    boxes: tuple[Box, ...] = ()
    arrows: tuple[Arrow, ...] = ()
    groups: tuple[Group, ...] = ()

    @property
    def path(self) -> Path:
        return IMAGES / f"{self.name}.svg"


# -- measuring -------------------------------------------------------------------------------
def text_width(text: str, *, mono: bool, size: float) -> float:
    """The width in px of ``text`` set in matplotlib's DejaVu Sans (Mono) at ``size`` px."""
    import matplotlib
    from matplotlib.ft2font import FT2Font

    name = "DejaVuSansMono.ttf" if mono else "DejaVuSans.ttf"
    font = FT2Font(str(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / name))
    font.set_size(size, 72)
    font.set_text(text, 0.0)
    return font.get_width_height()[0] / 64


def overflows(diagram: Diagram) -> list[str]:
    """Every label of ``diagram`` that would not fit where it is drawn (empty: all fit)."""
    found = []
    for box in diagram.boxes:
        room = box.w - 2 * PAD_X
        for line in box.lines:
            width = text_width(line.text, mono=line.mono, size=SIZE) * MARGIN
            if width > room:
                found.append(f"{diagram.name}: {line.text!r} needs {width:.0f} px of {room:.0f}")
    for arrow in diagram.arrows:
        width = text_width(arrow.label, mono=arrow.mono, size=SMALL) * MARGIN
        if arrow.room and width > arrow.room:
            found.append(f"{diagram.name}: {arrow.label!r} needs {width:.0f} px of {arrow.room}")
    return found


# -- drawing -----------------------------------------------------------------------------------
def _n(value: float) -> str:
    """A coordinate as short, stable text (no float noise)."""
    return f"{round(value, 1):g}"


def _text(x: float, y: float, line: Line, size: int, colour: str = INK, bold: bool = False) -> str:
    family = f' font-family="{MONO}"' if line.mono else ""
    weight = ' font-weight="bold"' if bold else ""
    return (
        f'<text x="{_n(x)}" y="{_n(y)}" font-size="{size}"{family}{weight} fill="{colour}" '
        f'text-anchor="middle">{escape(line.text, quote=False)}</text>'
    )


def _box(box: Box) -> list[str]:
    fill, stroke = KINDS[box.kind]
    x, y = box.cx - box.w / 2, box.cy - box.h / 2
    if box.cylinder:
        rim = 6
        body = (
            f'<path d="M{_n(x)},{_n(y + rim)} v{_n(box.h - 2 * rim)} '
            f'a{_n(box.w / 2)},{rim} 0 0,0 {_n(box.w)},0 v{_n(-(box.h - 2 * rim))}" '
            f'fill="{fill}" stroke="{stroke}" stroke-width="1.5"/>'
        )
        lid = (
            f'<ellipse cx="{_n(box.cx)}" cy="{_n(y + rim)}" rx="{_n(box.w / 2)}" ry="{rim}" '
            f'fill="{fill}" stroke="{stroke}" stroke-width="1.5"/>'
        )
        parts = [body, lid]
    else:
        parts = [
            f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(box.w)}" height="{_n(box.h)}" rx="6" '
            f'fill="{fill}" stroke="{stroke}" stroke-width="1.5"/>'
        ]
    first = box.cy - (len(box.lines) - 1) * LINE / 2 + (6 if box.cylinder else 0)
    for i, line in enumerate(box.lines):
        parts.append(_text(box.cx, first + i * LINE + 5, line, SIZE))
    return parts


def _arrow(arrow: Arrow, marker: str) -> list[str]:
    colour = COLOURS[arrow.colour]
    points = " ".join(f"{_n(x)},{_n(y)}" for x, y in arrow.points)
    dash = ' stroke-dasharray="5,4"' if arrow.dashed else ""
    head = f' marker-end="url(#{marker}-{arrow.colour})"' if arrow.head else ""
    parts = [
        f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="1.5"'
        f"{dash}{head}/>"
    ]
    if arrow.label:
        x, y = arrow.at
        per_char = 0.62 if arrow.mono else 0.6
        width = len(arrow.label) * SMALL * per_char + 8
        parts.append(
            f'<rect x="{_n(x - width / 2)}" y="{_n(y - 10)}" width="{_n(width)}" height="17" '
            'fill="#ffffff" opacity="0.9"/>'
        )
        parts.append(_text(x, y + 3, Line(arrow.label, arrow.mono), SMALL, colour))
    return parts


def _group(group: Group) -> list[str]:
    return [
        f'<rect x="{_n(group.x)}" y="{_n(group.y)}" width="{_n(group.w)}" '
        f'height="{_n(group.h)}" rx="10" fill="#fafafa" stroke="#9e9e9e" '
        'stroke-dasharray="6,4"/>',
        f'<text x="{_n(group.x + 12)}" y="{_n(group.y + 18)}" font-size="{SMALL}" '
        f'font-weight="bold" fill="#616161">{escape(group.label, quote=False)}</text>',
    ]


def render(diagram: Diagram) -> str:
    """The SVG document of ``diagram``, as text (the same text on every machine)."""
    marker = diagram.name
    markers = "".join(
        f'<marker id="{marker}-{name}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        f'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        f'fill="{colour}"/></marker>'
        for name, colour in COLOURS.items()
    )
    body = [part for group in diagram.groups for part in _group(group)]
    body += [part for arrow in diagram.arrows for part in _arrow(arrow, marker)]
    body += [part for box in diagram.boxes for part in _box(box)]
    w, h = diagram.width, diagram.height
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
        f'viewBox="0 0 {w} {h}" role="img" aria-labelledby="{marker}-title {marker}-desc" '
        f'font-family="{SANS}">'
    )
    lines = [
        head,
        f'<title id="{marker}-title">{escape(diagram.title, quote=False)}</title>',
        f'<desc id="{marker}-desc">{escape(diagram.description, quote=False)}</desc>',
        f"<defs>{markers}</defs>",
        f'<rect width="{w}" height="{h}" rx="8" fill="#ffffff"/>',
        *body,
        "</svg>",
    ]
    return "\n".join(lines) + "\n"


# -- the diagrams ------------------------------------------------------------------------------
def architecture() -> Diagram:
    """00: a command through decide to the log; the projector feeds the read side."""
    command = Box(360, 52, 250, (Line("command"), code("WithdrawMoney(id, 4000)")))
    refused = Box(
        115,
        140,
        170,
        (Line("rule broken:"), Line("DomainError,"), Line("nothing written")),
        "refusal",
    )
    decide = Box(360, 140, 210, (code("decide(command, state)"),))
    fold = Box(600, 140, 204, (Line("state ="), code("fold(evolve, events)")))
    append = Box(360, 225, 260, (code("EventStore.append(events,"), code("expected_version)")))
    log = Box(360, 318, 240, (Line("append-only log"), code("DuckDB table events")), "log")
    projector = Box(115, 436, 170, (Line("Projector"),))
    models = Box(360, 436, 170, (Line("read models"),), "model")
    queries = Box(600, 436, 170, (Line("queries"),))
    return Diagram(
        name="architecture",
        notebook="00_start_here.ipynb",
        cell="0d2e232c",
        title="The architecture of esbank in one picture",
        description=(
            "A command goes to decide, which reads the current state folded from the log. A "
            "broken rule raises a DomainError and writes nothing; otherwise the events are "
            "appended with the expected version. The projector reads the whole log in position "
            "order into read models, and queries read only those."
        ),
        width=720,
        height=486,
        groups=(
            Group(8, 8, 704, 262, "write side: commands"),
            Group(8, 376, 704, 100, "read side: queries"),
        ),
        boxes=(command, refused, decide, fold, append, log, projector, models, queries),
        arrows=(
            Arrow((command.bottom(), decide.top())),
            Arrow((fold.left(), decide.right())),
            Arrow((decide.left(), refused.right())),
            Arrow((decide.bottom(), append.top()), "events", at=(394, 178)),
            Arrow((append.bottom(), log.top())),
            Arrow(
                (log.right(), (600, 318), fold.bottom()),
                "read_stream(id)",
                at=(600, 232),
                mono=True,
            ),
            Arrow(
                (log.left(), (115, 318), projector.top()), "read_all()", at=(115, 356), mono=True
            ),
            Arrow((projector.right(), models.left())),
            Arrow((models.right(), queries.left())),
        ),
    )


def decide_evolve() -> Diagram:
    """01: decide judges a command against a state; evolve applies the event it returns."""
    command = Box(360, 50, 250, (Line("command"), code("DepositMoney(acct, 2500)")))
    refused = Box(
        115,
        140,
        170,
        (Line("rule says no:"), Line("DomainError,"), Line("nothing written")),
        "refusal",
    )
    decide = Box(360, 140, 210, (code("decide(command, state)"),))
    state1 = Box(600, 140, 180, (Line("state v1"), Line("balance 10000")))
    log = Box(115, 240, 170, (Line("event log"), Line("append only")), "log")
    events = Box(360, 240, 236, (Line("rules say yes:"), code("(MoneyDeposited(2500),)")), "done")
    evolve = Box(600, 240, 204, (code("evolve(state, event)"),))
    state2 = Box(600, 322, 180, (Line("state v2"), Line("balance 12500")))
    return Diagram(
        name="decide_evolve",
        notebook="01_commands_and_events.ipynb",
        cell="decide-evolve-md",
        title="decide judges, evolve applies",
        description=(
            "decide takes the command DepositMoney(acct, 2500) and the state at version 1. A "
            "rule that says no raises a DomainError and nothing is written; otherwise decide "
            "returns the event MoneyDeposited(2500), which is appended to the log and which "
            "evolve applies to state v1, giving state v2 with balance 12500."
        ),
        width=720,
        height=364,
        boxes=(command, refused, decide, state1, log, events, evolve, state2),
        arrows=(
            Arrow((command.bottom(), decide.top())),
            Arrow((state1.left(), decide.right())),
            Arrow((decide.left(), refused.right())),
            Arrow((decide.bottom(), events.top())),
            Arrow((events.left(), log.right())),
            Arrow((events.right(), evolve.left())),
            Arrow((state1.bottom(), evolve.top())),
            Arrow((evolve.bottom(), state2.top())),
        ),
    )


def _message(y: float, x1: float, x2: float, label: str, **style: object) -> Arrow:
    """A message of a sequence diagram: an arrow at height ``y``, its label just above."""
    return Arrow(
        ((x1, y), (x2, y)), label, at=((x1 + x2) / 2, y - 10), room=abs(x2 - x1) - 8, **style
    )  # type: ignore[arg-type]


def race() -> Diagram:
    """02: two tellers load version 3; the first append wins, the second gets a conflict."""
    a, t, b = 115, 370, 625
    heads = tuple(
        Box(x, 34, 160, (Line(name),), "actor")
        for x, name in ((a, "Teller A"), (t, "events table"), (b, "Teller B"))
    )
    notes = (
        Box(a, 224, 200, (Line("decide: withdraw 6000"), Line("allowed")), "note"),
        Box(b, 224, 200, (Line("decide: withdraw 5000"), Line("allowed")), "note"),
        Box(
            b,
            436,
            190,
            (Line("reload: version 4,"), Line("balance 2500,"), Line("decide again")),
            "note",
        ),
    )
    lifelines = tuple(
        Arrow(((x, 54), (x, 480)), dashed=True, head=False, colour="grey") for x in (a, t, b)
    )
    return Diagram(
        name="race",
        notebook="02_event_store_and_concurrency.ipynb",
        cell="race-md",
        title="Two tellers, one account: the second append is refused",
        description=(
            "Teller A and teller B both load Ada at version 3 with balance 8500. A decides to "
            "withdraw 6000, B to withdraw 5000; both are allowed. A appends with expected "
            "version 3 and is accepted: the stream is now at version 4. B appends with expected "
            "version 3 and gets ConcurrencyConflict; B reloads version 4, balance 2500, and "
            "decides again."
        ),
        width=740,
        height=490,
        boxes=heads + notes,
        arrows=(
            *lifelines,
            _message(86, a, t, "load Ada"),
            _message(118, t, a, "version 3, balance 8500", dashed=True),
            _message(150, b, t, "load Ada"),
            _message(182, t, b, "version 3, balance 8500", dashed=True),
            _message(290, a, t, "append, expected_version=3", mono=True),
            _message(322, t, a, "accepted: now version 4", dashed=True, colour="green"),
            _message(354, b, t, "append, expected_version=3", mono=True),
            _message(386, t, b, "ConcurrencyConflict: now version 4", dashed=True, colour="red"),
        ),
    )


def retry() -> Diagram:
    """02: Bank.handle's loop: load, decide, append; on a conflict, load again or give up."""
    load = Box(260, 45, 270, (Line("load: read_stream + replay"), Line("state at version v")))
    decide = Box(260, 125, 210, (code("decide(command, state)"),))
    refused = Box(
        565, 125, 230, (Line("rule says no: refused,"), Line("nothing written")), "refusal"
    )
    append = Box(260, 215, 250, (code("append(events,"), code("expected_version=v)")))
    done = Box(565, 215, 230, (Line("accepted: done,"), Line("now at version v + 1")), "done")
    conflict = Box(260, 305, 230, (code("ConcurrencyConflict"), Line("retries left?")), "question")
    give_up = Box(
        565, 305, 230, (Line("no retry left: raise"), code("ConcurrencyConflict")), "refusal"
    )
    return Diagram(
        name="retry",
        notebook="02_event_store_and_concurrency.ipynb",
        cell="retry-md",
        title="Retry: load, decide again, append again",
        description=(
            "Bank.handle loads the stream and replays it to the state at version v, decides, "
            "and appends with expected version v. A refusal is final and writes nothing; an "
            "accepted append ends at version v + 1. On ConcurrencyConflict, while retries are "
            "left it loads again and decides again; otherwise it raises ConcurrencyConflict."
        ),
        width=700,
        height=350,
        boxes=(load, decide, refused, append, done, conflict, give_up),
        arrows=(
            Arrow((load.bottom(), decide.top())),
            Arrow((decide.right(), refused.left())),
            Arrow((decide.bottom(), append.top()), "events", at=(294, 165)),
            Arrow((append.right(), done.left())),
            Arrow((append.bottom(), conflict.top())),
            Arrow((conflict.right(), give_up.left()), "no", at=(412, 297)),
            Arrow(
                (conflict.left(), (70, 305), (70, 45), load.left()), "yes: load again", at=(70, 175)
            ),
        ),
    )


DIAGRAMS: tuple[Diagram, ...] = (architecture(), decide_evolve(), race(), retry())
"""Every diagram drawn here, with the notebook cell that shows it."""


# -- the command line --------------------------------------------------------------------------
def stale(diagrams: tuple[Diagram, ...]) -> list[str]:
    """The diagrams whose file is missing or differs from what ``render`` draws."""
    return [
        d.name
        for d in diagrams
        if not d.path.is_file() or d.path.read_text(encoding="utf-8") != render(d)
    ]


def main(argv: list[str] | None = None) -> int:
    """Write (or with ``--check`` compare) every diagram; 1 if a label overflows or is stale."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare only, write nothing")
    args = parser.parse_args(argv)
    problems = [problem for d in DIAGRAMS for problem in overflows(d)]
    if problems:
        print("labels that do not fit:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 1
    if args.check:
        names = stale(DIAGRAMS)
        for name in names:
            print(
                f"{os.path.relpath(IMAGES / name, ROOT)}.svg is stale: run tools/draw_diagrams.py"
            )
        return 1 if names else 0
    IMAGES.mkdir(parents=True, exist_ok=True)
    for d in DIAGRAMS:
        d.path.write_text(render(d), encoding="utf-8", newline="\n")
        print(f"wrote {os.path.relpath(d.path, ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
