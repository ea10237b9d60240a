"""The schema panel without a browser: choose rows, click, read the widgets back."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets as widgets
import pytest

from esbank import REGISTRY, DuckDBEventStore, InvalidArgument
from esbank.teach import SequentialIds, StepClock
from esbank.teach.determinism import memory_store
from esbank.teach.schema import (
    LEGACY_ACCOUNTS,
    LegacyRow,
    SchemaPanel,
    schema_panel,
    write_rows,
)
from esbank.teach.schema.panel import PANEL_CLASS

CY = LEGACY_ACCOUNTS["Cy"]


def new_store() -> DuckDBEventStore:
    return memory_store()


def test_panel_has_stable_classes_and_descriptive_names(legacy: DuckDBEventStore) -> None:
    panel = schema_panel(legacy, names=LEGACY_ACCOUNTS)
    assert isinstance(panel, SchemaPanel)
    assert PANEL_CLASS in panel.widget._dom_classes
    for view, css in (
        (panel.row, "row"),
        (panel.raw, "raw"),
        (panel.event, "event"),
        (panel.steps, "steps"),
        (panel.next, "next"),
        (panel.previous, "previous"),
    ):
        assert f"{PANEL_CLASS}-{css}" in view._dom_classes  # fmt: skip
    assert isinstance(panel.row, widgets.Dropdown)
    assert panel.row.description == "Stored event"
    assert "Next stored event" in panel.next.description
    assert "Previous stored event" in panel.previous.description
    assert panel.positions == tuple(range(1, 11))
    assert panel.row.options[0][0] == "#1 · AccountCreated v1 · Ada v1"
    assert panel._repr_mimebundle_()["text/plain"] == (
        "Schema panel (run the cell in Jupyter to use it)"
    )
    assert repr(panel) == "SchemaPanel(position=1, rows=10)"


def test_panel_shows_the_row_chosen_in_the_dropdown(legacy: DuckDBEventStore) -> None:
    panel = schema_panel(legacy, names=LEGACY_ACCOUNTS)
    assert "AccountCreated" in panel.raw.value
    panel.row.value = 2
    assert "{&quot;amount_eur&quot;: 25.1}" in panel.raw.value
    assert "MoneyDeposited(amount=2510)" in panel.event.value
    assert "deposited_v1_to_v2" in panel.steps.value
    assert "deposited_v2_to_v3" in panel.steps.value
    assert "{&quot;amount_cents&quot;: 2510}" in panel.steps.value
    assert panel.summary() == (
        "position 2 (Ada, version 2): stored as MoneyDeposited v1; 2 upcaster steps; "
        "read as MoneyDeposited(amount=2510)"
    )
    assert panel.summary() in panel.summary_line.value
    panel.row.value = 6
    assert "already current" in panel.summary()
    assert "MoneyWithdrawn(amount=2010)" in panel.event.value


def test_panel_buttons_step_through_the_log(legacy: DuckDBEventStore) -> None:
    panel = schema_panel(legacy, names=LEGACY_ACCOUNTS, position=9)
    panel.next.click()
    assert panel.row.value == 10
    panel.next.click()  # already the last row: stays
    assert panel.row.value == 10
    panel.previous.click()
    assert panel.row.value == 9
    assert "MoneyDeposited(amount=150000)" in panel.event.value


def test_panel_shows_an_unreadable_row_with_its_error(legacy: DuckDBEventStore) -> None:
    write_rows(
        legacy,
        [LegacyRow(CY, "MoneyDeposited", 4, {"amount": 5}, "4.0")],
        clock=StepClock(),
        new_id=SequentialIds(prefix=0xBAD),
    )
    panel = schema_panel(legacy)
    panel.row.value = 11
    assert "UnsupportedSchemaVersion" in panel.event.value
    assert "newer than this code" in panel.summary()
    assert PANEL_CLASS + "-error" in panel.event.value


def test_panel_snapshot_html_is_the_frozen_view(legacy: DuckDBEventStore) -> None:
    panel = schema_panel(legacy, names=LEGACY_ACCOUNTS)
    panel.row.value = 8
    frozen = panel.snapshot_html()
    assert frozen.startswith(f'<div class="{PANEL_CLASS}-snapshot">')
    assert "{&quot;amount_cents&quot;: 4000}" in frozen
    assert "MoneyDeposited(amount=4000)" in frozen
    assert "position 8 (Ada, version 5)" in frozen
    assert "<script" not in frozen


def test_panel_uses_the_registry_it_is_given(legacy: DuckDBEventStore) -> None:
    def doubled(payload: dict[str, Any]) -> dict[str, Any]:
        rest = {k: v for k, v in payload.items() if k != "amount_cents"}
        return {**rest, "amount": payload["amount_cents"] * 2}

    registry = REGISTRY.with_upcaster("MoneyDeposited", 2, doubled)
    panel = schema_panel(legacy, registry=registry, position=8)
    assert "MoneyDeposited(amount=8000)" in panel.event.value
    assert "doubled" in panel.steps.value


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda s: schema_panel(new_store()), "no events yet"),
        (lambda s: schema_panel(s, position=42), "one of the stored positions"),
        (lambda s: schema_panel(s, names={"Ada": "not a uuid"}), "owner names to account ids"),
    ],
)
def test_panel_refuses_bad_arguments(
    legacy: DuckDBEventStore, build: Callable[[DuckDBEventStore], Any], message: str
) -> None:
    with pytest.raises(InvalidArgument, match=message):
        build(legacy)
