"""The tailing panel: buttons and the strategy dropdown drive a real race on the server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from esbank.teach.postgres import TailPanel, tail_panel


@pytest.fixture
def panel(conninfo: str) -> Iterator[TailPanel]:
    built = tail_panel(conninfo)
    yield built
    built.close()


def test_the_panel_starts_with_an_empty_bigserial_log(panel: TailPanel) -> None:
    assert "esbank-tailing" in panel.widget._dom_classes
    assert "an empty log (bigserial)" in panel.message.value
    assert "reader checkpoint 0" in panel.table.value
    assert [b.description for b in panel.buttons.values()] == [
        "A inserts",
        "A commits",
        "B inserts",
        "B commits",
        "Reader polls",
        "Reset",
    ]


def test_clicks_play_the_trap_and_the_table_marks_the_missed_row(panel: TailPanel) -> None:
    for step in ("A insert", "B insert", "B commit", "poll", "A commit", "poll"):
        panel.buttons[step].click()
    assert "reader: after 2 it reads nothing" in panel.message.value
    assert "❌ missed: behind the checkpoint" in panel.table.value
    assert "missed [1]" in panel.table.value
    frozen = panel.snapshot_html()
    assert frozen.startswith('<div class="esbank-tailing-snapshot">')
    assert "❌ missed" in frozen
    panel.buttons["reset"].click()
    assert "missed none" in panel.table.value


def test_the_dropdown_switches_to_the_writer_lock(panel: TailPanel) -> None:
    panel.strategy.value = "writer lock"
    assert panel.race.strategy == "writer lock"
    assert "an empty log (writer lock)" in panel.message.value
    panel.buttons["A insert"].click()
    panel.buttons["B insert"].click()
    assert "B waits: A holds the writer lock" in panel.message.value
    assert "waiting for the lock: B" in panel.table.value
    for step in ("A commit", "B commit", "poll"):
        panel.buttons[step].click()
    assert "missed none" in panel.table.value
    assert "reads [1, 2]" in panel.message.value


def test_a_static_renderer_gets_one_line(panel: TailPanel) -> None:
    bundle = panel._repr_mimebundle_()
    assert bundle["text/plain"] == "Tailing panel (run the cell in Jupyter to use it)"
    assert repr(panel) == "TailPanel(strategy='bigserial')"
