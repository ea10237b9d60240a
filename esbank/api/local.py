"""A synchronous client for an app in this process: httpx over ASGI, no port, no server.

The requests run on an event loop of their own, in a background thread, so the client works
from plain code, from tests and from a widget's callback (which runs while Jupyter's own loop
is busy). Many threads may use one client at once; their requests then run concurrently.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

import httpx

T = TypeVar("T")

BASE_URL = "http://esbank.local"
TIMEOUT_S = 60.0


class LocalClient:
    """``get``/``post``/``request`` like ``httpx.Client``, straight into an ASGI ``app``."""

    def __init__(self, app: Any, *, base_url: str = BASE_URL) -> None:
        self.app = app
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="esbank-local-client", daemon=True
        )
        self._thread.start()
        self.client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=base_url, timeout=TIMEOUT_S
        )

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run ``coroutine`` on the client's loop and return its result."""
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(TIMEOUT_S)

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """One request (``kwargs`` as for ``httpx.AsyncClient.request``)."""
        return self.run(self.client.request(method, url, **kwargs))

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def close(self) -> None:
        """Close the httpx client and stop the loop."""
        if self._loop.is_closed():
            return
        self.run(self.client.aclose())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(TIMEOUT_S)
        self._loop.close()

    def __enter__(self) -> LocalClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
