"""The race panel without a browser: set widget values, click, read the widgets back."""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets
import pytest

from esbank.teach.concurrency import RacePanel, race_panel


# -- the panel -------------------------------------------------------------------------------
def test_panel_has_stable_classes_and_descriptive_button() -> None:
    panel = race_panel()
    assert isinstance(panel, RacePanel)
    assert isinstance(panel.widget, widgets.VBox)
    assert "esbank-race" in panel.widget._dom_classes
    assert panel.run_button.description == "Run race"
    assert "one step at a time" in panel.run_button.tooltip
    assert "esbank-race-run" in panel.run_button._dom_classes
    assert "esbank-race-schedule" in panel.schedule._dom_classes
    assert "no race run yet" in panel.steps.value
    assert panel.last is None
    bundle = panel._repr_mimebundle_()
    assert bundle["text/plain"] == "Race panel (run the cell in Jupyter to use it)"


def test_clicking_run_shows_the_conflict_and_the_final_state() -> None:
    panel = race_panel()
    panel.run_button.click()
    assert panel.last is not None
    assert "1 concurrency conflict(s)" in panel.message.value
    assert "esbank-race-conflict" in panel.steps.value
    assert "ConcurrencyConflict: expected version 1, but the stream is at 2" in panel.steps.value
    assert "balance 3000 cents (30.00) at version 2" in panel.final.value
    assert "gave up" in panel.final.value


def test_other_interleavings_and_retries_from_the_widgets() -> None:
    panel = race_panel()
    panel.schedule.value = "AAABBB"
    panel.run_button.click()
    assert "0 concurrency conflict(s)" in panel.message.value
    assert "InsufficientFunds" in panel.final.value
    panel.schedule.value = "ABABAB"
    panel.b_action.value = "deposit"
    panel.b_amount.value = "1_000"
    panel.retries.value = 1
    panel.run_button.click()
    result = panel.last
    assert result is not None and result.tellers["B"].status == "accepted"
    assert result.state.balance == 4_000
    assert len(panel.results) == 2


def test_preset_fills_the_schedule() -> None:
    panel = race_panel(schedule="")
    panel.preset.value = "AABBBA"
    assert panel.schedule.value == "AABBBA"
    panel.run_button.click()
    assert panel.last is not None
    assert panel.last.tellers["A"].status == "gave up"  # B ran while A was deciding


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("a_amount", "0", "InvalidAmount"),
        ("a_amount", "12.5", "a decimal"),
        ("b_amount", "", "is empty"),
        ("b_amount", "   ", "is empty"),
        ("b_amount", "fifty", "digits only"),
        ("a_amount", "12,50", "a decimal"),
        ("b_amount", "1e3", "digits only"),
        ("opening", "lots", "digits only"),
        ("schedule", "ABX", "InvalidArgument"),
    ],
)
def test_bad_input_is_shown_not_raised(field: str, value: Any, error: str) -> None:
    panel = race_panel()
    panel.run_button.click()
    getattr(panel, field).value = value
    panel.run_button.click()
    assert "❌" in panel.message.value
    assert error in panel.message.value
    assert "no race run yet" in panel.steps.value
    assert len(panel.errors) == 1
    assert len(panel.results) == 1  # nothing ran with the value typed before


def test_amounts_are_text_parsed_as_whole_cents() -> None:
    """The amount fields hold what is typed, and a run reads them through parse_cents."""
    panel = race_panel()
    assert isinstance(panel.a_amount, widgets.Text) and isinstance(panel.b_amount, widgets.Text)
    assert isinstance(panel.opening, widgets.Text)
    panel.a_amount.value = " 1_250 "
    panel.run_button.click()
    assert panel.last is not None
    assert panel.last.tellers["A"].command.amount == 1_250


def test_snapshot_is_static_html_of_the_last_run() -> None:
    panel = race_panel()
    panel.run_button.click()
    snapshot = panel.snapshot_html()
    assert snapshot.startswith('<div class="esbank-race-snapshot">')
    assert "schedule ABABAB" in snapshot
    assert "A withdraws 7000 cents" in snapshot
    assert "<table" in snapshot
    assert "0x" not in snapshot
