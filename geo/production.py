"""Is this a production start, and is it safe to run?  No Streamlit: the command line
(``python -m geo preflight``, which ``scripts/run-app.sh`` runs before it starts the server)
and the app itself (``main.py``: only a page listing what to fix) ask the same questions.

**Production** is ``TRYGG_ENV=production`` (any value other than ``development`` or
``test`` counts as production), or, when ``TRYGG_ENV`` is not set, a ``DATABASE_URL``: a
database of its own is what a municipality sets up.  The embedded default (no
``DATABASE_URL``, no ``TRYGG_ENV``) is for trying the app out and for walks from a laptop,
with the demo data.  ``TRYGG_ENV=development`` (or ``test``, which the tests set) allows a
database of one's own with demo data.

A production start is refused (:func:`problems`, one :class:`geo.errors.Refused` per
problem, each naming what to do) when

- demo accounts (their passwords are in the README and on the sign-in page) or demo data
  (an open walk with a published join code) are in the database;
- the identity provider's ``[auth]`` section has no ``cookie_secret``, the example file's
  one, or one shorter than 32 characters or with hardly any different characters: whoever
  knows it can sign a cookie for any e-mail address;
- the app listens on an address other than this machine's own without TLS (no certificate,
  and no ``PUBLIC_URL`` over https from a TLS proxy in front).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from .errors import Refused
from .model import SYSTEM
from .store import Store

ROOT = Path(__file__).resolve().parent.parent
ENV = "TRYGG_ENV"
NOT_PRODUCTION = ("development", "test")
MIN_SECRET = 32
MIN_DISTINCT = 10  # a secret of 32 characters or more made of fewer different ones is not random
EXAMPLE_SECRETS = ROOT / ".streamlit" / "secrets.toml.example"
# The example's value as it has been published, whatever the example file says today.
KNOWN_EXAMPLES = frozenset({"a-long-random-string-at-least-32-characters"})
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
DEFAULT_ADDRESS = "127.0.0.1"  # scripts/run-app.sh's default: this machine only


def is_production(environ: Mapping[str, str] | None = None) -> bool:
    """True for ``TRYGG_ENV=production`` (or any value but development/test), or, with no
    ``TRYGG_ENV``, when a ``DATABASE_URL`` is set."""
    env = os.environ if environ is None else environ
    mode = (env.get(ENV) or "").strip().lower()
    if mode:
        return mode not in NOT_PRODUCTION
    return bool((env.get("DATABASE_URL") or "").strip())


def secrets_files(root: Path = ROOT, cwd: Path | None = None, home: Path | None = None) -> list[Path]:
    """Where Streamlit reads ``secrets.toml``, first to last (a later file's top-level
    sections replace an earlier one's): the user's, the working directory's, the app's."""
    found: list[Path] = []
    for folder in (home or Path.home(), cwd or Path.cwd(), root):
        path = (folder / ".streamlit" / "secrets.toml").resolve()
        if path not in found:
            found.append(path)
    return found


def read_auth(files: Iterable[Path] | None = None) -> dict[str, Any] | None:
    """The ``[auth]`` section Streamlit would use (None when there is none), read from
    ``files`` (default :func:`secrets_files`).  A file that is not TOML counts as none: with
    it Streamlit cannot sign anyone in through the identity provider either."""
    merged: dict[str, Any] = {}
    for path in secrets_files() if files is None else files:
        try:
            with path.open("rb") as fh:
                merged.update(tomllib.load(fh))
        except (OSError, tomllib.TOMLDecodeError):
            continue
    auth = merged.get("auth")
    return dict(auth) if isinstance(auth, Mapping) else None


@lru_cache(maxsize=1)
def example_secrets() -> frozenset[str]:
    """The ``cookie_secret`` values of the example file (and the ones it has had)."""
    values = set(KNOWN_EXAMPLES)
    auth = read_auth([EXAMPLE_SECRETS])
    if auth and isinstance(auth.get("cookie_secret"), str):
        values.add(auth["cookie_secret"])
    return frozenset(values)


def secret_problems(auth: Mapping[str, Any] | None) -> list[Refused]:
    """What is wrong with the identity provider's cookie secret; nothing without ``[auth]``
    (local accounts only)."""
    if auth is None:
        return []
    secret = auth.get("cookie_secret")
    if not isinstance(secret, str) or not secret.strip():
        return [Refused("production.secret_missing", min=MIN_SECRET)]
    if secret in example_secrets():
        return [Refused("production.secret_example", min=MIN_SECRET)]
    if len(secret) < MIN_SECRET:
        return [Refused("production.secret_short", length=len(secret), min=MIN_SECRET)]
    if len(set(secret)) < MIN_DISTINCT:
        return [Refused("production.secret_weak", distinct=len(set(secret)), min=MIN_SECRET)]
    return []


def demo_problems(store: Store) -> list[Refused]:
    """Demo accounts (known passwords) or demo data (an open walk with a known join code)."""
    accounts = sorted(u.username for u in store.users(SYSTEM) if u.is_demo)
    if accounts:
        return [Refused("production.demo_accounts", names=", ".join(accounts))]
    if store.has_demo():
        return [Refused("production.demo_data")]
    return []


def address_problems(address: str | None, *, tls: bool, public_url: str = "") -> list[Refused]:
    """Plain HTTP on an address other machines reach.  ``address`` None or empty is every
    interface (Streamlit's own default); a TLS proxy in front shows in ``public_url``."""
    address = (address or "0.0.0.0").strip()
    if address in LOOPBACK or address.startswith(("127.", "unix://")):
        return []
    if tls or public_url.strip().lower().startswith("https://"):
        return []
    return [Refused("production.plain_http", address=address)]


def problems(store: Store, *, auth: Mapping[str, Any] | None, address: str | None, tls: bool,
             public_url: str = "") -> list[Refused]:
    """Every reason not to start this production app (empty: start).  The caller decides
    whether it is a production start (:func:`is_production`)."""
    return [*demo_problems(store), *secret_problems(auth),
            *address_problems(address, tls=tls, public_url=public_url)]
