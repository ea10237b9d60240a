"""Commands over HTTP: versions and positions, the client's expected version, idempotent
retries, and what every accepted command leaves in the log."""

from __future__ import annotations

from uuid import UUID

from api.helpers import assert_problem, open_account
from esbank import Bank, DuckDBEventStore
from esbank.api import LocalClient, idempotency_uuid


def _events(store: DuckDBEventStore, account: str) -> list[str]:
    return [r.event_type for r in store.read_stream(UUID(account))]


def test_a_life_of_an_account(client: LocalClient, store: DuckDBEventStore) -> None:
    account = open_account(client, balance=1_000)
    steps = [
        ("deposit", {"amount": 500}, 2),
        ("withdraw", {"amount": 1_500}, 3),
        ("close-account", {}, 4),
    ]
    for command, fields, version in steps:
        r = client.post(f"/commands/{command}", json={"account_id": account, **fields})
        assert r.status_code == 202, r.text
        assert (r.json()["new_version"], r.json()["position"]) == (version, version)
    assert _events(store, account) == [
        "AccountOpened", "MoneyDeposited", "MoneyWithdrawn", "AccountClosed"
    ]  # fmt: skip
    assert Bank(store).load(UUID(account)).is_closed


def test_a_refused_command_writes_nothing(client: LocalClient, store: DuckDBEventStore) -> None:
    account = open_account(client)
    assert_problem(
        client.post("/commands/withdraw", json={"account_id": account, "amount": 101}),
        422,
        "insufficient-funds",
    )
    assert store.head_position() == 1


def test_expected_version_guards_the_clients_view(client: LocalClient) -> None:
    account = open_account(client)
    fresh = {"account_id": account, "amount": 10, "expected_version": 1}
    assert client.post("/commands/deposit", json=fresh).json()["new_version"] == 2
    stale = client.post("/commands/withdraw", json=fresh)  # the client still thinks version 1
    problem = assert_problem(stale, 409, "stale-expected-version")
    assert (problem["expected_version"], problem["current_version"]) == (1, 2)
    retry = {**fresh, "expected_version": problem["current_version"]}
    assert client.post("/commands/withdraw", json=retry).status_code == 202


def test_expected_version_zero_opens_and_one_does_not(client: LocalClient) -> None:
    body = {"owner": "Ada", "initial_balance": 0}
    assert client.post("/commands/open-account", json={**body, "expected_version": 0}).is_success
    r = client.post("/commands/open-account", json={**body, "expected_version": 1})
    assert_problem(r, 409, "stale-expected-version")


def test_a_retry_with_the_same_key_returns_the_first_answer_and_writes_nothing(
    client: LocalClient, store: DuckDBEventStore
) -> None:
    account = open_account(client)
    key = {"Idempotency-Key": "transfer-7f3a"}
    body = {"account_id": account, "amount": 250}
    first = client.post("/commands/deposit", json=body, headers=key)
    head = store.head_position()
    client.post("/commands/deposit", json={"account_id": account, "amount": 1})  # meanwhile
    again = client.post("/commands/deposit", json=body, headers=key)
    assert (first.status_code, again.status_code) == (202, 202)
    assert again.json() == first.json()
    assert store.head_position() == head + 1, "only the other deposit was written"
    stored = store.read_stream(UUID(account))[1]
    assert stored.metadata["idempotency_key"] == str(idempotency_uuid("transfer-7f3a"))


def test_open_account_with_a_key_opens_one_account(
    client: LocalClient, store: DuckDBEventStore
) -> None:
    body = {"owner": "Ada", "initial_balance": 100}
    key = {"Idempotency-Key": "signup-ada"}
    first = client.post("/commands/open-account", json=body, headers=key).json()
    again = client.post("/commands/open-account", json=body, headers=key).json()
    assert first == again
    assert store.head_position() == 1
    other = client.post("/commands/open-account", json={**body, "owner": "Bo"}, headers=key)
    assert_problem(other, 409, "idempotency-key-reused")


def test_keys_are_any_string_and_distinct_keys_are_distinct(client: LocalClient) -> None:
    account = open_account(client)
    answers = [
        client.post(
            "/commands/deposit",
            json={"account_id": account, "amount": 1},
            headers={"Idempotency-Key": key},
        ).json()["position"]
        for key in ["a", "A", "a-b", "550e8400-e29b-41d4-a716-446655440000", "ü".encode()]
    ]
    assert len(set(answers)) == 5
    assert idempotency_uuid("a") == idempotency_uuid("a") != idempotency_uuid("A")
    assert idempotency_uuid(None) is None


def test_positions_are_global_and_versions_per_account(client: LocalClient) -> None:
    ada, bo = open_account(client), open_account(client, "Bo")
    r = client.post("/commands/deposit", json={"account_id": ada, "amount": 1}).json()
    assert (r["new_version"], r["position"]) == (2, 3)
    r = client.post("/commands/deposit", json={"account_id": bo, "amount": 1}).json()
    assert (r["new_version"], r["position"]) == (2, 4)
