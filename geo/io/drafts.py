"""One row or feature of a file to one :class:`~geo.model.ObservationDraft`, or a refusal.

The rules for the values themselves are :func:`geo.workflow.validate_observation`, the same
as for the pin form; this module only turns file cells into draft fields and the first of
its problems into an :class:`~geo.io.refusals.ImportRefused` naming the row and the field.
"""

from __future__ import annotations

import uuid as uuidlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..model import DESCRIPTION_MAX, ObservationDraft, ObservationStatus
from ..workflow import CONTROL_CHARS, validate_observation
from .formats import DECIMAL, INTEGER, LOCAL_TZ
from .refusals import ImportRefused, Where

# In which order the fields of one row are judged ("the first problem").
ORDER = ("location", "uuid", "category", "description", "observed_at", "feeling", "walk",
         "activity", "status", "status_reason")


@dataclass(frozen=True)
class Place:
    """Where a draft came from, for messages."""
    kind: str  # "row" (CSV) or "feature"
    number: int
    location_field: str  # "lat/lon" or "geometry"
    location_value: object

    @property
    def where(self) -> Where:
        return {"row": self.number, "kind": self.kind}


def draft_of(place: Place, props: Mapping[str, object], lon: float | None, lat: float | None,
             categories: set[str], activities: set[str], walks: Mapping[str, int]) -> ObservationDraft:
    """The draft one row or feature describes; :class:`ImportRefused` on its first problem."""
    where = place.where

    def text(name: str, *, strip: bool = True) -> str:
        value = props.get(name)
        if value is None:
            return ""
        if not isinstance(value, str):
            raise ImportRefused("io.not_text", field=name, value=value, **where)
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ImportRefused("io.bad_text", field=name, value=value, **where) from None
        if CONTROL_CHARS.search(value):  # the same characters the forms refuse
            raise ImportRefused("io.bad_text", field=name, value=value, **where)
        return value.strip() if strip else value

    raw_uuid = text("uuid")
    uid = None
    if raw_uuid:
        try:
            uid = str(uuidlib.UUID(raw_uuid))
        except ValueError:
            raise ImportRefused("io.bad_uuid", field="uuid", value=raw_uuid, **where) from None
    category = text("category")
    description = text("description", strip=False)
    if len(description) > DESCRIPTION_MAX:  # said with the numbers; the rule is validate_observation's
        raise ImportRefused("io.too_long", field="description", value=description,
                            length=len(description), max=DESCRIPTION_MAX, **where)
    observed_at = _time(props.get("observed_at"), where)
    feeling = _feeling(props.get("feeling"))
    slug = text("walk")
    walk_id = None
    if slug:
        walk_id = walks.get(slug)
        if walk_id is None:
            raise ImportRefused("validation.unknown_walk", field="walk", value=slug, **where)
    activity = text("activity") or None
    status = text("status") or ObservationStatus.NEW.value
    reason = text("status_reason", strip=False)

    # lon/lat None and a feeling that is no int reach validate_observation, which names them
    draft = ObservationDraft(
        category=category, lon=lon, lat=lat, feeling=feeling,  # type: ignore[arg-type]
        description=description, observed_at=observed_at, walk_id=walk_id, activity_id=activity,
        status=status, status_reason=reason, uuid=uid)
    errors = validate_observation(draft, categories, activities)
    if errors:
        raise refusal(errors, draft, place, props)
    return draft


def _time(value: object, where: Where) -> datetime | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ImportRefused("validation.required", field="observed_at", value=value or "", **where)
    if (serial := _spreadsheet_serial(value)) is not None:
        raise ImportRefused("io.spreadsheet_date", field="observed_at", value=value,
                            means=serial.strftime("%Y-%m-%d %H:%M"), example=_with_offset(serial), **where)
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ImportRefused("io.bad_time", field="observed_at", value=value, **where) from None
    else:
        raise ImportRefused("io.bad_time", field="observed_at", value=value, **where)
    if not 1900 <= parsed.year <= 2100:  # also keeps UTC/Stockholm conversions in range
        raise ImportRefused("io.bad_time", field="observed_at", value=value, **where)
    if parsed.tzinfo is not None and parsed.utcoffset() is None:
        parsed = parsed.replace(tzinfo=None)  # validate_observation calls it naive
    return parsed


# A spreadsheet's date cell saved as its number: days since 1899-12-30 (Excel's and
# LibreOffice's 1900 date system), e.g. 43753.8125 = 2019-10-15 19:30.  Only the numbers of
# 1954–2119 are taken for one; others stay "not a point in time".
_SERIAL_EPOCH = datetime(1899, 12, 30)
_SERIAL_RANGE = (20_000, 80_000)


def _spreadsheet_serial(value: object) -> datetime | None:
    """The local date and time a spreadsheet's date number means, or None."""
    number: float | None = None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str) and DECIMAL.fullmatch(value.strip()):
        number = float(value.strip())
    if number is None or not _SERIAL_RANGE[0] <= number <= _SERIAL_RANGE[1]:
        return None
    return _SERIAL_EPOCH + timedelta(minutes=round(number * 24 * 60))


def _with_offset(local: datetime) -> str:
    """``local`` (Swedish local time) as the ISO 8601 an import takes."""
    return local.replace(tzinfo=LOCAL_TZ).isoformat(timespec="seconds")


def _feeling(value: object) -> object:
    """Whole numbers in any spelling become ints; anything else is left for
    :func:`validate_observation` to refuse (3.5, "high", None, lists …)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        s = value.strip()
        if INTEGER.fullmatch(s):
            return int(s)
        if DECIMAL.fullmatch(s):
            f = float(s)
            return int(f) if f.is_integer() else f
    return value


def refusal(errors: Mapping[str, str], draft: ObservationDraft, place: Place,
            props: Mapping[str, object] | None = None) -> ImportRefused:
    """The first of ``validate_observation``'s (or the store's) errors, as a refusal."""
    field = next((f for f in ORDER if f in errors), next(iter(errors)))
    key = errors[field]
    where = place.where
    if field == "location":
        return ImportRefused(key, field=place.location_field, value=place.location_value, **where)
    if field == "status" and key == "workflow.reason_required":
        return ImportRefused("io.reason_required", field="status_reason",
                             value=draft.status_reason, status=draft.status, **where)
    if field == "feeling" and props is not None and not isinstance(draft.feeling, int):
        if props.get("feeling") is None:  # missing: there is no value to show
            return ImportRefused(key, field="feeling", **where)
        return ImportRefused(key, field="feeling", value=props.get("feeling"), **where)
    if field == "observed_at" and key == "validation.naive_time" and isinstance(draft.observed_at, datetime):
        return ImportRefused("io.naive_time", field=field, value=draft.observed_at,
                             example=_with_offset(draft.observed_at), **where)
    attr = {"activity": "activity_id", "walk": "walk_id"}.get(field, field)
    value = getattr(draft, attr, None)
    if field == "walk":
        value = props.get("walk") if props else value
    return ImportRefused(key, field=field, value=value, **where)


def from_store(exc: Exception, drafts: Sequence[ObservationDraft], places: Sequence[Place],
               file: str | None = None) -> ImportRefused:
    """A store ``Invalid(errors, index=i)`` as a refusal naming the row or feature."""
    index = getattr(exc, "values", {}).get("index")
    errors = getattr(exc, "errors", None) or {}
    if errors and isinstance(index, int) and 0 <= index < len(drafts):
        return refusal(errors, drafts[index], places[index])
    return ImportRefused("store.invalid", file=file)
