"""What a diagram is made of (boxes, arrows, groups, state marks) and where each part sits.

Coordinates are SVG pixels from the top left corner. A diagram is data only: ``svg.render``
turns it into text, ``check.problems`` measures it.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

SIZE = 14  # px, the size of JupyterLab's body text
SMALL = 13  # px, arrow labels and group names
LINE = 19  # px between two lines of a box
LABEL_LINE = 16  # px between two lines of an arrow label
PAD_Y = 10  # px above the first line and below the last
PAD_X = 9  # px the text keeps from a box's left and right edges
CYLINDER = 12  # px a cylinder (a store) adds to a box for its lid and base
STORES = ("log", "model")  # the kinds of box drawn as a cylinder


Point = tuple[float, float]
Rect = tuple[float, float, float, float]  # left, top, right, bottom


@dataclass(frozen=True)
class Line:
    """One line of text: sans-serif prose, or code in a monospaced font."""

    text: str
    mono: bool = False


def code(text: str) -> Line:
    return Line(text, mono=True)


def words(*texts: str) -> tuple[Line, ...]:
    """Lines of prose, one per argument."""
    return tuple(Line(text) for text in texts)


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
        return len(self.lines) * LINE + 2 * PAD_Y + (CYLINDER if self.cylinder else 0)

    @property
    def cylinder(self) -> bool:
        return self.kind in STORES

    @property
    def rect(self) -> Rect:
        x, y = self.cx - self.w / 2, self.cy - self.h / 2
        return (x, y, x + self.w, y + self.h)

    def top(self, dx: float = 0) -> Point:
        return (self.cx + dx, self.cy - self.h / 2)

    def bottom(self, dx: float = 0) -> Point:
        return (self.cx + dx, self.cy + self.h / 2)

    def left(self, dy: float = 0) -> Point:
        return (self.cx - self.w / 2, self.cy + dy)

    def right(self, dy: float = 0) -> Point:
        return (self.cx + self.w / 2, self.cy + dy)


@dataclass(frozen=True)
class Mark:
    """The start (a filled dot) or the end (a ringed dot) of a state diagram."""

    cx: float
    cy: float
    end: bool = False

    R = 10  # px, the radius of the outer circle

    @property
    def rect(self) -> Rect:
        return (self.cx - self.R, self.cy - self.R, self.cx + self.R, self.cy + self.R)

    def top(self, dx: float = 0) -> Point:
        return (self.cx + dx, self.cy - self.R)

    def bottom(self, dx: float = 0) -> Point:
        return (self.cx + dx, self.cy + self.R)

    def left(self) -> Point:
        return (self.cx - self.R, self.cy)

    def right(self) -> Point:
        return (self.cx + self.R, self.cy)


@dataclass(frozen=True)
class Arrow:
    """A polyline from its first point to its last, with a head unless ``head`` is False (a
    cross instead when ``cross``); a ``label`` (or several ``lines``) is drawn centred at ``at``
    on a patch of background. A ``behind`` line (a lifeline) runs under boxes on purpose."""

    points: tuple[Point, ...]
    label: str = ""
    at: Point = (0, 0)
    mono: bool = False
    dashed: bool = False
    head: bool = True
    colour: str = "ink"
    room: float = 0  # the width the label must fit in (0: no limit)
    lines: tuple[Line, ...] = ()
    cross: bool = False
    behind: bool = False

    @property
    def text(self) -> tuple[Line, ...]:
        """The label's lines, top to bottom (none when the arrow is unlabelled)."""
        return self.lines or ((Line(self.label, self.mono),) if self.label else ())

    def patch(self) -> Rect:
        """The background patch behind the label, as drawn."""
        x, y = self.at
        width = max(label_width(line) for line in self.text) + 8
        height = len(self.text) * LABEL_LINE + 1
        top = y - 10 - (len(self.text) - 1) * LABEL_LINE / 2
        return (x - width / 2, top, x + width / 2, top + height)


def label_width(line: Line) -> float:
    """The width the drawing gives a label line's patch (a fixed estimate, no font needed)."""
    return len(line.text) * SMALL * (0.62 if line.mono else 0.6)


@dataclass(frozen=True)
class Group:
    """A dashed frame around part of a diagram, named at its top left corner."""

    x: float
    y: float
    w: float
    h: float
    label: str

    @property
    def rect(self) -> Rect:
        return (self.x, self.y, self.x + self.w, self.y + self.h)


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
    marks: tuple[Mark, ...] = ()

    @property
    def file(self) -> str:
        return f"{self.name}.svg"


# -- sequence diagrams -----------------------------------------------------------------------
def heads(y: float, *participants: tuple[float, float, tuple[Line, ...]]) -> tuple[Box, ...]:
    """The participants' name boxes of a sequence diagram (centre, width, lines), tops at ``y``."""
    return tuple(
        Box(x, y + (len(lines) * LINE + 2 * PAD_Y) / 2, w, lines, "actor")
        for x, w, lines in participants
    )


def lifelines(top: float, bottom: float, *xs: float) -> tuple[Arrow, ...]:
    """The dashed vertical lines below the participants, drawn behind everything else."""
    return tuple(
        Arrow(((x, top), (x, bottom)), dashed=True, head=False, colour="grey", behind=True)
        for x in xs
    )


def message(y: float, x1: float, x2: float, *text: str | Line, **style: object) -> Arrow:
    """A message of a sequence diagram: an arrow at height ``y``, its label just above it
    (one line per ``text``; a plain string is prose)."""
    lines = tuple(t if isinstance(t, Line) else Line(t) for t in text)
    centre = y - 2 - LABEL_LINE / 2 * len(lines)  # the label's bottom 3 px above the arrow
    if len(lines) == 1:
        return Arrow(
            ((x1, y), (x2, y)),
            lines[0].text,
            at=((x1 + x2) / 2, centre),
            mono=lines[0].mono,
            room=abs(x2 - x1) - 8,
            **style,  # type: ignore[arg-type]
        )
    return Arrow(
        ((x1, y), (x2, y)),
        lines=lines,
        at=((x1 + x2) / 2, centre),
        room=abs(x2 - x1) - 8,
        **style,  # type: ignore[arg-type]
    )


# -- layout helpers --------------------------------------------------------------------------
def stack(cx: float, top: float, gap: float, w: float, *items: Box) -> tuple[Box, ...]:
    """``items`` again, centred on ``cx`` one below the other from ``top``, ``gap`` apart
    (their own ``cx`` and ``cy`` are ignored; ``w`` is used where an item's is 0)."""
    placed = []
    for spec in items:
        box = Box(cx, 0, spec.w or w, spec.lines, spec.kind)
        placed.append(Box(cx, top + box.h / 2, box.w, box.lines, box.kind))
        top += box.h + gap
    return tuple(placed)


def item(*lines: str | Line, kind: str = "step", w: float = 0) -> Box:
    """Contents for ``stack``: the lines (a plain string is prose), the kind, the width."""
    return Box(0, 0, w, tuple(t if isinstance(t, Line) else Line(t) for t in lines), kind)


def link(
    points: tuple[Point, ...],
    *text: str | Line,
    side: str = "on",
    seg: int = -1,
    pos: float = 0.5,
    **style: object,
) -> Arrow:
    """An arrow through ``points`` labelled at ``pos`` (0: start, 1: end) along segment ``seg``
    (the longest when -1): ``on`` the line, or to its ``right``/``left`` (a vertical segment) or
    ``above`` it (a horizontal one). A plain string is prose."""
    lines = tuple(t if isinstance(t, Line) else Line(t) for t in text)
    pairs = list(pairwise(points))
    if seg < 0:
        seg = max(
            range(len(pairs)),
            key=lambda i: (
                abs(pairs[i][1][0] - pairs[i][0][0]) + abs(pairs[i][1][1] - pairs[i][0][1])
            ),
        )
    (x1, y1), (x2, y2) = pairs[seg]
    x, y = x1 + (x2 - x1) * pos, y1 + (y2 - y1) * pos + 1.5
    half = (max((label_width(line) for line in lines), default=0) + 8) / 2
    if side == "right":
        x += 8 + half
    elif side == "left":
        x -= 8 + half
    elif side == "above":
        y -= 5 + len(lines) * LABEL_LINE / 2
    return Arrow(points, lines=lines, at=(x, y), **style)  # type: ignore[arg-type]
