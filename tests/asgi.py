"""One HTTP request through an ASGI app or middleware, with no server and no network: for the
unit tests of the app's own middleware (headers, device key, <html lang>) and routes."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

Message = dict[str, Any]
ASGI = Callable[[dict, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]], Awaitable[None]]


def scope(client: str = "192.168.1.7", *, scheme: str = "http", method: str = "GET", path: str = "/",
          headers: dict[str, str] | None = None) -> dict:
    """A plain HTTP request's scope from ``client``."""
    return {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
            "scheme": scheme, "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
            "client": (client, 40000), "server": ("127.0.0.1", 8501),
            "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]}


def answering(headers: Sequence[tuple[bytes, bytes]] = (), body: bytes = b"ok") -> ASGI:
    """An app that answers every request with 200, ``headers`` and ``body``."""
    async def app(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": list(headers)})
        await send({"type": "http.response.body", "body": body})
    return app


def call(app: ASGI, request: dict, body: Sequence[Message] = ()) -> list[Message]:
    """Run ``request`` (a scope) through ``app`` and return the messages it sent; ``body`` are
    the request's messages (none: an empty body).  A loop of its own in a thread of its own:
    Playwright's sync API may hold this thread's loop (the browser tests share the process)."""
    incoming = list(body) or [{"type": "http.request", "body": b""}]
    sent: list[Message] = []

    async def receive() -> Message:
        return incoming.pop(0) if incoming else {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, app(request, receive, send)).result()
    return sent


def response_headers(sent: Sequence[Message]) -> dict[str, list[str]]:
    """The response's headers by lower-case name, each with all its values."""
    got: dict[str, list[str]] = {}
    start = next(m for m in sent if m["type"] == "http.response.start")
    for name, value in start["headers"]:
        got.setdefault(name.decode().lower(), []).append(value.decode())
    return got
