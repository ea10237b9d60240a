"""The one panel shell every lesson's panel is built with.

A panel is a root ``VBox`` with a stable CSS class (``esbank-…``; each control gets
``esbank-…-<name>``), scoped CSS for its tables, a message line, HTML tables, a frozen HTML
snapshot for static renderers, and charts drawn as PNG images at the size they are shown. The
functions here only build strings and widgets; what a panel shows comes from its lesson's pure
functions.
"""

from __future__ import annotations

import html
import io
import math
from collections.abc import Iterable, Sequence
from typing import Any, ClassVar, Literal, TypeVar

import ipywidgets as widgets
import pandas as pd
from matplotlib.figure import Figure

from esbank.teach import i18n

W = TypeVar("W", bound=widgets.DOMWidget)

CHART_DPI = 80
"""Dots per inch of a panel's chart: a 7.5-inch figure is a 600-pixel image, shown as it is."""
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
    """An empty PNG image for the panel's chart, classed ``<panel>-chart``."""
    return classed(panel, "chart", widgets.Image(format="png"))


def figure_png(fig: Figure, *, dpi: int = CHART_DPI) -> bytes:
    """The figure as PNG bytes (for a panel's chart); the figure is left as it is."""
    buffer = io.BytesIO()
    i18n.localize_figure(fig)
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


class Shell:
    """What every panel shares: it shows its ``widget``; a static renderer gets one line."""

    label: ClassVar[str] = "Panel"
    widget: widgets.Box

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        data: dict[str, Any] = self.widget._repr_mimebundle_(**kwargs)
        data["text/plain"] = i18n.translate(f"{self.label} (run the cell in Jupyter to use it)")
        return data
