"""The device key: a long-lived random cookie that says "this browser on this device", so that
a participant who leaves and joins the same walk again from the same tablet is the same
participant, with their own pins (:meth:`geo.store.walks.WalksMixin.join_from_device`).

- :class:`DeviceKey`, a plain ASGI middleware that ``app.py`` hands to ``st.App``: an HTML
  response (the page itself) to a request without a valid key sets one —
  ``trygg_device``, 32 random bytes (URL-safe base64), ``HttpOnly`` (no script of the page
  can read it), ``SameSite=Lax``, ``Path=/``, a year's ``Max-Age``, and ``Secure`` when the
  browser reached the app over HTTPS, decided exactly as for HSTS (:mod:`ui.headers`).
- :func:`device_key`, what the page script reads: the cookie as the browser sent it with the
  WebSocket that carries the session (``st.context.cookies``), or None (no cookie, a value
  that is no key of ours, or an AppTest, which has no cookies: simply "no device").

The key signs no one in: joining still takes the walk's code, with its slow-down; only the
SHA-256 of the key is stored (``participant.device_hash``).
"""

from __future__ import annotations

import re
import secrets
from http.cookies import SimpleCookie

import streamlit as st
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from geo.source import Proxies
from ui.headers import SecurityHeaders

COOKIE = "trygg_device"
KEY_BYTES = 32
MAX_AGE = 365 * 24 * 60 * 60  # a year, in seconds
# What token_urlsafe(32) gives: 43 characters of the URL-safe alphabet, no padding.
KEY_PATTERN = re.compile(r"[A-Za-z0-9_-]{43}")


def valid_key(value: object) -> str | None:
    """``value`` if it is a device key as :class:`DeviceKey` makes them, else None."""
    return value if isinstance(value, str) and KEY_PATTERN.fullmatch(value) else None


def new_key() -> str:
    return secrets.token_urlsafe(KEY_BYTES)


def set_cookie_header(key: str, *, secure: bool) -> str:
    """The ``Set-Cookie`` value that gives the browser ``key``."""
    return (f"{COOKIE}={key}; Max-Age={MAX_AGE}; Path=/; HttpOnly; SameSite=Lax"
            + ("; Secure" if secure else ""))


def request_key(headers: Headers) -> str | None:
    """The valid device key among the request's cookies, or None."""
    jar: SimpleCookie = SimpleCookie()
    for raw in headers.getlist("cookie"):
        try:
            jar.load(raw)
        except Exception:  # noqa: BLE001 - a malformed Cookie header: as if it had no key
            continue
    morsel = jar.get(COOKIE)
    return valid_key(morsel.value) if morsel is not None else None


class DeviceKey:
    """Gives every browser that loads a page without a valid device key a new one (see the
    module docstring); ``trusted``: the proxies whose ``X-Forwarded-Proto`` counts (default:
    ``TRUSTED_PROXIES``, as for :class:`ui.headers.SecurityHeaders`)."""

    def __init__(self, app: ASGIApp, trusted: Proxies | None = None) -> None:
        self.app = app
        self._https = SecurityHeaders(app, trusted)  # HTTPS is decided as for HSTS

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or request_key(Headers(scope=scope)) is not None:
            await self.app(scope, receive, send)
            return
        secure = self._https.secure(scope)

        async def send_with_key(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if headers.get("content-type", "").lower().startswith("text/html"):
                    headers.append("Set-Cookie", set_cookie_header(new_key(), secure=secure))
            await send(message)

        await self.app(scope, receive, send_with_key)


def device_key() -> str | None:
    """This browser's device key, as its WebSocket brought it, or None (see the module)."""
    return valid_key(st.context.cookies.get(COOKIE))
