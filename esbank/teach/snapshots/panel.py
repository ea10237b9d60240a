"""The snapshot panel of notebook 04: two sliders (interval N and stream length), a table and
a chart, all computed by the pure model in ``tradeoff.py``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import ipywidgets as widgets
from matplotlib.figure import Figure

from esbank.domain.arguments import require_int
from esbank.domain.errors import InvalidArgument
from esbank.teach import ui
from esbank.teach.snapshots.charts import plot_loads, plot_tradeoff
from esbank.teach.snapshots.tradeoff import Tradeoff, tradeoff

PANEL_CLASS = "esbank-snapshots"
STYLE = ui.table_style(
    PANEL_CLASS,
    cells="padding: 0.15em 0.6em; text-align: right;",
    extra=".esbank-snapshots tbody th, .esbank-snapshots-snapshot tbody th {text-align: left;}",
)
"""Scoped CSS for the panel's table (only under the panel's classes)."""
INTERVALS = (1, 2, 3, 5, 10, 20, 25, 50, 75, 100, 150, 200, 250, 500, 750, 1_000, 2_000, 5_000)
"""The values the N slider offers: about evenly spaced on a log scale, so the useful range
(tens to a few hundred events) fills the middle of the slider instead of its left edge."""


def interval_choices(every: int, max_length: int) -> list[int]:
    """The N slider's values: :data:`INTERVALS` up to ``max_length``, plus ``every``."""
    return sorted({*(n for n in INTERVALS if n <= max_length), every})


def tradeoff_html(stream_length: int, every: int) -> str:
    """The trade-off of ``every`` for one stream, next to no snapshots, as an HTML table."""
    chosen, none = tradeoff(stream_length, every), tradeoff(stream_length, None)
    rows = (
        ("snapshot rows written", none.snapshot_writes, chosen.snapshot_writes),
        ("events replayed, newest load", none.latest_replay, chosen.latest_replay),
        ("events replayed, worst load", none.worst_replay, chosen.worst_replay),
        ("events replayed, average load", none.mean_replay, chosen.mean_replay),
    )
    cells = [
        (name, *(f"{v:,.1f}" if isinstance(a, float) else f"{v:,}" for v in (a, b)))
        for name, a, b in rows
    ]
    headers = ["", "no snapshots", f"snapshot every {chosen.every:,}"]
    caption = (
        f"<b>A stream of {chosen.stream_length:,} events</b>, one event per append (so a "
        "snapshot at every multiple of N), loaded once after every event"
    )
    table = ui.table(headers, cells, row_headers=True)
    return f'<div class="{PANEL_CLASS}-table">{caption}{table}</div>'


@dataclass(frozen=True, eq=False, repr=False)
class SnapshotPanel(ui.Shell):
    """The widgets of one snapshot panel; display ``.widget`` (or the panel itself)."""

    label: ClassVar[str] = "Snapshot panel"

    every: widgets.SelectionSlider
    stream_length: widgets.IntSlider
    table: widgets.HTML
    chart: widgets.Image
    widget: widgets.VBox

    def tradeoff(self) -> Tradeoff:
        """The trade-off for the sliders' current values."""
        return tradeoff(self.stream_length.value, self.every.value)

    def summary(self) -> str:
        """One plain-text line for the current values."""
        t = self.tradeoff()
        rows = "row" if t.snapshot_writes == 1 else "rows"
        return (
            f"every {t.every}, stream of {t.stream_length} events one per append: "
            f"{t.snapshot_writes} "
            f"snapshot {rows}; a load replays at most {t.worst_replay} events "
            f"({t.mean_replay:.1f} on average, {t.latest_replay} for the newest state)"
        )

    def figure(self) -> Figure:
        """The panel's chart for the current values, as a new figure (not shown by pyplot)."""
        fig = Figure(figsize=(11, 3.6), layout="constrained")
        left, right = fig.subplots(1, 2)
        plot_loads(self.stream_length.value, self.every.value, ax=left)
        plot_tradeoff(self.stream_length.value, self.every.value, ax=right)
        return fig

    def refresh(self) -> None:
        """Redraw the table and the chart for the sliders' values (writes widget traits only)."""
        self.table.value = STYLE + tradeoff_html(self.stream_length.value, self.every.value)
        self.chart.value = ui.figure_png(self.figure())

    def snapshot_html(self) -> str:
        """The panel's table as one static HTML block: the panel, frozen."""
        table = tradeoff_html(self.stream_length.value, self.every.value)
        return ui.snapshot(PANEL_CLASS, STYLE, table)

    def __repr__(self) -> str:
        return f"SnapshotPanel(every={self.every.value}, stream_length={self.stream_length.value})"


def snapshot_panel(
    *, every: int = 100, stream_length: int = 1_000, max_length: int = 5_000
) -> SnapshotPanel:
    """Build the panel: sliders for the interval N and the stream length, a table, a chart."""
    interval = require_int("every", every, minimum=1)
    length = require_int("stream_length", stream_length, minimum=1)
    longest = require_int("max_length", max_length, minimum=1)
    if length > longest:
        raise InvalidArgument(
            f"stream_length {length} is above max_length {longest}; raise max_length"
        )
    common: dict[str, Any] = {
        "continuous_update": False,
        "style": {"description_width": "14em"},
        "layout": widgets.Layout(width="44em"),
    }
    every_slider = widgets.SelectionSlider(
        options=[(f"{n:,}", n) for n in interval_choices(interval, longest)],
        value=interval,
        description="snapshot every N events",
        **common,
    )
    length_slider = widgets.IntSlider(
        value=length, min=1, max=longest, description="stream length (events)", **common
    )
    table = ui.classed(PANEL_CLASS, "table", widgets.HTML())
    chart = ui.chart(PANEL_CLASS)
    ui.classed(PANEL_CLASS, "every", every_slider)
    ui.classed(PANEL_CLASS, "length", length_slider)
    root = ui.root(PANEL_CLASS, [every_slider, length_slider, table, chart])
    panel = SnapshotPanel(every_slider, length_slider, table, chart, root)
    every_slider.observe(lambda _change: panel.refresh(), names="value")
    length_slider.observe(lambda _change: panel.refresh(), names="value")
    panel.refresh()
    return panel
