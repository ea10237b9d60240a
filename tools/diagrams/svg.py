"""A diagram as SVG text, written from its coordinates only, so it is the same on every machine."""

from __future__ import annotations

from html import escape

from .shapes import LABEL_LINE, LINE, SIZE, SMALL, Arrow, Box, Diagram, Group, Line, Mark

SANS = "DejaVu Sans, Verdana, Geneva, sans-serif"
MONO = "DejaVu Sans Mono, Menlo, Consolas, monospace"
INK = "#333333"
GROUND = "#fafafa"  # a group's background
COLOURS = {"ink": INK, "green": "#1b5e20", "red": "#a40000", "grey": "#888888"}
KINDS_OF_BOX = {  # fill, stroke
    "step": ("#e8f1fb", "#1f5f99"),
    "question": ("#fff4d6", "#9a6b00"),
    "refusal": ("#fdecea", "#a40000"),
    "done": ("#e8f5e9", "#1b5e20"),
    "log": ("#ffe7a3", "#b26a00"),
    "model": ("#e1f5fe", "#0277bd"),
    "actor": ("#f0f0f0", "#555555"),
    "note": ("#fffbe6", "#b3a25a"),
}


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
    fill, stroke = KINDS_OF_BOX[box.kind]
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


def _mark(mark: Mark) -> list[str]:
    if not mark.end:
        return [f'<circle cx="{_n(mark.cx)}" cy="{_n(mark.cy)}" r="{mark.R - 1}" fill="{INK}"/>']
    return [
        f'<circle cx="{_n(mark.cx)}" cy="{_n(mark.cy)}" r="{mark.R - 1}" fill="#ffffff" '
        f'stroke="{INK}" stroke-width="1.5"/>',
        f'<circle cx="{_n(mark.cx)}" cy="{_n(mark.cy)}" r="{mark.R - 5}" fill="{INK}"/>',
    ]


def _inside(arrow: Arrow, groups: tuple[Group, ...]) -> bool:
    """Is the arrow's label drawn on a group's background?"""
    left, top, right, bottom = arrow.patch()
    return any(
        g.x <= left and g.y <= top and right <= g.x + g.w and bottom <= g.y + g.h for g in groups
    )


def _arrow(arrow: Arrow, marker: str, groups: tuple[Group, ...] = ()) -> list[str]:
    colour = COLOURS[arrow.colour]
    points = " ".join(f"{_n(x)},{_n(y)}" for x, y in arrow.points)
    dash = ' stroke-dasharray="5,4"' if arrow.dashed else ""
    head = ""
    if arrow.cross:
        head = f' marker-end="url(#{marker}-cross-{arrow.colour})"'
    elif arrow.head:
        head = f' marker-end="url(#{marker}-{arrow.colour})"'
    parts = [
        f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="1.5"'
        f"{dash}{head}/>"
    ]
    if arrow.text:
        left, top, right, bottom = arrow.patch()
        background = GROUND if _inside(arrow, groups) else "#ffffff"
        parts.append(
            f'<rect x="{_n(left)}" y="{_n(top)}" width="{_n(right - left)}" '
            f'height="{_n(bottom - top)}" fill="{background}" opacity="0.9"/>'
        )
        for i, line in enumerate(arrow.text):
            parts.append(_text(arrow.at[0], top + 13 + i * LABEL_LINE, line, SMALL, colour))
    return parts


def _group(group: Group) -> list[str]:
    return [
        f'<rect x="{_n(group.x)}" y="{_n(group.y)}" width="{_n(group.w)}" '
        f'height="{_n(group.h)}" rx="10" fill="{GROUND}" stroke="#9e9e9e" '
        'stroke-dasharray="6,4"/>',
        f'<text x="{_n(group.x + 12)}" y="{_n(group.y + 18)}" font-size="{SMALL}" '
        f'font-weight="bold" fill="#616161">{escape(group.label, quote=False)}</text>',
    ]


def _markers(diagram: Diagram) -> str:
    """An arrow head per colour, and a cross per colour a ``cross`` arrow of the diagram uses."""
    name = diagram.name
    heads = "".join(
        f'<marker id="{name}-{colour}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        f'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        f'fill="{value}"/></marker>'
        for colour, value in COLOURS.items()
    )
    crosses = "".join(
        f'<marker id="{name}-cross-{colour}" viewBox="0 0 10 10" refX="5" refY="5" '
        f'markerWidth="9" markerHeight="9" orient="auto"><path d="M1,1 L9,9 M9,1 L1,9" '
        f'stroke="{COLOURS[colour]}" stroke-width="2"/></marker>'
        for colour in sorted({a.colour for a in diagram.arrows if a.cross})
    )
    return heads + crosses


def render(diagram: Diagram) -> str:
    """The SVG document of ``diagram``, as text (the same text on every machine)."""
    marker = diagram.name
    body = [part for group in diagram.groups for part in _group(group)]
    body += [part for arrow in diagram.arrows for part in _arrow(arrow, marker, diagram.groups)]
    body += [part for box in diagram.boxes for part in _box(box)]
    body += [part for mark in diagram.marks for part in _mark(mark)]
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
        f"<defs>{_markers(diagram)}</defs>",
        f'<rect width="{w}" height="{h}" rx="8" fill="#ffffff"/>',
        *body,
        "</svg>",
    ]
    return "\n".join(lines) + "\n"
