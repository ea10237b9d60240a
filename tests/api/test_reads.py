"""Queries over HTTP: the balance read model and read-your-own-writes, the stream a page at a
time, the state as of a version, and health with the projection lag."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from api.helpers import assert_problem, open_account
from esbank import DuckDBEventStore, Projector
from esbank.api import LocalClient, create_app
from esbank.teach import SequentialIds


def _deposit(client: LocalClient, account: str, amount: int) -> int:
    r = client.post("/commands/deposit", json={"account_id": account, "amount": amount})
    assert r.status_code == 202, r.text
    return int(r.json()["position"])


def test_the_balance_comes_from_the_read_model(client: LocalClient, projector: Projector) -> None:
    account = open_account(client, balance=100)
    _deposit(client, account, 50)
    behind = client.get(f"/accounts/{account}").json()
    assert (behind["balance"], behind["checkpoint"], behind["stale"]) == (None, 0, True)
    projector.run()
    view = client.get(f"/accounts/{account}").json()
    assert view == {
        "account_id": account, "owner": "Ada", "balance": 150, "version": 2,
        "is_closed": False, "checkpoint": 2, "min_position": None, "stale": False, "note": None,
    }  # fmt: skip


def test_a_read_that_is_still_behind_says_so_plainly(
    client: LocalClient, projector: Projector
) -> None:
    account = open_account(client, balance=100)
    projector.run()
    position = _deposit(client, account, 50)
    r = client.get(f"/accounts/{account}?min_position={position}")
    assert r.status_code == 200
    view = r.json()
    assert (view["balance"], view["stale"], view["checkpoint"]) == (100, True, 1)
    assert f"has not reached position {position}" in view["note"]
    assert "ask again" in view["note"]
    projector.run()
    view = client.get(f"/accounts/{account}?min_position={position}").json()
    assert (view["balance"], view["stale"], view["note"]) == (150, False, None)


@pytest.fixture
def waiting_client(store: DuckDBEventStore, projector: Projector) -> Iterator[LocalClient]:
    app = create_app(store, projector=projector, new_id=SequentialIds(prefix=0xA), read_wait=10)
    with LocalClient(app) as c:
        yield c


def test_min_position_waits_for_the_projector(
    waiting_client: LocalClient, projector: Projector
) -> None:
    """The projector runs 50 ms after the read starts; the read returns the fresh balance."""
    account = open_account(waiting_client, balance=100)
    position = _deposit(waiting_client, account, 50)
    runner = threading.Timer(0.05, projector.run)
    runner.start()
    view = waiting_client.get(f"/accounts/{account}?min_position={position}").json()
    runner.join()
    assert (view["balance"], view["stale"]) == (150, False)
    assert view["checkpoint"] >= position


def test_an_unknown_account_is_404_on_every_read(client: LocalClient, projector: Projector) -> None:
    projector.run()
    unknown = "00000000-0000-0000-0000-00000000beef"
    for path in ("", "/events", "/state"):
        assert_problem(client.get(f"/accounts/{unknown}{path}"), 404, "unknown-account")


def test_the_stream_a_page_at_a_time(client: LocalClient) -> None:
    account = open_account(client, balance=10)
    for amount in (1, 2, 3, 4):
        _deposit(client, account, amount)
    first = client.get(f"/accounts/{account}/events?limit=2").json()
    assert [e["version"] for e in first["events"]] == [1, 2]
    assert first["events"][0]["data"] == {"owner": "Ada", "initial_balance": 10}
    assert first["events"][1] | {"event_id": None, "recorded_at": None} == {
        "position": 2, "version": 2, "event_id": None, "event_type": "MoneyDeposited",
        "schema_version": first["events"][1]["schema_version"], "data": {"amount": 1},
        "recorded_at": None,
    }  # fmt: skip
    rest = client.get(f"/accounts/{account}/events?from_version=3&limit=100").json()
    assert [e["data"]["amount"] for e in rest["events"]] == [2, 3, 4]
    assert (first["next_from_version"], rest["next_from_version"]) == (3, None)
    beyond = client.get(f"/accounts/{account}/events?from_version=9").json()
    assert (beyond["events"], beyond["next_from_version"]) == ([], None)


def test_the_state_as_of_a_version(client: LocalClient) -> None:
    account = open_account(client, balance=10)
    _deposit(client, account, 5)
    client.post("/commands/withdraw", json={"account_id": account, "amount": 15})
    now = client.get(f"/accounts/{account}/state").json()
    then = client.get(f"/accounts/{account}/state?as_of_version=2").json()
    assert (now["balance"], now["version"]) == (0, 3)
    assert (then["balance"], then["version"], then["is_open"]) == (15, 2, True)


def test_health_reports_the_head_and_each_projections_lag(
    client: LocalClient, projector: Projector
) -> None:
    account = open_account(client)
    _deposit(client, account, 1)
    health = client.get("/health").json()
    assert (health["status"], health["store"], health["head"]) == ("ok", "reachable", 2)
    assert [p["projection"] for p in health["projections"]] == [
        "balances", "statement", "daily_totals"
    ]  # fmt: skip
    assert {p["events_behind"] for p in health["projections"]} == {2}
    projector.run()
    assert {p["events_behind"] for p in client.get("/health").json()["projections"]} == {0}


def test_health_says_lagging_past_the_threshold(client: LocalClient, projector: Projector) -> None:
    account = open_account(client)
    for _ in range(projector.lag_threshold + 1):
        _deposit(client, account, 1)
    assert client.get("/health").json()["status"] == "lagging"
