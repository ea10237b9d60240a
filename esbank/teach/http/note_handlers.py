"""The reference note's deposit endpoint, as its Rust and Go handlers behave over HTTP.

Both follow the same steps as the note: load the stream, rebuild the account, decide, append
at the version that was read. What differs is how they answer:

- the Rust handler returns ``Result<Json, String>``; axum sends a ``String`` error as a
  ``200 OK`` text body, so a refusal and a conflict both look like success to a client that
  reads the status code;
- the Go handler answers 400 for a body it cannot decode, 500 for a failed load, 422 for a
  refused command, and **409 for every append error**: a database outage at append time is
  reported as a version conflict, which a client retries at once.

Each app here is a small FastAPI translation (only what shapes the answer), over esbank's
domain and store, so the bugs can be shown with real requests next to ``esbank.api``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from esbank.domain.account import decide, replay
from esbank.domain.commands import DepositMoney
from esbank.domain.errors import EsbankError
from esbank.eventstore.duckdb_store import DuckDBEventStore
from esbank.eventstore.errors import StoreError
from esbank.eventstore.protocol import EventStore
from esbank.eventstore.types import AppendResult, StreamAppend


async def _command(request: Request) -> DepositMoney:
    body: dict[str, Any] = await request.json()
    return DepositMoney(UUID(str(body["account_id"])), body["amount"])


def rust_style_app(store: EventStore) -> FastAPI:
    """The Rust handler: every error becomes a ``String``, which axum sends as 200."""
    app = FastAPI(title="the note's Rust handler")

    @app.post("/commands/deposit")
    async def deposit(request: Request) -> Response:
        try:
            command = await _command(request)
            state = replay(
                (r.event for r in store.read_stream(command.account_id)),
                account_id=command.account_id,
            )
            events = decide(command, state)
            store.append(command.account_id, events, expected_version=state.version)
        except (EsbankError, KeyError, ValueError) as error:
            return PlainTextResponse(str(error).split(";")[0])  # Err(String): 200 OK
        return JSONResponse({"status": "accepted", "new_version": state.version + 1})

    return app


def go_style_app(store: EventStore) -> FastAPI:
    """The Go handler: 400 decode, 500 load, 422 rule, and 409 for any append error."""
    app = FastAPI(title="the note's Go handler")

    @app.post("/commands/deposit")
    async def deposit(request: Request) -> Response:
        try:
            command = await _command(request)
        except (EsbankError, KeyError, ValueError) as error:
            return PlainTextResponse(str(error), status_code=400)
        try:
            recorded = store.read_stream(command.account_id)
        except EsbankError as error:
            return PlainTextResponse(str(error), status_code=500)
        state = replay((r.event for r in recorded), account_id=command.account_id)
        try:
            events = decide(command, state)
        except EsbankError as error:
            return PlainTextResponse(str(error).split(";")[0], status_code=422)
        try:
            store.append(command.account_id, events, expected_version=state.version)
        except EsbankError:  # any append error, an outage included
            return PlainTextResponse("optimistic concurrency conflict", status_code=409)
        return JSONResponse({"status": "accepted", "new_version": state.version + 1}, 202)

    return app


class OutageStore(DuckDBEventStore):
    """A real store whose appends fail while ``down`` is True (reads still work): the
    database going away between a handler's load and its append."""

    down: bool = False

    def append_batch(self, appends: Sequence[StreamAppend]) -> list[AppendResult]:
        if self.down:
            raise StoreError("the database connection was lost during the append")
        return super().append_batch(appends)
