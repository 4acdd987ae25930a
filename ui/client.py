"""Where this session's connection comes from: the key sign-in and join slow-downs count on.

The rules are :func:`geo.source.source_address` (the peer; behind a proxy named in
``TRUSTED_PROXIES`` the right-most untrusted ``X-Forwarded-For`` entry); this module only
reads the connection (``st.context``) and the environment.
"""

from __future__ import annotations

import logging
import os
from functools import lru_cache

import streamlit as st

from geo import source

_log = logging.getLogger(__name__)


@lru_cache(maxsize=4)
def trusted_proxies(spec: str) -> source.Proxies:
    """``TRUSTED_PROXIES`` parsed; entries that are no address are named in the log once."""
    proxies = source.parse_proxies(spec)
    if proxies.rejected:
        _log.warning("TRUSTED_PROXIES: not an address or network, ignored: %s", ", ".join(proxies.rejected))
    return proxies


@lru_cache(maxsize=1)
def _warn_server_rewrites() -> None:
    _log.warning("FORWARDED_ALLOW_IPS is not empty: the server may put an X-Forwarded-For entry in the "
                 "client's place, so every sign-in or join try that carries one is slowed down on one "
                 "shared key. Start the app with FORWARDED_ALLOW_IPS= (scripts/run-app.sh does) and name "
                 "the proxies in TRUSTED_PROXIES.")


def source_address() -> str:
    """The source address of this session's connection, as a slow-down key (``local`` for a
    browser on the server itself; the same for every session of one address)."""
    forwarded_for = st.context.headers.get_all("X-Forwarded-For")
    rewrites = source.server_rewrites(os.environ)
    if forwarded_for and rewrites:
        _warn_server_rewrites()
    peer = st.context.ip_address  # None on the same machine (and not a str under AppTest)
    return source.source_address(peer if isinstance(peer, str) and peer else None, forwarded_for,
                                 trusted=trusted_proxies(os.environ.get("TRUSTED_PROXIES", "")),
                                 server_rewrites=rewrites)
