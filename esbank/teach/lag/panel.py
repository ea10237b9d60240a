"""The lag panel of notebook 07: four sliders, a read-your-own-writes toggle, the numbers and
the chart, all from :func:`~esbank.teach.lag.simulation.simulate_lag`."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import ipywidgets as widgets

from esbank.teach import ui
from esbank.teach.lag.capacity import capacity
from esbank.teach.lag.chart import plot_lag
from esbank.teach.lag.simulation import Burst, LagRun, simulate_lag

PANEL_CLASS = "esbank-lag"
STYLE = ui.style(ui.OUTCOME_CSS)
"""The verdict's colours: green when the projector keeps up, red when it cannot."""
ICONS = {"keeps up": "✅", "not during bursts": "⚠️", "cannot keep up": "❌"}


def verdict_html(run: LagRun) -> str:
    """Whether the projector keeps up, said plainly, as the panel's message line."""
    c = capacity(run)
    outcome: ui.Outcome = "accepted" if c.verdict == "keeps up" else "rejected"
    body = f"{ICONS[c.verdict]} {html.escape(c.text())}"
    return ui.message(PANEL_CLASS, body, outcome=outcome)


def summary_html(run: LagRun) -> str:
    """The panel's numbers as a small HTML block, after the verdict."""
    s = run.summary
    mode = "on" if run.read_your_writes else "off"
    if run.read_your_writes:
        reads = (
            f"<b>0</b> stale reads of {s.reads}; waited up to <b>{s.ryow_max_wait:.2f} s</b> "
            f"(p95 {s.ryow_p95_wait:.2f} s)"
        )
    else:
        reads = f"<b>{s.stale_reads}</b> stale reads of {s.reads} ({s.stale_rate:.0%})"
    return (
        f'<div class="{PANEL_CLASS}-summary">{verdict_html(run)}'
        f"<div>max lag: <b>{s.max_lag_seconds:.2f} s</b> / <b>{s.max_lag_events}</b> events "
        f"behind (p95 {s.p95_lag_seconds:.2f} s)</div>"
        f"<div>read-your-own-writes {html.escape(mode)}: {reads}</div></div>"
    )


@dataclass(frozen=True, eq=False, repr=False)
class LagPanel(ui.Shell):
    """The widgets of one lag panel; display ``.widget`` (or the panel itself)."""

    label: ClassVar[str] = "Lag panel"

    write_rate: widgets.IntSlider
    throughput: widgets.IntSlider
    poll_interval: widgets.FloatSlider
    batch_size: widgets.IntSlider
    read_your_writes: widgets.Checkbox
    numbers: widgets.HTML
    chart: widgets.Image
    widget: widgets.VBox
    options: dict[str, Any]

    def run(self) -> LagRun:
        """The simulation for the widgets' current values."""
        return simulate_lag(
            write_rate=self.write_rate.value,
            throughput=self.throughput.value,
            poll_interval=self.poll_interval.value,
            batch_size=self.batch_size.value,
            read_your_writes=self.read_your_writes.value,
            **self.options,
        )

    def _settings_text(self) -> str:
        return (
            f"{self.write_rate.value} events/s written, {self.throughput.value} events/s "
            f"applied, poll every {self.poll_interval.value:g} s, batches of "
            f"{self.batch_size.value}"
        )

    def summary(self) -> str:
        """One plain-text summary of the current values: settings, verdict, numbers."""
        r = self.run()
        return (
            f"{self.write_rate.value} events/s in, {self.throughput.value} events/s applied, "
            f"poll every {self.poll_interval.value:g} s, batches of {self.batch_size.value}\n"
            f"{capacity(r).text()}\n" + r.summary.text(read_your_writes=r.read_your_writes)
        )

    def refresh(self) -> None:
        """Re-run the simulation and redraw (writes widget traits only)."""
        r = self.run()
        self.numbers.value = summary_html(r)
        self.chart.value = ui.figure_png(plot_lag(r))

    def snapshot_html(self) -> str:
        """The panel's numbers as one static HTML block: the panel, frozen."""
        return ui.snapshot(
            PANEL_CLASS, STYLE, f"<div>{self._settings_text()}</div>", summary_html(self.run())
        )

    def __repr__(self) -> str:
        return (
            f"LagPanel(write_rate={self.write_rate.value}, throughput={self.throughput.value}, "
            f"poll_interval={self.poll_interval.value}, batch_size={self.batch_size.value}, "
            f"read_your_writes={self.read_your_writes.value})"
        )


def _controls(
    write_rate: int, throughput: int, poll_interval: float, batch_size: int, ryow: bool
) -> list[widgets.ValueWidget]:
    """The four sliders and the read-your-own-writes toggle, classed."""
    common: dict[str, Any] = {
        "continuous_update": False,
        "style": {"description_width": "16em"},
        "layout": widgets.Layout(width="44em"),
    }
    controls = {
        "write-rate": widgets.IntSlider(
            value=write_rate, min=1, max=500, description="write rate (events/s)", **common
        ),
        "throughput": widgets.IntSlider(
            value=throughput, min=10, max=1_000, step=10,
            description="projector throughput (events/s)", **common,
        ),
        "poll-interval": widgets.FloatSlider(
            value=poll_interval, min=0.1, max=5.0, step=0.1,
            description="poll interval (s)", **common,
        ),
        "batch-size": widgets.IntSlider(
            value=batch_size, min=1, max=1_000, description="batch size (events)", **common
        ),
        "ryow": widgets.Checkbox(
            value=ryow, description="read your own writes (wait for my position)", indent=False,
            layout=widgets.Layout(width="44em"),  # the default 300 px cut the label short
        ),
    }  # fmt: skip
    return [ui.classed(PANEL_CLASS, css, control) for css, control in controls.items()]


def lag_panel(
    *,
    write_rate: int = 50,
    throughput: int = 200,
    poll_interval: float = 0.5,
    batch_size: int = 100,
    read_your_writes: bool = False,
    bursts: Sequence[Burst | tuple[float, float, float]] = (),
    duration: float = 60.0,
    seed: int = 0,
) -> LagPanel:
    """Build the panel: four sliders, a read-your-own-writes toggle, the numbers, the chart."""
    first = simulate_lag(
        write_rate=write_rate,
        throughput=throughput,
        poll_interval=poll_interval,
        batch_size=batch_size,
        bursts=bursts,
        duration=duration,
        seed=seed,
    )  # validates the starting values with the simulation's own messages
    options = {"bursts": first.settings["bursts"], "duration": duration, "seed": seed}
    controls = _controls(write_rate, throughput, poll_interval, batch_size, read_your_writes)
    numbers = ui.classed(PANEL_CLASS, "numbers", widgets.HTML())
    chart = ui.chart(PANEL_CLASS)
    root = ui.root(PANEL_CLASS, [*controls, numbers, chart], css=STYLE)
    panel = LagPanel(*controls, numbers, chart, root, options)
    for control in controls:
        control.observe(lambda _change: panel.refresh(), names="value")
    panel.refresh()
    return panel
