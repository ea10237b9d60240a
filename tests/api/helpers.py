"""Requests and assertions the API tests share."""

from __future__ import annotations

from typing import Any

from esbank.api import LocalClient


def open_account(client: LocalClient, owner: str = "Ada", balance: int = 100) -> str:
    """Open an account through the API; its id."""
    r = client.post("/commands/open-account", json={"owner": owner, "initial_balance": balance})
    assert r.status_code == 202, r.text
    return str(r.json()["account_id"])


def assert_problem(response: Any, status: int, name: str) -> dict[str, Any]:
    """The response is an RFC 9457 problem of type ``name`` with a useful detail, and says
    nothing about the server's insides."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == f"/problems/{name}"
    assert body["status"] == status
    assert body["title"] and len(body["detail"]) > 20
    text = response.text.lower()
    for leak in ("traceback", "duckdb", 'file "', "exception", "site-packages"):
        assert leak not in text, f"{leak!r} leaked: {response.text}"
    return dict(body)
