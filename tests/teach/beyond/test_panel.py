"""The transfer panel: it starts clean, its buttons start, crash and resume transfers as the
manager does, and its views and frozen snapshot show the right numbers."""

from __future__ import annotations

from esbank.teach.beyond import CY, NOBODY, transfer_panel
from esbank.teach.beyond.panel import AMOUNTS, PANEL_CLASS, events_html, money_html


def test_the_panel_starts_clean() -> None:
    panel = transfer_panel()
    assert panel.summary() == ("Ada 1,000.00, Bo 0.00, Cy 0.00, in flight 0.00, total 1,000.00")
    assert "no transfer yet" in panel.events.value
    assert "none yet" in panel.statuses.value
    assert panel.messages == [] and "Start transfer" in panel.message.value
    assert PANEL_CLASS in panel.widget._dom_classes
    assert (panel.crash_step.value, panel.crash_point.value) == ("credit", "after command")


def test_a_crash_leaves_money_in_flight_and_resume_finishes_it() -> None:
    panel = transfer_panel()
    panel.crash_step.value, panel.crash_point.value = "debit", "after event"
    panel.start_button.click()
    assert panel.messages[-1].startswith("✗ transfer #1 (250.00 to Bo)")
    assert "died at debit · after event" in panel.messages[-1]
    assert "esbank-rejected" in panel.message.value
    assert panel.summary() == ("Ada 750.00, Bo 0.00, Cy 0.00, in flight 250.00, total 1,000.00")
    assert "pending" in panel.statuses.value
    assert "TransferDebited" in panel.events.value
    panel.resume_button.click()
    assert panel.messages[-1] == "✓ a new manager took 2 step(s): transfer #1 completed"
    assert panel.summary() == ("Ada 750.00, Bo 250.00, Cy 0.00, in flight 0.00, total 1,000.00")
    assert panel.events.value.count("MoneyWithdrawn") == 1  # the debit, once
    panel.resume_button.click()
    assert panel.messages[-1] == "a new manager found nothing left to do"


def test_a_closed_or_unknown_target_is_refunded_and_a_step_never_reached_does_not_crash() -> None:
    panel = transfer_panel()
    panel.target.value = CY
    panel.crash_step.value = "complete"  # a refunded transfer never completes
    panel.start_button.click()
    assert panel.messages[-1] == (
        "✓ transfer #1 (250.00 to Cy (closed)): refunded after 3 step(s); "
        "it never reached complete · after command, so no crash"
    )
    assert "TransferCreditRefused" in panel.events.value and "is closed" in panel.events.value
    panel.target.value, panel.crash_step.value = NOBODY, "no crash"
    panel.start_button.click()
    assert panel.messages[-1].startswith("✓ transfer #2 (250.00 to nobody (never opened))")
    assert panel.summary().endswith("in flight 0.00, total 1,000.00")
    assert panel.statuses.value.count("refunded") == 2


def test_more_than_ada_has_is_refused_at_the_debit() -> None:
    panel = transfer_panel()
    panel.amount.value = AMOUNTS[-1]
    panel.crash_step.value = "no crash"
    panel.start_button.click()
    assert "refunded after 1 step(s)" in panel.messages[-1]
    assert "insufficient funds" in panel.events.value
    assert panel.summary().startswith("Ada 1,000.00")


def test_snapshot_and_repr_are_static_and_stable() -> None:
    panel = transfer_panel()
    panel.start_button.click()
    panel.resume_button.click()
    snapshot = panel.snapshot_html()
    assert f'class="{PANEL_CLASS}-snapshot"' in snapshot
    assert "<ol><li>✗ transfer #1" in snapshot and "completed" in snapshot
    assert " at 0x" not in snapshot
    assert panel._repr_mimebundle_()["text/plain"] == (
        "Transfer panel (run the cell in Jupyter to use it)"
    )
    assert repr(panel).startswith("TransferPanel(Ada 750.00")
    assert panel.start_button.description == "Start transfer"
    assert panel.resume_button.description == "Resume after crash"


def test_pure_renderers() -> None:
    assert "1,234.56" in money_html({"Ada": 123_456})
    assert "no transfer yet" in events_html(None, None)  # type: ignore[arg-type]


def test_the_events_table_keeps_its_short_columns_on_one_line() -> None:
    """'transfer #2' and 'transfer #2, debit' wrapped onto two lines each in a browser."""
    from esbank.teach.beyond.panel import STYLE

    for column in (2, 3, 4, 6):  # stream, version, event_type, step
        assert f"-events-table td:nth-child({column}) {{white-space: nowrap;}}" in STYLE
    assert "nth-child(5) {white-space" not in STYLE  # the detail may wrap
