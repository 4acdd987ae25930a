"""The one catalogue of user-facing strings: ``data/strings.toml``.

Every key has a Swedish (``sv``, the default) and an English (``en``) text.  Texts are
``str.format`` templates.  The pages, the command line and the error messages of ``geo/`` all
go through :func:`t`; a missing key or language fails loudly in the tests, not silently in a
meeting.
"""

from __future__ import annotations

import os
import tomllib
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

LANGUAGES = ("sv", "en")
DEFAULT_LANGUAGE = "sv"
EMPTY = "–"  # what a person sees where nothing is set: never "None" or a raw id
CATALOGUE = Path(__file__).resolve().parent.parent / "data" / "strings.toml"


@lru_cache(maxsize=1)
def strings() -> dict[str, dict[str, str]]:
    """Flatten the TOML tables into ``{"a.b.c": {"sv": …, "en": …}}``."""
    flat: dict[str, dict[str, str]] = {}

    def walk(prefix: str, table: dict[str, Any]) -> None:
        if "sv" in table and isinstance(table["sv"], str):
            flat[prefix] = {k: v for k, v in table.items() if isinstance(v, str)}
        for key, value in table.items():
            if isinstance(value, dict):
                walk(f"{prefix}.{key}" if prefix else key, value)

    with CATALOGUE.open("rb") as fh:
        walk("", tomllib.load(fh))
    return flat


def default_language() -> str:
    lang = os.environ.get("TRYGG_LANG", DEFAULT_LANGUAGE)
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def t(key: str, lang: str | None = None, /, **values: object) -> str:
    """The text for ``key`` in ``lang``, formatted with ``values``."""
    entry = strings().get(key)
    if entry is None:
        raise KeyError(f"no string {key!r} in {CATALOGUE.name}")
    text = entry.get(lang or default_language()) or entry[DEFAULT_LANGUAGE]
    return text.format(**values) if values else text


def has(key: str) -> bool:
    return key in strings()


STOCKHOLM = ZoneInfo("Europe/Stockholm")


def local_today() -> date:
    """Today's date in Sweden (after 23:00 UTC in winter it is already tomorrow there): what
    every "today" a person sees or chooses means, whatever the server's own time zone."""
    return datetime.now(STOCKHOLM).date()


def local_date(value: datetime) -> date:
    """A stored (UTC) time's Swedish date."""
    return value.astimezone(STOCKHOLM).date()


def local_time(value: datetime, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored (UTC) time as Swedish local time, the way every page and export shows it."""
    return value.astimezone(STOCKHOLM).strftime(fmt)
