"""Is a diagram readable? Every label fits its box, and nothing overlaps or leaves the canvas.

Text is measured with matplotlib's own copy of DejaVu Sans (Mono), with a margin for a wider
font (Verdana, Menlo); the geometry is plain rectangles and line segments.
"""

from __future__ import annotations

from functools import cache
from itertools import combinations, pairwise
from pathlib import Path

from .shapes import PAD_X, SIZE, SMALL, Arrow, Diagram, Line, Point, Rect

MARGIN = 1.08  # a wider font than DejaVu Sans (Verdana) still fits
MONO_MARGIN = 1.02  # monospaced fonts are about as wide as DejaVu Sans Mono (Menlo: the same)
GAP = 4  # px two boxes keep between them at least


@cache
def _font(name: str):  # type: ignore[no-untyped-def]  (FT2Font has no stubs)
    import matplotlib
    from matplotlib.ft2font import FT2Font

    return FT2Font(str(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / name))


def text_width(text: str, *, mono: bool, size: float, bold: bool = False) -> float:
    """The width in px of ``text`` set in matplotlib's DejaVu Sans (Mono) at ``size`` px."""
    name = "DejaVuSansMono.ttf" if mono else "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    font = _font(name)
    font.set_size(size, 72)
    font.set_text(text, 0.0)
    return float(font.get_width_height()[0] / 64)


def _label_rect(arrow: Arrow) -> Rect:
    """Where an arrow's label is: its drawn patch, widened to the measured text if need be."""
    left, top, right, bottom = arrow.patch()
    x = arrow.at[0]
    half = max(_measure(line, SMALL) for line in arrow.text) / 2 + 4
    return (min(left, x - half), top, max(right, x + half), bottom)


def _measure(line: Line, size: float) -> float:
    return text_width(line.text, mono=line.mono, size=size) * (MONO_MARGIN if line.mono else MARGIN)


def overflows(diagram: Diagram) -> list[str]:
    """Every label of ``diagram`` that would not fit where it is drawn (empty: all fit)."""
    found = []
    for box in diagram.boxes:
        room = box.w - 2 * PAD_X
        for line in box.lines:
            width = _measure(line, SIZE)
            if width > room:
                found.append(f"{diagram.name}: {line.text!r} needs {width:.0f} px of {room:.0f}")
    for arrow in diagram.arrows:
        for line in arrow.text:
            width = _measure(line, SMALL)
            if arrow.room and width > arrow.room:
                found.append(
                    f"{diagram.name}: {line.text!r} needs {width:.0f} px of {arrow.room:.0f}"
                )
    return found


# -- geometry --------------------------------------------------------------------------------
def _meet(a: Rect, b: Rect, gap: float = 0) -> bool:
    """Do two rectangles overlap, or come closer than ``gap``?"""
    return a[0] < b[2] + gap and b[0] < a[2] + gap and a[1] < b[3] + gap and b[1] < a[3] + gap


def _inside(inner: Rect, outer: Rect) -> bool:
    return (
        outer[0] <= inner[0]
        and outer[1] <= inner[1]
        and inner[2] <= outer[2]
        and (inner[3] <= outer[3])
    )


def _crosses(p: Point, q: Point, rect: Rect) -> bool:
    """Does the segment from ``p`` to ``q`` enter the inside of ``rect`` (its edge excluded)?"""
    left, top, right, bottom = rect[0] + 1, rect[1] + 1, rect[2] - 1, rect[3] - 1
    t0, t1 = 0.0, 1.0
    dx, dy = q[0] - p[0], q[1] - p[1]
    for step, room in (
        (-dx, p[0] - left),
        (dx, right - p[0]),
        (-dy, p[1] - top),
        (dy, bottom - p[1]),
    ):
        if step == 0:
            if room <= 0:
                return False
            continue
        t = room / step
        if step < 0:
            t0 = max(t0, t)
        else:
            t1 = min(t1, t)
    return t0 < t1


def _segments(arrow: Arrow) -> list[tuple[Point, Point]]:
    return list(pairwise(arrow.points))


def _group_label(diagram: Diagram) -> list[tuple[str, Rect]]:
    return [
        (
            f"group {g.label!r}",
            (
                g.x + 10,
                g.y + 4,
                g.x + 14 + text_width(g.label, mono=False, size=SMALL, bold=True) * MARGIN,
                g.y + 23,
            ),
        )
        for g in diagram.groups
    ]


def collisions(diagram: Diagram) -> list[str]:
    """Every two parts of ``diagram`` that overlap, and every part outside it (empty: none)."""
    name = diagram.name
    solids = [(f"box {b.lines[0].text!r}", b.rect) for b in diagram.boxes]
    solids += [(f"mark at {m.cx:g},{m.cy:g}", m.rect) for m in diagram.marks]
    labelled = [a for a in diagram.arrows if a.text]
    labels = [(f"label {a.text[0].text!r}", _label_rect(a)) for a in labelled]
    titles = _group_label(diagram)
    canvas: Rect = (0, 0, diagram.width, diagram.height)
    found = [
        f"{name}: {what} leaves the canvas"
        for what, rect in solids + labels + titles
        if not _inside(rect, canvas)
    ]
    found += [
        f"{name}: {a} and {b} overlap"
        for (a, ra), (b, rb) in combinations(solids, 2)
        if _meet(ra, rb, GAP)
    ]
    found += [
        f"{name}: {a} and {b} overlap"
        for (a, ra), (b, rb) in combinations(labels + titles, 2)
        if _meet(ra, rb)
    ]
    found += [
        f"{name}: {a} covers {b}" for a, ra in labels + titles for b, rb in solids if _meet(ra, rb)
    ]
    for group in diagram.groups:
        found += [
            f"{name}: {what} is half inside group {group.label!r}"
            for what, rect in solids + labels
            if _meet(rect, group.rect) and not _inside(rect, group.rect)
        ]
    for arrow in (a for a in diagram.arrows if not a.behind):
        start = f"the arrow from {arrow.points[0]}"
        for p, q in _segments(arrow):
            found += [
                f"{name}: {start} runs through {what}"
                for what, rect in solids + titles
                if _crosses(p, q, rect)
            ]
            found += [
                f"{name}: {start} runs under {what}"
                for (what, rect), other in zip(labels, labelled, strict=True)
                if other is not arrow and _crosses(p, q, rect)
            ]
    return found
