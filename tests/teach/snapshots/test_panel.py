"""The snapshot panel without a browser: set slider values, read the widgets back."""

from __future__ import annotations

import itertools

import ipywidgets as widgets

from esbank.teach.snapshots import SnapshotPanel, snapshot_panel
from esbank.teach.snapshots.panel import PANEL_CLASS


def test_panel_has_stable_classes_and_descriptive_names() -> None:
    panel = snapshot_panel()
    assert isinstance(panel, SnapshotPanel)
    assert PANEL_CLASS in panel.widget._dom_classes
    assert f"{PANEL_CLASS}-every" in panel.every._dom_classes
    assert "N" in panel.every.description
    assert "stream length" in panel.stream_length.description
    assert isinstance(panel.chart, widgets.Image) and panel.chart.value[:4] == b"\x89PNG"
    bundle = panel._repr_mimebundle_()
    assert bundle["text/plain"] == "Snapshot panel (run the cell in Jupyter to use it)"
    assert repr(panel) == "SnapshotPanel(every=100, stream_length=1000)"


def test_panel_reacts_to_the_sliders() -> None:
    panel = snapshot_panel(every=100, stream_length=1_000)
    assert "<td>10</td>" in panel.table.value  # 1000 // 100 snapshot rows
    chart_before = panel.chart.value
    panel.every.value = 20
    assert "<td>50</td>" in panel.table.value  # 1000 // 20
    assert "<td>19</td>" in panel.table.value  # worst load
    assert panel.chart.value != chart_before
    assert panel.summary().startswith(
        "every 20, stream of 1000 events one per append: 50 snapshot rows"
    )
    panel.stream_length.value = 6  # shorter than N: no snapshot at all
    assert panel.tradeoff().snapshot_writes == 0
    assert "0 snapshot rows" in panel.summary()
    assert "at most 6 events" in panel.summary()


def test_panel_snapshot_html_is_the_frozen_table() -> None:
    panel = snapshot_panel(every=100, stream_length=1_000)
    panel.every.value = 250
    frozen = panel.snapshot_html()
    assert f'class="{PANEL_CLASS}-snapshot"' in frozen
    assert "snapshot every 250" in frozen
    assert "<td>4</td>" in frozen  # 1000 // 250
    assert "<img" not in frozen  # text only: strict nbval compares it


def test_the_n_slider_puts_the_useful_range_in_its_middle() -> None:
    """Issue 16: an IntSlider over 1–5,000 had 50–100 in its leftmost 2 %."""
    panel = snapshot_panel(every=100, stream_length=1_000)
    values = [value for _, value in panel.every.options]
    assert values == sorted(values) and values[0] == 1 and values[-1] == 5_000
    assert all(b / a <= 2.5 for a, b in itertools.pairwise(values)), "no big jumps"
    for useful in (10, 20, 50, 75, 100, 150, 200, 250):
        assert useful in values
    middle = values.index(50) / (len(values) - 1), values.index(250) / (len(values) - 1)
    assert 0.3 <= middle[0] < middle[1] <= 0.8, "50 … 250 sit in the middle of the slider"
    assert panel.every.readout and [label for label, _ in panel.every.options][-1] == "5,000"


def test_the_n_slider_offers_the_starting_value_and_stops_at_max_length() -> None:
    panel = snapshot_panel(every=33, stream_length=300, max_length=600)
    values = [value for _, value in panel.every.options]
    assert 33 in values and panel.every.value == 33
    assert max(values) == 500, "no interval above max_length except the one asked for"
    panel.every.value = 75
    assert "snapshot every 75" in panel.snapshot_html()
    assert "one event per append" in panel.table.value
