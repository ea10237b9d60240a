"""Reading a request body strictly: JSON only, one object, each key once, and not too large.

Python's ``json`` module is lenient where a bank must not be: it keeps the last of two equal
keys (``{"amount": 1, "amount": 1000}``) and reads ``NaN`` and ``Infinity``. The route class
here parses bodies with both refused, and answers 415 for a body sent as anything but JSON.
:class:`BodyLimit` refuses a body beyond a size, before the application reads it all.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from esbank.api.problems import detail, problem

MAX_BODY_BYTES = 16 * 1024
"""The largest body the API reads: a command is a few hundred bytes."""


def strict_loads(raw: bytes) -> Any:
    """Parse ``raw`` as JSON, refusing what ``json.loads`` lets through: a key given twice,
    ``NaN``/``Infinity``, text that is not UTF-8, numbers too long to read.

    Raises ``json.JSONDecodeError`` with a message that names the problem.
    """
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise json.JSONDecodeError("the body is not UTF-8 text", "", exc.start) from None

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for key, value in items:
            if key in found:
                raise json.JSONDecodeError(f"the key {json.dumps(key)} appears twice", text, 0)
            found[key] = value
        return found

    def constant(name: str) -> Any:
        raise json.JSONDecodeError(f"{name} is not a JSON number", text, 0)

    try:
        return json.loads(text, object_pairs_hook=pairs, parse_constant=constant)
    except json.JSONDecodeError:
        raise
    except (ValueError, RecursionError):  # an integer of thousands of digits, deep nesting
        raise json.JSONDecodeError("a value is too long or too deeply nested", text, 0) from None


def is_json(content_type: str | None) -> bool:
    """Whether a Content-Type header names JSON (``application/json`` or ``…+json``)."""
    if not content_type:
        return False
    kind = content_type.split(";", 1)[0].strip().lower()
    return kind == "application/json" or (
        kind.startswith("application/") and kind.endswith("+json")
    )


class StrictJsonRequest(Request):
    """A request whose ``json()`` is :func:`strict_loads`."""

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = strict_loads(await self.body())
        return self._json


class StrictJsonRoute(APIRoute):
    """A route that reads its body with :class:`StrictJsonRequest` and refuses a non-JSON
    body with 415 (FastAPI alone would hand the raw bytes to validation)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def strict(request: Request) -> Response:
            strict_request = StrictJsonRequest(request.scope, request.receive)
            sent_as = request.headers.get("content-type")
            if request.method == "POST" and not is_json(sent_as) and await strict_request.body():
                raise HTTPException(415)
            return await handler(strict_request)

        return strict


class BodyTooLarge(HTTPException):
    """Raised while a body streams in, once it passes the limit."""

    def __init__(self) -> None:
        super().__init__(413)


class BodyLimit:
    """ASGI middleware: a body over ``max_bytes`` gets 413, by its Content-Length or, when
    it streams in without one, as soon as it passes the limit."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            facts = f"the body is {int(declared)} bytes, the limit is {self.max_bytes}"
            response = problem("body-too-large", detail("body-too-large", facts))
            await response(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge()
            return message

        await self.app(scope, counted, send)
