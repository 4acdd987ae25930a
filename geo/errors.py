"""One shape for every refusal the domain raises.

A :class:`Refused` carries a string-catalogue ``key`` and the ``values`` that fill it, and,
when the refusal is about the fields of a form or a file row, ``errors``: field name →
catalogue key.  It knows how to say itself in either language (:meth:`Refused.message`), so
the command line, the pages and the reports never assemble a refusal by hand and never show
a raw field name: a field is named by the catalogue's ``field.<name>`` text.

The store's, the importer's, the photo cleaner's, the sign-in's and the role check's
refusals all derive from it; ``ui/feedback.py`` is the one place that shows them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from geo.i18n import has, t

# How a page shows a value a person typed inside a refusal (e.g. escaped for Markdown).
Quote = Callable[[str], str]


def quoted(values: Mapping[str, Any], quote: Quote | None) -> dict[str, Any]:
    """``values`` with every text passed through ``quote`` (as they are when None)."""
    return {k: quote(v) if quote and isinstance(v, str) else v for k, v in values.items()}


def field_label(name: str, lang: str | None = None) -> str | None:
    """The catalogue's name for a form or file field, or None when it has none."""
    key = f"field.{name}"
    return t(key, lang) if has(key) else None


class Refused(Exception):
    """A refused request: nothing was written.

    ``key`` names the whole refusal, ``values`` fill its text and the field reasons;
    ``errors`` maps a field name to the catalogue key of what is wrong with it.
    """

    key: str
    values: dict[str, Any]
    errors: dict[str, str]

    def __init__(self, key: str, /, errors: Mapping[str, str] | None = None, **values: Any) -> None:
        super().__init__(key, values)
        self.key = key
        self.values = values
        self.errors = dict(errors or {})

    def reasons(self, lang: str | None = None, quote: Quote | None = None) -> list[str]:
        """One line per problem: "Field: reason" for field errors, else the refusal's text;
        ``quote`` is applied to every text value (what a person typed) first."""
        values = quoted(self.values, quote)
        if not self.errors:
            return [t(self.key, lang, **values)]
        lines = []
        for name, key in self.errors.items():
            reason = t(key, lang, **values)
            label = field_label(name, lang)
            lines.append(f"{label}: {reason}" if label else reason)
        return lines

    def message(self, lang: str | None = None, quote: Quote | None = None) -> str:
        """The whole refusal in words, in ``lang`` (the default language when None)."""
        return "; ".join(self.reasons(lang, quote))

    def __str__(self) -> str:
        try:
            return self.message()
        except Exception:  # noqa: BLE001 - str() of an error must not raise
            return f"{self.key} {self.errors or self.values}"
