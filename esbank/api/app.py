"""``create_app``: the FastAPI application over one store, thin over ``esbank.app``."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any
from uuid import UUID

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from esbank.api import commands, reads
from esbank.api.body import MAX_BODY_BYTES, BodyLimit
from esbank.api.context import ApiContext
from esbank.api.errors import install, internal_error
from esbank.api.group_commit import GroupCommitter
from esbank.api.openapi_doc import openapi_document
from esbank.app.bank import Bank
from esbank.app.projections import Projector
from esbank.app.read_models import MAX_WAIT_SECONDS, Queries
from esbank.domain.arguments import require_callable, require_int, require_seconds
from esbank.domain.errors import InvalidArgument
from esbank.eventstore.protocol import SqlStore

TITLE = "esbank command and query API"
VERSION = "1.0.0"
DESCRIPTION = (
    "Commands are POSTed and answered 202 with the account's new version and the position "
    "of the command's last event; errors are RFC 9457 problem details "
    "(application/problem+json). Money is a JSON integer number of cents."
)


class LastResort:
    """ASGI middleware: an exception nobody handled becomes a 500 problem with no trace in
    it (the trace goes to the log), and is not raised further."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def watching(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watching)
        except Exception as exc:
            if scope["type"] != "http" or started:
                raise
            await internal_error(exc)(scope, receive, send)


def create_app(
    store: SqlStore,
    *,
    projector: Projector | None = None,
    group_commit: bool = True,
    new_id: Callable[[], UUID] | None = None,
    read_wait: float = 1.0,
    max_body_bytes: int = MAX_BODY_BYTES,
    max_group: int = 256,
) -> FastAPI:
    """The HTTP API over ``store``.

    ``projector`` (optional) is the one whose lag ``GET /health`` reports; the app never runs
    it (``make serve`` runs it in the background; a notebook steps it by hand).
    ``group_commit`` sends concurrent commands through one writer that commits a group at a
    time; False handles each request on its own (one commit each), for comparison.
    ``new_id`` makes account ids (and event ids); ``read_wait`` is the longest a read waits
    for read-your-own-writes; bodies over ``max_body_bytes`` get 413.
    """
    if not isinstance(store, SqlStore):
        raise InvalidArgument(
            f"create_app needs an event store with its read side (e.g. DuckDBEventStore), "
            f"got {type(store).__name__}"
        )
    if projector is not None and not isinstance(projector, Projector):
        raise InvalidArgument(f"projector must be a Projector, got {type(projector).__name__}")
    ids = require_callable("new_id", new_id or uuid.uuid4, returning="uuid.UUID")
    require_seconds("read_wait", read_wait, maximum=MAX_WAIT_SECONDS)
    require_int("max_body_bytes", max_body_bytes, minimum=1)
    bank = Bank(store, new_id=ids)
    committer = GroupCommitter(bank, max_group=max_group) if group_commit else None

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        if committer is not None:
            committer.close()

    app = FastAPI(title=TITLE, version=VERSION, description=DESCRIPTION, lifespan=lifespan)
    app.state.esbank = ApiContext(
        store, bank, Queries(store), projector, committer, ids, float(read_wait)
    )
    install(app)
    app.include_router(commands.router)
    app.include_router(reads.router)
    app.add_middleware(BodyLimit, max_bytes=max_body_bytes)
    app.add_middleware(LastResort)

    def document() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = openapi_document(app)
        return app.openapi_schema

    app.openapi = document  # type: ignore[method-assign]
    return app
