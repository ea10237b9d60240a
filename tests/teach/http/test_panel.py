"""The request panel without a browser: set its controls, click Send, read the widgets."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from esbank import DuckDBEventStore
from esbank.api import LocalClient, create_app
from esbank.teach import SequentialIds, StepClock
from esbank.teach.http import HttpPanel, build_request, http_panel
from esbank.teach.http.panel import PANEL_CLASS, ROUTES


@pytest.fixture
def client() -> Iterator[LocalClient]:
    store = DuckDBEventStore(":memory:", clock=StepClock())
    with LocalClient(create_app(store, new_id=SequentialIds(prefix=0xA))) as c:
        yield c
    store.close()


@pytest.fixture
def panel(client: LocalClient) -> HttpPanel:
    r = client.post("/commands/open-account", json={"owner": "Ada", "initial_balance": 100})
    return http_panel(client, r.json()["account_id"])


def test_build_request_puts_the_amount_in_as_typed() -> None:
    r = build_request("POST /commands/deposit", " abc ", "12.5", "3", "k1")
    assert r.body == '{"account_id": "abc", "amount": 12.5, "expected_version": 3}'
    assert r.headers == {"Idempotency-Key": "k1", "content-type": "application/json"}
    opening = build_request("POST /commands/open-account", "abc", "0")
    assert opening.body == '{"owner": "Ada", "initial_balance": 0}'
    closing = build_request("POST /commands/close-account", "abc", "7")
    assert closing.body == '{"account_id": "abc"}'
    read = build_request("GET /accounts/{id}/state", "abc", "7")
    assert (read.method, read.path, read.body, read.headers) == (
        "GET",
        "/accounts/abc/state",
        None,
        {},
    )


def test_panel_has_stable_classes_and_a_placeholder(panel: HttpPanel) -> None:
    assert PANEL_CLASS == "esbank-http" and PANEL_CLASS in panel.widget._dom_classes
    assert f"{PANEL_CLASS}-send" in panel.send._dom_classes
    assert panel.send.description == "Send request"
    assert list(panel.route.options) == list(ROUTES)
    assert "No request sent yet" in panel.history.value
    assert (
        panel._repr_mimebundle_()["text/plain"]
        == "Request panel (run the cell in Jupyter to use it)"
    )


def test_sending_shows_status_content_type_and_body(panel: HttpPanel) -> None:
    panel.send.click()
    assert panel.last is not None and panel.last.status_code == 202
    assert "202 Accepted" in panel.exchange.value and "application/json" in panel.exchange.value
    panel.amount.value = "12.5"
    panel.send.click()
    assert panel.last.status_code == 400
    assert "application/problem+json" in panel.exchange.value
    assert "/problems/invalid-request" in panel.history.value
    panel.route.value = "GET /accounts/{id}/state"
    panel.send.click()
    assert "balance 600, version 2" in panel.history.value
    assert [row[2] for row in panel.sent] == [202, 400, 200]
    frozen = panel.snapshot_html()
    assert frozen.startswith(f'<div class="{PANEL_CLASS}-snapshot">') and "Requests sent" in frozen


def test_the_key_and_expected_version_reach_the_server(panel: HttpPanel) -> None:
    panel.key.value = "once"
    first = panel.submit()
    again = panel.submit()
    assert first is not None and again is not None and first.json() == again.json()
    panel.key.value = ""
    panel.expected_version.value = "1"
    stale = panel.submit()
    assert stale is not None and stale.status_code == 409
    assert "stale-expected-version" in panel.history.value


def test_a_request_httpx_cannot_send_is_reported_not_raised(panel: HttpPanel) -> None:
    panel.key.value = "ü"  # header values are ASCII for httpx
    assert panel.submit() is None
    assert "not sent" in panel.exchange.value
