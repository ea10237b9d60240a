"""A transport that loses responses: the server did the work, the client never heard back.

``LostResponses(app, lose=1)`` hands every request to the app in this process, as
``httpx.ASGITransport`` does, but for the first ``lose`` requests it throws the response away
and raises ``httpx.ReadTimeout``, as a client sees a connection that dies after the request
was sent. The client cannot tell whether the command was stored; only a retry with the same
``Idempotency-Key`` is safe.
"""

from __future__ import annotations

from typing import Any

import httpx


class LostResponses(httpx.AsyncBaseTransport):
    """``httpx.ASGITransport`` that loses the first ``lose`` responses."""

    def __init__(self, app: Any, *, lose: int = 1) -> None:
        self.inner = httpx.ASGITransport(app=app)
        self.lose = lose
        self.lost: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if self.lose <= 0:
            return response
        self.lose -= 1
        await response.aread()
        self.lost.append(f"{request.method} {request.url.path} -> {response.status_code}")
        raise httpx.ReadTimeout("no response: the connection dropped", request=request)
