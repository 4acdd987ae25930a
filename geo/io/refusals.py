"""What an import or an export refuses: one problem, where it is (row or feature, field, value)."""

from __future__ import annotations

import reprlib
from typing import Any, TypedDict

from ..errors import Quote, Refused, quoted
from ..i18n import t

_MISSING = object()

_repr = reprlib.Repr()
_repr.maxlevel, _repr.maxdict, _repr.maxlist, _repr.maxtuple = 2, 4, 4, 4
_repr.maxstring, _repr.maxother, _repr.maxlong = 60, 60, 40


class Where(TypedDict):
    """The row (CSV line, header = 1) or 1-based feature a problem is in: ``**where``."""
    row: int
    kind: str  # "row" or "feature"


def show(value: object, limit: int = 60) -> str:
    """``value`` as a message shows it: repr-like quoting, at most about ``limit`` characters."""
    try:
        text = repr(value[: limit + 1]) if isinstance(value, str) else _repr.repr(value)
    except Exception:  # noqa: BLE001 - a message must never fail because of the value
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 1] + "…"


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
