"""The status table with a live request for each row, against a fresh in-process app.

:func:`live_status_table` opens a bank in memory (deterministic clock and ids), sends one real
request per row of ``esbank.api.PROBLEMS`` (plus an accepted command) through httpx, and
tabulates what the table promises next to what came back. Rows that need a broken store get
a store of their own, so one row never spoils another.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

import httpx
import pandas as pd

from esbank.api import PROBLEMS, LocalClient, create_app
from esbank.app.projections import Projector
from esbank.app.read_models import standard_projections
from esbank.domain.events import MoneyDeposited
from esbank.eventstore.duckdb_store import DuckDBEventStore
from esbank.eventstore.types import ANY, StreamAppend
from esbank.teach.determinism import SequentialIds, StepClock

COLUMNS = ["row", "request", "promised", "answered", "type", "detail"]
DETAIL_CHARS = 90


@dataclass
class Bench:
    """A fresh app in memory, a client for it, and an account with 100 cents."""

    store: DuckDBEventStore
    client: LocalClient
    account: str

    def post(self, command: str, body: dict[str, object], **headers: str) -> httpx.Response:
        return self.client.post(f"/commands/{command}", json=body, headers=headers)

    def close(self) -> None:
        self.client.close()
        committer = self.client.app.state.esbank.committer
        if committer is not None:
            committer.close()
        self.store.close()


def bench(prefix: int = 0xA, *, new_id: Callable[[], UUID] | None = None) -> Bench:
    """A fresh :class:`Bench` (ids ``000a0000-…`` unless ``new_id`` is given)."""
    store = DuckDBEventStore(":memory:", clock=StepClock(), new_id=SequentialIds(prefix=0xE))
    projector = Projector(store, standard_projections(), clock=StepClock())
    app = create_app(
        store, projector=projector, new_id=new_id or SequentialIds(prefix=prefix), read_wait=0.0
    )
    client = LocalClient(app)
    r = client.post("/commands/open-account", json={"owner": "Ada", "initial_balance": 100})
    return Bench(store, client, str(r.json()["account_id"]))


Call = Callable[[Bench], httpx.Response]


def _deposit(amount: object, **headers: str) -> Call:
    return lambda b: b.post("deposit", {"account_id": b.account, "amount": amount}, **headers)


def _stale(b: Bench) -> httpx.Response:
    _deposit(5)(b)
    return b.post("withdraw", {"account_id": b.account, "amount": 5, "expected_version": 1})


def _reused(b: Bench) -> httpx.Response:
    _deposit(5, **{"Idempotency-Key": "rent-jan"})(b)
    return _deposit(6, **{"Idempotency-Key": "rent-jan"})(b)


def _closed(b: Bench) -> httpx.Response:
    b.post("withdraw", {"account_id": b.account, "amount": 100})
    b.post("close-account", {"account_id": b.account})
    return _deposit(5)(b)


def _already_open(b: Bench) -> httpx.Response:
    app = create_app(b.store, new_id=lambda: UUID(b.account))  # a factory repeating an id
    with LocalClient(app) as client:
        return client.post("/commands/open-account", json={"owner": "Bo", "initial_balance": 0})


def _broken_store(b: Bench) -> httpx.Response:
    def fails() -> int:
        raise RuntimeError("an unexpected bug, with secrets in its message")

    b.store.head_position = fails  # type: ignore[method-assign]
    return b.client.get("/health")


def _closed_store(b: Bench) -> httpx.Response:
    b.store.close()
    return _deposit(5)(b)


def _no_read_model(b: Bench) -> httpx.Response:
    with b.store.transaction() as conn:
        conn.execute("DROP TABLE account_balances")
        conn.execute("DROP TABLE projection_checkpoints")
    return b.client.get(f"/accounts/{b.account}")


def _conflict(b: Bench) -> httpx.Response:
    """Every append of ours finds that a rival appended first, retries included."""
    real = b.store.append_batch

    def rival_first(appends: object) -> object:
        real([StreamAppend(UUID(b.account), [MoneyDeposited(1)], expected_version=ANY)])
        return real(appends)  # type: ignore[arg-type]

    b.store.append_batch = rival_first  # type: ignore[assignment, method-assign]
    return _deposit(5)(b)


ROWS: dict[str, tuple[str, Call]] = {
    "accepted": ("POST /commands/deposit amount 500", _deposit(500)),
    "invalid-request": ("POST /commands/deposit amount 12.5", _deposit(12.5)),
    "malformed-json": ("POST /commands/deposit body '{\"amount\": '",
                       lambda b: b.client.post("/commands/deposit", content=b'{"amount": ',
                                               headers={"content-type": "application/json"})),
    "unknown-account": ("POST /commands/deposit to an unknown id",
                        lambda b: b.post("deposit", {"account_id": str(UUID(int=0xFF)),
                                                     "amount": 5})),
    "unknown-version": ("GET /accounts/{id}/state?as_of_version=9",
                        lambda b: b.client.get(f"/accounts/{b.account}/state?as_of_version=9")),
    "not-found": ("GET /accounts", lambda b: b.client.get("/accounts")),
    "method-not-allowed": ("GET /commands/deposit", lambda b: b.client.get("/commands/deposit")),
    "stale-expected-version": ("POST /commands/withdraw expected_version 1 (now 2)", _stale),
    "concurrency-conflict": ("(a rival appends before every retry)", _conflict),
    "idempotency-key-reused": ("POST deposit 6 with the key of deposit 5", _reused),
    "body-too-large": ("POST /commands/deposit with 20 kB",
                       lambda b: b.client.post("/commands/deposit", content=b" " * 20_000,
                                               headers={"content-type": "application/json"})),
    "unsupported-media-type": ("POST /commands/deposit as text/plain",
                               lambda b: b.client.post("/commands/deposit", content=b"{}",
                                                       headers={"content-type": "text/plain"})),
    "insufficient-funds": ("POST /commands/withdraw amount 101 (balance 100)",
                           lambda b: b.post("withdraw", {"account_id": b.account, "amount": 101})),
    "account-closed": ("POST /commands/deposit to a closed account", _closed),
    "non-zero-balance": ("POST /commands/close-account (balance 100)",
                         lambda b: b.post("close-account", {"account_id": b.account})),
    "balance-limit": ("POST /commands/deposit amount 2⁶³−1", _deposit(2**63 - 1)),
    "account-already-open": ("POST /commands/open-account with an id handed out twice",
                             _already_open),
    "internal-error": ("GET /health while the store has a bug", _broken_store),
    "store-unavailable": ("POST /commands/deposit, store closed", _closed_store),
    "read-model-unavailable": ("GET /accounts/{id}, no read model", _no_read_model),
}  # fmt: skip
"""For each row (``accepted`` and every problem type): the request, described, and made."""


def _row(name: str, response: httpx.Response) -> tuple[str, str, int, int, str, str]:
    request, _ = ROWS[name]
    promised = 202 if name == "accepted" else PROBLEMS[name].status
    body = response.json()
    kind = body.get("type", "") if response.status_code >= 400 else ""
    text = body.get("detail", "") if kind else str(body)
    if len(text) > DETAIL_CHARS:
        text = text[: DETAIL_CHARS - 1] + "…"
    return (name, request, promised, response.status_code, kind, text)


def live_status_table() -> pd.DataFrame:
    """One live request per row of the status table: promised and answered status, the
    problem ``type`` and the start of its ``detail``."""
    rows = []
    for name, (_, call) in ROWS.items():
        b = bench()
        try:
            rows.append(_row(name, call(b)))
        finally:
            b.close()
    return pd.DataFrame(rows, columns=COLUMNS)
