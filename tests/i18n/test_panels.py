"""Every panel in zh-TW: each label, button, tooltip, placeholder and option a reader sees is
Chinese (names, ids and HTTP routes aside); its first message line too. In English nothing
changes: the same panels show exactly their English labels."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import ipywidgets as widgets
import pytest
from teach.stores import legacy_store

from esbank import Bank, DuckDBEventStore, Projector, Queries, standard_projections
from esbank.api import LocalClient, create_app
from esbank.eventstore.postgres_server import drop_database, fresh_database
from esbank.teach import SequentialIds, StepClock, i18n
from esbank.teach.beyond import transfer_panel
from esbank.teach.commands import teller_panel
from esbank.teach.concurrency import race_panel
from esbank.teach.http import http_panel
from esbank.teach.interview import quiz_panel
from esbank.teach.interview.quiz import load_questions
from esbank.teach.lag import lag_panel
from esbank.teach.projections import projector_panel
from esbank.teach.replay import time_travel_panel
from esbank.teach.schema import schema_panel
from esbank.teach.snapshots import snapshot_panel
from i18n.support import untranslated

# What stays as it is in Chinese: names, ids, times, numbers, HTTP routes, a PostgreSQL type.
KEEP = re.compile(
    r"^(Ada|Bo|Cy|A|B|C)( · [0-9a-f-]{36})?$|^(POST|GET) /|^#\d+ · \w+ v\d+ · \S+ v\d+$"
    r"|^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$|^[\d.,]+$"
    r"|^(Idempotency-Key|expected_version|bigserial)$"
)


def _bank() -> Bank:
    store = DuckDBEventStore(":memory:", clock=StepClock(), new_id=SequentialIds(prefix=0xE))
    bank = Bank(store, new_id=SequentialIds())
    bank.open_account("Ada", 10_000)
    return bank


def _time_travel() -> Any:
    bank = _bank()
    return time_travel_panel(bank, bank.store.read_all()[0].aggregate_id)


def _projector() -> Any:
    bank = _bank()
    store = bank.store
    projector = Projector(store, standard_projections(), clock=StepClock())
    return projector_panel(bank, projector, Queries(store))  # type: ignore[arg-type]


@pytest.fixture
def client() -> Iterator[LocalClient]:
    store = DuckDBEventStore(":memory:", clock=StepClock())
    with LocalClient(create_app(store, new_id=SequentialIds(prefix=0xA))) as c:
        yield c
    store.close()


PANELS: dict[str, Callable[[], Any]] = {
    "teller (01)": teller_panel,
    "race (02)": race_panel,
    "time travel (03)": _time_travel,
    "snapshots (04)": snapshot_panel,
    "schema (05)": lambda: schema_panel(legacy_store()),
    "projector (06)": _projector,
    "lag (07)": lag_panel,
    "quiz (08)": lambda: quiz_panel(load_questions()),
    "transfers (11)": transfer_panel,
}


def _shown(panel: Any) -> list[str]:
    return [t for t in i18n.shown_labels(panel.widget) if t.strip() and not KEEP.match(t)]


def _messages(panel: Any) -> list[str]:
    """The text of every HTML widget of the panel (its message line, tables, captions)."""
    found: list[str] = []

    def walk(w: widgets.Widget) -> None:
        if isinstance(w, widgets.HTML) and w.value:
            found.append(re.sub(r"<style>.*?</style>|<[^>]+>", " ", w.value))
        for child in getattr(w, "children", ()):
            walk(child)

    walk(panel.widget)
    return found


@pytest.mark.parametrize("name", PANELS)
def test_in_chinese_every_label_of_the_panel_is_translated(zh: None, name: str) -> None:
    panel = PANELS[name]()
    assert _shown(panel), f"{name} shows no label at all"
    assert untranslated(_shown(panel)) == []
    assert any(i18n.has_cjk(text) for text in _messages(panel)), f"{name}: no Chinese text"


@pytest.mark.parametrize("name", PANELS)
def test_in_english_the_panel_shows_no_chinese(name: str) -> None:
    panel = PANELS[name]()
    texts = _shown(panel) + _messages(panel)
    assert texts and not [t for t in texts if i18n.has_cjk(t)]


def test_the_request_panel_is_translated_but_its_routes_are_not(
    zh: None, client: LocalClient
) -> None:
    r = client.post("/commands/open-account", json={"owner": "Ada", "initial_balance": 100})
    panel = http_panel(client, r.json()["account_id"])
    assert untranslated(_shown(panel)) == []
    assert "POST /commands/deposit" in panel.widget.children[1]._options_labels
    assert panel.route.value == "POST /commands/deposit"


def test_the_tailing_panel_is_translated(zh: None, pg_server: str) -> None:
    from esbank.teach.postgres import tail_panel

    database = fresh_database(pg_server, prefix="esbank_zh")
    try:
        panel = tail_panel(database)
        try:
            assert untranslated(_shown(panel)) == []
        finally:
            panel.close()
    finally:
        drop_database(database, pg_server)


def test_clicking_keeps_the_panel_in_chinese(zh: None) -> None:
    panel = teller_panel()
    panel.open_button.click()
    panel.amount.value = "999999"
    panel.withdraw_button.click()
    assert "InsufficientFunds（餘額不足）" in panel.message.value
    assert "事件日誌" in panel.log.value and "目前狀態" in panel.state.value
