"""Security headers on every HTTP response of the app: a plain ASGI middleware that
``app.py`` hands to ``st.App`` (Streamlit runs it before its own middleware).

- ``Content-Security-Policy: frame-ancestors 'self'; object-src 'none'; base-uri 'self'``
  and ``X-Frame-Options: SAMEORIGIN``: no page of another origin can frame the app (the
  sign-in form included); the app's own component frames (the map) stay allowed.  There is
  no ``script-src``: Streamlit and the map frames need their inline scripts.
- ``Referrer-Policy: strict-origin-when-cross-origin``: a join code or a participant's
  token in the address never leaves with a request to another host (the map tiles get the
  origin only, which the OpenStreetMap tile policy asks for).
- ``X-Content-Type-Options: nosniff``.
- ``Strict-Transport-Security`` only over HTTPS: the app's own certificate (SSL_CERT; the
  request's scheme is then ``https``), or a TLS proxy named in ``TRUSTED_PROXIES`` (as for
  the sign-in slow-downs, :mod:`geo.source`) that says ``X-Forwarded-Proto: https``.  From
  anyone else that header means nothing.

A header a route already set (Streamlit's static files set ``nosniff``) is left as it is.
"""

from __future__ import annotations

import os

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from geo.source import Proxies, parse_proxies

CSP = "frame-ancestors 'self'; object-src 'none'; base-uri 'self'"
HSTS = "max-age=31536000"  # a year; not for subdomains: the municipality's other hosts are theirs
HEADERS: dict[str, str] = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "SAMEORIGIN",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Content-Type-Options": "nosniff",
}


class SecurityHeaders:
    """Adds :data:`HEADERS` (and HSTS over HTTPS) to every HTTP response; ``trusted``: the
    proxies whose ``X-Forwarded-Proto`` counts (default: ``TRUSTED_PROXIES``)."""

    def __init__(self, app: ASGIApp, trusted: Proxies | None = None) -> None:
        self.app = app
        self.trusted = parse_proxies(os.environ.get("TRUSTED_PROXIES", "")) if trusted is None else trusted

    def secure(self, scope: Scope) -> bool:
        """Whether the browser reached the app over HTTPS."""
        if scope.get("scheme") == "https":
            return True
        client = scope.get("client")
        if not (client and client[0] in self.trusted):
            return False
        proto = Headers(scope=scope).get("x-forwarded-proto", "")
        return proto.split(",")[0].strip().lower() == "https"  # first: what the browser reached

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        secure = self.secure(scope)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    if name not in headers:
                        headers[name] = value
                if secure and "Strict-Transport-Security" not in headers:
                    headers["Strict-Transport-Security"] = HSTS
            await send(message)

        await self.app(scope, receive, send_with_headers)
