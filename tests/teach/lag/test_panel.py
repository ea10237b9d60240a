"""The lag panel without a browser: move its controls, read its widgets back."""

from __future__ import annotations

import ipywidgets as widgets

from esbank.teach.lag import LagPanel, lag_panel
from esbank.teach.lag.panel import PANEL_CLASS


def test_panel_has_stable_classes_and_a_placeholder_text() -> None:
    panel = lag_panel()
    assert isinstance(panel, LagPanel)
    assert PANEL_CLASS == "esbank-lag" and PANEL_CLASS in panel.widget._dom_classes
    assert f"{PANEL_CLASS}-write-rate" in panel.write_rate._dom_classes
    assert "write rate" in panel.write_rate.description
    assert isinstance(panel.chart, widgets.Image) and panel.chart.value[:4] == b"\x89PNG"
    bundle = panel._repr_mimebundle_()
    assert bundle["text/plain"] == "Lag panel (run the cell in Jupyter to use it)"


def test_panel_reacts_to_sliders_and_the_toggle() -> None:
    panel = lag_panel()
    chart, numbers = panel.chart.value, panel.numbers.value
    panel.write_rate.value = 300
    assert panel.chart.value != chart and panel.numbers.value != numbers
    assert "stale reads of" in panel.numbers.value
    panel.read_your_writes.value = True
    assert "<b>0</b> stale reads" in panel.numbers.value
    assert "waited up to" in panel.snapshot_html()
    assert panel.snapshot_html().startswith(f'<div class="{PANEL_CLASS}-snapshot">')
    panel.throughput.value = 1_000
    panel.poll_interval.value = 0.1
    assert "0 stale reads" in panel.summary()


def test_the_checkbox_label_is_shown_whole() -> None:
    """Issue 16: the checkbox kept the default 300 px and its label was cut short."""
    box = lag_panel().read_your_writes
    assert box.description == "read your own writes (wait for my position)"
    assert box.layout.width == "44em" and not box.indent


def test_500_writes_against_10_applied_says_the_projector_cannot_keep_up() -> None:
    panel = lag_panel(duration=20)
    panel.write_rate.value = 500
    panel.throughput.value = 10
    assert "❌ The projector cannot keep up" in panel.numbers.value
    assert "esbank-rejected" in panel.numbers.value
    assert "without bound" in panel.numbers.value
    assert "The projector cannot keep up" in panel.summary().splitlines()[1]
    assert "cannot keep up" in panel.snapshot_html()
    panel.throughput.value = 1_000
    assert "✅ The projector keeps up" in panel.numbers.value
    assert "esbank-accepted" in panel.numbers.value
