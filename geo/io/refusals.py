"""What an import or an export refuses: one problem, where it is (row or feature, field, value)."""

from __future__ import annotations

import json
import math
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, TypedDict

from ..errors import Quote, Refused, quoted
from ..i18n import t

_MISSING = object()
_DEPTH, _ITEMS = 2, 4  # how deep and how many items of a list or an object a message shows


class Where(TypedDict):
    """The row (CSV line, header = 1) or 1-based feature a problem is in: ``**where``."""
    row: int
    kind: str  # "row" or "feature"


def show(value: object, limit: int = 60) -> str:
    """``value`` as a message shows it, the way the person wrote or reads it, never as
    Python spells it: text in quotes (``'xxx'``, special characters escaped), a date and
    time as ``2019-10-15 19:30:00`` (a spreadsheet's date cell, a pandas ``Timestamp``), a
    number as written, ``null``/``true``/``false`` and lists and objects as in JSON; at most
    about ``limit`` characters."""
    try:
        text = repr(str(value)[: limit + 1]) if isinstance(value, str) else _readable(value, 0)
    except Exception:  # noqa: BLE001 - a message must never fail because of the value
        text = "?"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _readable(value: object, depth: int) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(int(value)) if abs(value) < 10**40 else f"{str(int(value))[:20]}…"
    if isinstance(value, float):  # numpy's float64 too
        if math.isnan(value):
            return "NaN"
        return repr(float(value)) if math.isfinite(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):  # pandas' Timestamp too
        shown = value.isoformat(sep=" ")
        return shown.replace(".000000", "") if "." in shown else shown
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, str):
        return json.dumps(str(value)[:60], ensure_ascii=False)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return f"0x{bytes(value[:16]).hex()}" + ("…" if len(value) > 16 else "")
    if isinstance(value, dict):
        if depth >= _DEPTH:
            return "{…}"
        items = [f"{_readable(str(k), depth + 1)}: {_readable(v, depth + 1)}"
                 for k, v in list(value.items())[:_ITEMS]]
        return "{" + ", ".join(items + (["…"] if len(value) > _ITEMS else [])) + "}"
    if isinstance(value, (list, tuple)):
        if depth >= _DEPTH:
            return "[…]"
        items = [_readable(v, depth + 1) for v in value[:_ITEMS]]
        return "[" + ", ".join(items + (["…"] if len(value) > _ITEMS else [])) + "]"
    if hasattr(value, "item"):  # a numpy or pandas scalar
        plain = value.item()
        if plain is not value:
            return _readable(plain, depth)
    text = str(value)[:60]
    return "?" if text.startswith("<") else text  # no "<object … at 0x…>"


class _Refusal(Refused):
    """Shared by :class:`ImportRefused` and :class:`ExportRefused`: one problem, where it is."""

    row: int | None
    field: str | None
    value: object
    has_value: bool
    kind: str | None
    file: str | None

    def __init__(self, key: str, *, row: int | None = None, field: str | None = None,
                 value: object = _MISSING, kind: str | None = None, file: str | None = None,
                 **values: Any) -> None:
        super().__init__(key, **values)
        self.row, self.field, self.kind, self.file = row, field, kind, file
        self.has_value = value is not _MISSING
        self.value = value if self.has_value else None

    def reasons(self, lang: str | None = None, quote: Quote | None = None) -> list[str]:
        return [self.message(lang, quote)]

    def message(self, lang: str | None = None, quote: Quote | None = None) -> str:
        """The whole problem in words, e.g. "Rad 4, fältet 'feeling': värdet 7 – ska vara …";
        ``quote`` is applied to what came from the file (its name, a column, a value)."""
        q: Quote = quote or str
        head = []
        if self.row is not None:
            head.append(t("io.feature" if self.kind == "feature" else "io.row", lang, row=self.row))
        elif self.file is not None:
            head.append(t("io.file", lang, file=q(show(self.file))))
        if self.field is not None:
            head.append(t("io.field", lang, field=q(self.field)))
        text = ", ".join(head)
        if self.has_value:
            value = t("io.value", lang, value=q(show(self.value)))
            text = f"{text}: {value}" if text else value
        reason = t(self.key, lang, **quoted(self.values, quote))
        text = f"{text} – {reason}" if text else reason
        return text[:1].upper() + text[1:]

    def __str__(self) -> str:
        try:
            return self.message()
        except Exception:  # noqa: BLE001 - str() of an error must not raise
            return f"{self.key} row={self.row} field={self.field}"


class ImportRefused(_Refusal):
    """A file was refused: one problem, naming the row (CSV line, header = 1; ``kind ==
    "row"``) or the feature (1-based; ``kind == "feature"``), the field and the value.
    ``key`` is a string-catalogue key and ``values`` its template fields; ``file`` names the
    file when the problem is the file as a whole (then ``row`` is None)."""


class ExportRefused(_Refusal):
    """An export could not be made (unknown district or walk, unknown format, no folder)."""
