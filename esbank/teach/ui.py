"""The one panel shell every lesson's panel is built with.

A panel is a root ``VBox`` with a stable CSS class (``esbank-…``; each control gets
``esbank-…-<name>``), scoped CSS for its tables, a message line, HTML tables, a frozen HTML
snapshot for static renderers, and charts drawn as PNG images at twice the pixel density of the
size they are shown at (their figure's size), so they are sharp and never stretched. The
functions here only build strings and widgets; what a panel shows comes from its lesson's pure
functions.
"""

from __future__ import annotations

import html
import io
import math
import struct
from collections.abc import Iterable, Sequence
from typing import Any, ClassVar, Literal, TypeVar

import ipywidgets as widgets
import pandas as pd
from matplotlib.figure import Figure

from esbank.domain.errors import InvalidArgument
from esbank.teach import i18n

W = TypeVar("W", bound=widgets.DOMWidget)

CSS_PER_INCH = 100
"""CSS pixels per inch of a panel's chart: a 7.5-inch figure is shown 750 pixels wide, the size
matplotlib gives it (``<Figure size 750x380>``) and the size of a chart a notebook cell shows."""
PIXEL_RATIO = 2
"""Image pixels per CSS pixel of a panel's chart: sharp on high-density screens and zoomed in."""
CHART_DPI = CSS_PER_INCH * PIXEL_RATIO
"""Dots per inch a panel's chart is rendered at."""
CELLS = "padding: 0.15em 0.5em;"
"""The default CSS of a table cell (after its border)."""
OUTCOME_CSS = ".esbank-rejected {color: #a40000;} .esbank-accepted {color: #1b5e20;}"
"""Red for a refusal, green for an acceptance: the colours of every message line."""

Outcome = Literal["accepted", "rejected"]


class Raw(str):
    """Text that is already HTML: a table shows it as it is instead of escaping it."""

    __slots__ = ()


# -- CSS ---------------------------------------------------------------------------------------
def style(rules: str) -> str:
    """``rules`` as a ``<style>`` element."""
    return f"<style>{rules}</style>"


def table_style(panel: str, *, cells: str = CELLS, extra: str = "") -> str:
    """Scoped CSS for a panel's tables (only under the panel's classes), then ``extra``."""
    return style(
        f".{panel} table, .{panel}-snapshot table "
        "{border-collapse: collapse; margin: 0.3em 0 0.8em 0; font-size: 0.9em;}"
        f".{panel} th, .{panel} td, .{panel}-snapshot th, .{panel}-snapshot td "
        f"{{border: 1px solid #ccc; {cells}}}{extra}"
    )


# -- HTML ---------------------------------------------------------------------------------------
def _cell(cell: Any) -> str:
    if isinstance(cell, Raw):
        return str(cell)
    if cell is None or cell is pd.NA or (isinstance(cell, float) and math.isnan(cell)):
        return ""
    return html.escape(str(cell))


def table(
    headers: Sequence[str] | None,
    rows: Iterable[Sequence[Any]],
    *,
    css: str | None = None,
    row_css: Sequence[str] = (),
    row_headers: bool = False,
) -> str:
    """An HTML table: escaped cells (``Raw`` ones as they are; missing values empty).

    ``headers`` None leaves out the header row; ``row_css`` gives row ``i`` a class; with
    ``row_headers`` the first cell of each row is a ``<th>``.
    """
    body = []
    for i, row in enumerate(rows):
        cells = [_cell(c) for c in row]
        first = f"<th>{cells.pop(0)}</th>" if row_headers and cells else ""
        cls = f' class="{row_css[i]}"' if i < len(row_css) and row_css[i] else ""
        body.append(f"<tr{cls}>{first}{''.join(f'<td>{c}</td>' for c in cells)}</tr>")
    head = (
        "<thead><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in headers) + "</tr></thead>"
        if headers is not None
        else ""
    )
    opening = f'<table class="{css}">' if css else "<table>"
    return f"{opening}{head}<tbody>{''.join(body)}</tbody></table>"


def message(panel: str, body: str, *, outcome: Outcome | None = None) -> str:
    """A panel's message line around ``body`` (HTML), green or red for an ``outcome``."""
    css = f"{panel}-message" + (f" esbank-{outcome}" if outcome else "")
    return f'<div class="{css}">{body}</div>'


def refusal(panel: str, name: str, text: str) -> str:
    """The message line for a refusal: ❌, the error's name in bold, and its text."""
    return message(panel, f"❌ <b>{html.escape(name)}</b>: {html.escape(text)}", outcome="rejected")


def snapshot(panel: str, css: str, *parts: str) -> str:
    """The panel frozen as one static HTML block: ``css`` then ``parts``."""
    return i18n.translate_html(f'<div class="{panel}-snapshot">{css}{"".join(parts)}</div>')


# -- widgets ------------------------------------------------------------------------------------
def classed(panel: str, name: str, widget: W) -> W:
    """``widget`` with the CSS class ``<panel>-<name>``, so a browser test can find it."""
    widget.add_class(f"{panel}-{name}")
    return widget


def root(panel: str, children: Sequence[widgets.Widget], *, css: str = "") -> widgets.VBox:
    """The panel's root box with the CSS class ``panel``; ``css`` (if any) comes first."""
    box = widgets.VBox([*([widgets.HTML(css)] if css else []), *children])
    box.add_class(panel)
    return i18n.localize(box)


def button(
    panel: str, name: str, description: str, tooltip: str, button_style: str = ""
) -> widgets.Button:
    """A button with a descriptive name and tooltip, classed ``<panel>-<name>``."""
    return classed(
        panel,
        name,
        widgets.Button(description=description, tooltip=tooltip, button_style=button_style),
    )


def chart(panel: str) -> widgets.Image:
    """An empty PNG image for the panel's chart, classed ``<panel>-chart``.

    Whenever its value changes, its CSS size becomes the PNG's size at the density it was
    rendered at (:func:`css_size`): a chart from :func:`figure_png` is shown at its figure's
    size, never stretched to the panel's width, and it stays sharp.
    """
    image = classed(panel, "chart", widgets.Image(format="png"))
    image.observe(lambda change: fit(image, change["new"]), names="value")
    return image


def figure_png(fig: Figure, *, dpi: int = CHART_DPI) -> bytes:
    """The figure as PNG bytes (for a panel's chart). In zh-TW its texts are translated first
    (:func:`esbank.teach.i18n.localize_figure`); in English the figure is left as it is.

    At the default ``dpi`` the image has :data:`PIXEL_RATIO` pixels per CSS pixel of the
    figure's size; the PNG records its density, which :func:`css_size` reads back.
    """
    buffer = io.BytesIO()
    i18n.localize_figure(fig)
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
METRES_PER_INCH = 0.0254


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height in pixels of the PNG ``data`` (from its header)."""
    if data[:8] != PNG_SIGNATURE or data[12:16] != b"IHDR":
        raise InvalidArgument("not a PNG image: pass the bytes figure_png returns")
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def png_dpi(data: bytes) -> float | None:
    """Dots per inch recorded in the PNG's ``pHYs`` chunk, or None if it records none."""
    at = 8
    while at + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[at : at + 8])
        if kind == b"pHYs" and length == 9:
            per_metre, _, unit = struct.unpack(">IIB", data[at + 8 : at + 17])
            return per_metre * METRES_PER_INCH if unit == 1 else None
        if kind in (b"IDAT", b"IEND"):  # pHYs comes before the image data
            return None
        at += 12 + length
    return None


def css_size(data: bytes) -> tuple[float, float]:
    """The size in CSS pixels the PNG ``data`` is meant to be shown at.

    Its pixel size divided by its pixel ratio (its recorded density over
    :data:`CSS_PER_INCH`, to the nearest hundredth); a PNG that records no density is shown
    one image pixel per CSS pixel.
    """
    width, height = png_size(data)
    dpi = png_dpi(data)
    ratio = round(dpi / CSS_PER_INCH, 2) if dpi else 1.0
    return width / ratio, height / ratio


def fit(image: widgets.Image, data: bytes) -> None:
    """Set ``image``'s CSS width and height to the size ``data`` is meant to be shown at.

    On a screen narrower than that, the image shrinks to the width it has and keeps its
    proportions, drawn at the top of its box (``max-width``, ``object-fit``,
    ``object-position``) instead of overflowing.
    """
    if not data:
        return
    width, height = css_size(data)
    image.layout.width = f"{width:g}px"
    image.layout.height = f"{height:g}px"
    image.layout.max_width = "100%"
    image.layout.object_fit = "contain"
    image.layout.object_position = "left top"


class Shell:
    """What every panel shares: it shows its ``widget``; a static renderer gets one line."""

    label: ClassVar[str] = "Panel"
    widget: widgets.Box

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        data: dict[str, Any] = self.widget._repr_mimebundle_(**kwargs)
        data["text/plain"] = i18n.translate(f"{self.label} (run the cell in Jupyter to use it)")
        return data
