"""The status-code table, row by row: every problem type of ``esbank.api.PROBLEMS`` is produced
by a real request, with its status, ``application/problem+json`` and a detail that says what
to do; 202 for an accepted command; money refused unless it is a JSON integer of cents."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from api.helpers import assert_problem, open_account
from esbank import ANY, DuckDBEventStore, InvalidArgument, MoneyDeposited, StreamAppend
from esbank.api import PROBLEMS, LocalClient, create_app

UNKNOWN = "00000000-0000-0000-0000-0000000000ff"
JSON = {"content-type": "application/json"}


def _raw(client: LocalClient, path: str, body: bytes, **headers: str) -> Any:
    return client.post(path, content=body, headers={**JSON, **headers})


def _invalid_request(client: LocalClient) -> Any:
    account = open_account(client)
    return client.post("/commands/deposit", json={"account_id": account, "amount": 12.5})


def _malformed_json(client: LocalClient) -> Any:
    return _raw(client, "/commands/deposit", b'{"account_id": ')


def _invalid_key(client: LocalClient) -> Any:
    account = open_account(client)
    body = {"account_id": account, "amount": 1}
    return client.post("/commands/deposit", json=body, headers={"Idempotency-Key": "k" * 201})


def _unknown_account(client: LocalClient) -> Any:
    return client.post("/commands/deposit", json={"account_id": UNKNOWN, "amount": 5})


def _unknown_version(client: LocalClient) -> Any:
    return client.get(f"/accounts/{open_account(client)}/state?as_of_version=2")


def _not_found(client: LocalClient) -> Any:
    return client.get("/accounts")


def _method_not_allowed(client: LocalClient) -> Any:
    return client.get("/commands/deposit")


def _stale_expected_version(client: LocalClient) -> Any:
    account = open_account(client)
    client.post("/commands/deposit", json={"account_id": account, "amount": 5})
    body = {"account_id": account, "amount": 5, "expected_version": 1}
    return client.post("/commands/withdraw", json=body)


def _key_reused(client: LocalClient) -> Any:
    account = open_account(client)
    key = {"Idempotency-Key": "pay-rent-2026-01"}
    client.post("/commands/deposit", json={"account_id": account, "amount": 5}, headers=key)
    return client.post("/commands/deposit", json={"account_id": account, "amount": 6}, headers=key)


def _too_large(client: LocalClient) -> Any:
    return _raw(client, "/commands/deposit", b" " * 20_000 + b"{}")


def _unsupported_media_type(client: LocalClient) -> Any:
    account = open_account(client)
    body = f'{{"account_id": "{account}", "amount": 5}}'.encode()
    return client.post("/commands/deposit", content=body, headers={"content-type": "text/plain"})


def _insufficient_funds(client: LocalClient) -> Any:
    return client.post(
        "/commands/withdraw", json={"account_id": open_account(client), "amount": 101}
    )


def _account_closed(client: LocalClient) -> Any:
    account = open_account(client, balance=0)
    client.post("/commands/close-account", json={"account_id": account})
    return client.post("/commands/deposit", json={"account_id": account, "amount": 5})


def _non_zero_balance(client: LocalClient) -> Any:
    return client.post("/commands/close-account", json={"account_id": open_account(client)})


def _balance_limit(client: LocalClient) -> Any:
    account = open_account(client, balance=2**63 - 1)
    return client.post("/commands/deposit", json={"account_id": account, "amount": 1})


def _already_open(client: LocalClient) -> Any:
    """Only an id that is handed out twice can open an account again: a second app on the
    same store whose id factory repeats the first account's id."""
    account = UUID(open_account(client))
    again = create_app(client.app.state.esbank.store, new_id=lambda: account)
    with LocalClient(again) as other:
        return other.post("/commands/open-account", json={"owner": "Bo", "initial_balance": 0})


def _conflict_persisted(client: LocalClient) -> Any:
    """A rival writer appends to the account just before every one of our appends."""
    account = UUID(open_account(client))
    store: DuckDBEventStore = client.app.state.esbank.store
    real = store.append_batch

    def rival_first(appends: Any) -> Any:
        real([StreamAppend(account, [MoneyDeposited(1)], expected_version=ANY)])
        return real(appends)

    store.append_batch = rival_first  # type: ignore[method-assign]
    return client.post("/commands/deposit", json={"account_id": str(account), "amount": 5})


def _internal_error(client: LocalClient) -> Any:
    store: DuckDBEventStore = client.app.state.esbank.store

    def broken() -> int:
        raise RuntimeError("secret internals /srv/bank.duckdb")

    store.head_position = broken  # type: ignore[method-assign]
    return client.get("/health")


def _store_unavailable(client: LocalClient) -> Any:
    account = open_account(client)
    client.app.state.esbank.store.close()
    return client.post("/commands/deposit", json={"account_id": account, "amount": 5})


def _read_model_unavailable(client: LocalClient) -> Any:
    store: DuckDBEventStore = client.app.state.esbank.store
    account = open_account(client)
    with store.transaction() as conn:
        conn.execute("DROP TABLE account_balances")
        conn.execute("DROP TABLE projection_checkpoints")
    return client.get(f"/accounts/{account}")


ROWS: dict[str, Callable[[LocalClient], Any]] = {
    "invalid-request": _invalid_request,
    "malformed-json": _malformed_json,
    "unknown-account": _unknown_account,
    "unknown-version": _unknown_version,
    "not-found": _not_found,
    "method-not-allowed": _method_not_allowed,
    "stale-expected-version": _stale_expected_version,
    "concurrency-conflict": _conflict_persisted,
    "idempotency-key-reused": _key_reused,
    "body-too-large": _too_large,
    "unsupported-media-type": _unsupported_media_type,
    "insufficient-funds": _insufficient_funds,
    "account-closed": _account_closed,
    "non-zero-balance": _non_zero_balance,
    "balance-limit": _balance_limit,
    "account-already-open": _already_open,
    "internal-error": _internal_error,
    "store-unavailable": _store_unavailable,
    "read-model-unavailable": _read_model_unavailable,
}


def test_every_row_of_the_table_has_a_request_here() -> None:
    assert list(ROWS) == list(PROBLEMS)
    assert [row.status for row in PROBLEMS.values()] == sorted(r.status for r in PROBLEMS.values())


@pytest.mark.parametrize("name", list(ROWS))
def test_each_row_is_answered_as_the_table_says(client: LocalClient, name: str) -> None:
    row = PROBLEMS[name]
    body = assert_problem(ROWS[name](client), row.status, name)
    assert body["title"] == row.title
    assert row.advice in body["detail"], "the detail ends with what to do"


def test_an_accepted_command_is_202_with_version_and_position(client: LocalClient) -> None:
    r = client.post("/commands/open-account", json={"owner": "Ada", "initial_balance": 100})
    assert (r.status_code, r.headers["content-type"]) == (202, "application/json")
    account = r.json()["account_id"]
    assert r.headers["location"] == f"/accounts/{account}"
    r = client.post("/commands/deposit", json={"account_id": account, "amount": 500})
    assert r.status_code == 202
    assert r.json() == {
        "status": "accepted", "account_id": account, "new_version": 2, "position": 2
    }  # fmt: skip


# -- money is a JSON integer of cents -----------------------------------------------------------
NOT_MONEY = {
    "a fraction": b"12.5",
    "true": b"true",
    "a string": b'"5"',
    "an exponent": b"1e3",
    "a whole float": b"5.0",
    "negative": b"-1",
    "zero": b"0",
    "above int64": b"9223372036854775808",
    "far above int64": b"1" + b"0" * 400,
    "null": b"null",
    "a list": b"[5]",
    "an object": b'{"cents": 5}',
    "NaN": b"NaN",
    "Infinity": b"Infinity",
}


@pytest.mark.parametrize("amount", list(NOT_MONEY.values()), ids=list(NOT_MONEY))
def test_money_that_is_not_an_integer_of_cents_is_400(client: LocalClient, amount: bytes) -> None:
    account = open_account(client)
    head = client.get("/health").json()["head"]
    for command in ("deposit", "withdraw"):
        body = b'{"account_id": "%s", "amount": %s}' % (account.encode(), amount)
        r = _raw(client, f"/commands/{command}", body)
        problem = assert_problem(r, 400, "malformed-json" if amount in {b"NaN", b"Infinity"}
                                 else "invalid-request")  # fmt: skip
        if problem["type"].endswith("invalid-request"):
            assert problem["errors"][0]["field"] == "amount"
            assert "JSON integer number of cents" in problem["detail"]
    assert client.get("/health").json()["head"] == head, "nothing was written"


def test_the_largest_amount_is_money(client: LocalClient) -> None:
    account = open_account(client, balance=0)
    r = client.post("/commands/deposit", json={"account_id": account, "amount": 2**63 - 1})
    assert r.status_code == 202


@pytest.mark.parametrize(
    "body",
    [
        {"owner": "Ada"},
        {"owner": "Ada", "initial_balance": 0, "currency": "EUR"},
        {"owner": "", "initial_balance": 0},
        {"owner": "   ", "initial_balance": 0},
        {"owner": "x" * 201, "initial_balance": 0},
        {"owner": 7, "initial_balance": 0},
        {"owner": "Ada", "initial_balance": -1},
        {"owner": "Ada", "initial_balance": 1, "expected_version": -1},
        {"owner": "Ada", "initial_balance": 1, "expected_version": 1.0},
    ],
    ids=["missing", "unknown", "empty owner", "blank owner", "long owner", "number owner",
         "negative balance", "negative version", "float version"],
)  # fmt: skip
def test_every_invalid_field_is_400(client: LocalClient, body: dict[str, Any]) -> None:
    r = client.post("/commands/open-account", json=body)
    problem = assert_problem(r, 400, "invalid-request")
    assert problem["errors"], "each invalid field is listed"


def test_a_key_given_twice_is_malformed(client: LocalClient) -> None:
    account = open_account(client)
    body = b'{"account_id": "%s", "amount": 1, "amount": 100000}' % account.encode()
    problem = assert_problem(_raw(client, "/commands/deposit", body), 400, "malformed-json")
    assert "appears twice" in problem["detail"]


def test_an_owner_no_database_can_store_is_400_not_500(client: LocalClient) -> None:
    body = b'{"owner": "Ada \\ud800", "initial_balance": 0}'
    problem = assert_problem(_raw(client, "/commands/open-account", body), 400, "invalid-request")
    assert "surrogate" in problem["detail"]


def test_a_bad_idempotency_key_is_400(client: LocalClient) -> None:
    problem = assert_problem(_invalid_key(client), 400, "invalid-request")
    assert problem["errors"][0]["field"] == "Idempotency-Key"


def test_a_bad_path_or_query_parameter_is_400(client: LocalClient) -> None:
    assert_problem(client.get("/accounts/not-a-uuid"), 400, "invalid-request")
    account = open_account(client)
    for query in ("min_position=-1", "min_position=1.5", "min_position=9223372036854775808"):
        assert_problem(client.get(f"/accounts/{account}?{query}"), 400, "invalid-request")
    assert_problem(client.get(f"/accounts/{account}/state?as_of_version=0"), 400, "invalid-request")
    assert_problem(client.get(f"/accounts/{account}/events?limit=0"), 400, "invalid-request")


def test_a_closed_store_is_503_for_every_route_never_409(client: LocalClient) -> None:
    account = open_account(client)
    client.app.state.esbank.store.close()
    requests = [
        ("POST", "/commands/open-account", {"owner": "Bo", "initial_balance": 0}),
        ("POST", "/commands/deposit", {"account_id": account, "amount": 1}),
        ("POST", "/commands/withdraw", {"account_id": account, "amount": 1, "expected_version": 1}),
        ("POST", "/commands/close-account", {"account_id": account}),
        ("GET", f"/accounts/{account}", None),
        ("GET", f"/accounts/{account}/events", None),
        ("GET", f"/accounts/{account}/state", None),
        ("GET", "/health", None),
    ]
    for method, path, body in requests:
        r = client.request(method, path, json=body) if body else client.request(method, path)
        assert_problem(r, 503, "store-unavailable")
        assert r.headers["retry-after"] == "1"


def test_problem_types_are_documented_at_their_type_uri(client: LocalClient) -> None:
    listed = client.get("/problems").json()
    assert [p["type"] for p in listed] == [row.type for row in PROBLEMS.values()]
    one = client.get("/problems/insufficient-funds").json()
    assert one["status"] == 422 and one["advice"] == PROBLEMS["insufficient-funds"].advice
    assert_problem(client.get("/problems/no-such-problem"), 404, "not-found")


def test_a_read_model_that_was_never_built_is_503(store: DuckDBEventStore) -> None:
    """No projector ever ran on this store: reads say so instead of failing."""
    with LocalClient(create_app(store)) as client:
        account = open_account(client)
        assert_problem(client.get(f"/accounts/{account}"), 503, "read-model-unavailable")
        assert client.get("/health").json()["projections"] == []


def test_projector_type_is_checked(store: DuckDBEventStore) -> None:
    with pytest.raises(InvalidArgument):
        create_app(store, projector="balances")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument):
        create_app(object())  # type: ignore[arg-type]


def test_the_readme_table_is_this_table() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## The HTTP API", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| (\d{3}) \| `(/problems/[a-z-]+)` \| (.+) \|$", section, re.MULTILINE)
    assert rows == [(str(r.status), r.type, r.when) for r in PROBLEMS.values()], (
        "README's status table differs from esbank.api.PROBLEMS"
    )
