"""The lesson's models: the note's two handlers and their bugs, the live status table, a
transport that loses responses, and the throughput measurement and its chart."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pandas as pd
import pytest

from esbank import DuckDBEventStore
from esbank.api import PROBLEMS, create_app
from esbank.teach import SequentialIds, StepClock
from esbank.teach.http import (
    LostResponses,
    OutageStore,
    go_style_app,
    live_status_table,
    measure_throughput,
    plot_throughput,
    rust_style_app,
)

UNKNOWN = "00000000-0000-0000-0000-0000000000ff"


def _post(app: Any, path: str, body: dict[str, Any], transport: Any = None) -> httpx.Response:
    async def send() -> httpx.Response:
        used = transport or httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=used, base_url="http://bank") as client:
            return await client.post(path, json=body)

    # On a thread of its own: an event loop may already run in this one (Playwright's, when
    # the browser tests ran first in the same session).
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, send()).result(60)


@pytest.fixture
def store() -> Any:
    with OutageStore(":memory:", clock=StepClock(), new_id=SequentialIds()) as s:
        yield s


def _open(store: DuckDBEventStore) -> str:
    app = create_app(store, group_commit=False, new_id=SequentialIds(prefix=0xA))
    return str(
        _post(app, "/commands/open-account", {"owner": "Ada", "initial_balance": 0}).json()[
            "account_id"
        ]
    )


def test_the_rust_handler_sends_refusals_as_200(store: OutageStore) -> None:
    app = rust_style_app(store)
    refused = _post(app, "/commands/deposit", {"account_id": UNKNOWN, "amount": 5})
    assert (refused.status_code, refused.headers["content-type"][:10]) == (200, "text/plain")
    assert "has not been opened" in refused.text
    account = _open(store)
    assert _post(app, "/commands/deposit", {"account_id": account, "amount": 5}).json() == {
        "status": "accepted", "new_version": 2,
    }  # fmt: skip


def test_the_go_handler_calls_an_outage_a_conflict(store: OutageStore) -> None:
    app = go_style_app(store)
    account = _open(store)
    assert _post(app, "/commands/deposit", {"account_id": account, "amount": 5}).status_code == 202
    assert _post(app, "/commands/deposit", {"account_id": UNKNOWN, "amount": 5}).status_code == 422
    assert _post(app, "/commands/deposit", {"account_id": "x", "amount": 5}).status_code == 400
    store.down = True
    outage = _post(app, "/commands/deposit", {"account_id": account, "amount": 5})
    assert (outage.status_code, outage.text) == (409, "optimistic concurrency conflict")
    ours = _post(create_app(store), "/commands/deposit", {"account_id": account, "amount": 5})
    assert ours.status_code == 503


def test_the_live_status_table_answers_every_row_as_promised() -> None:
    table = live_status_table()
    assert list(table["row"]) == ["accepted", *PROBLEMS]
    assert (table["promised"] == table["answered"]).all(), table[["row", "promised", "answered"]]
    assert table["detail"].str.len().max() <= 90
    assert live_status_table().equals(table), "the same every run"


def test_a_lost_response_still_did_the_work(store: OutageStore) -> None:
    account = _open(store)
    app = create_app(store)
    lossy = LostResponses(app, lose=1)
    with pytest.raises(httpx.ReadTimeout):
        _post(app, "/commands/deposit", {"account_id": account, "amount": 5}, transport=lossy)
    assert lossy.lost == ["POST /commands/deposit -> 202"]
    assert store.head_position() == 2, "the deposit was stored although no answer came back"
    again = _post(app, "/commands/deposit", {"account_id": account, "amount": 5}, transport=lossy)
    assert again.status_code == 202


def test_throughput_is_measured_both_ways_and_charted() -> None:
    frame = measure_throughput((1, 4), commands=8)
    assert isinstance(frame, pd.DataFrame) and len(frame) == 4
    assert set(frame["mode"]) == {"group commit", "one commit per request"}
    assert (frame["commands"] == 8).all() and (frame["commands_per_s"] > 0).all()
    fig = plot_throughput(frame)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "concurrent clients" and ax.get_ylabel() == "commands per second"
    assert ax.get_title().startswith("With 4 clients, group commit handles")
    assert len(ax.get_lines()) == 2
