"""The app's own HTTP routes beside Streamlit's (``app.py`` hands them to ``st.App``).

``POST /api/walk/pins``: a pin the walk map's outbox kept while the tablet was offline
(:mod:`geo.outbox`), sent when the connection is back.  The participant's link token comes
as ``Authorization: Bearer …`` (no cookies: no other site can send it); the body is at most
:data:`geo.offline.MAX_BODY` bytes of JSON.  What is checked and saved, and the answers,
are :func:`geo.offline.receive_pin`'s; the store's blocking call runs in a worker thread.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from geo import i18n
from geo.offline import MAX_BODY, bearer, receive_pin
from geo.store import Store

PINS_PATH = "/api/walk/pins"
NO_STORE = {"Cache-Control": "no-store"}


async def _body(request: Request, limit: int) -> bytes | None:
    """The request's body, or None as soon as it is longer than ``limit`` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def pin_route(store: Callable[[], Store]) -> Route:
    """The route that receives the outbox's pins, saving into ``store()``."""

    async def post_pin(request: Request) -> Response:
        raw = await _body(request, MAX_BODY)
        if raw is None:
            return JSONResponse({"error": i18n.t("offline.too_big", None, kb=MAX_BODY // 1024)},
                                status_code=413, headers=NO_STORE)
        token = bearer(request.headers.get("authorization"))
        answer = await run_in_threadpool(lambda: receive_pin(store(), token, raw))
        headers = dict(NO_STORE)
        if answer.status == 401:
            headers["WWW-Authenticate"] = "Bearer"
        return JSONResponse(answer.body, status_code=answer.status, headers=headers)

    return Route(PINS_PATH, post_pin, methods=["POST"])


def _server_store() -> Store:
    """The server's one store (:func:`ui.common.get_store`), imported at the first request:
    imported before Streamlit's runtime exists, its caches would not be the runtime's."""
    from ui.common import get_store

    return get_store()


def routes() -> list[BaseRoute]:
    """The app's routes, on the server's one store."""
    return [pin_route(_server_store)]
