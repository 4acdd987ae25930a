"""Allowed status changes of observations and measures, as pure functions.

Nothing here saves: :func:`check_observation_change` and :func:`check_measure_change` answer
whether a change is allowed and return ``{field: message key}``; the store makes the change
and writes its history entry in one transaction (FixMyStreet's ``Problem.pm`` habit).
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Iterable
from datetime import date, datetime
from typing import Any

from .crs import in_sweden
from .model import (
    COMMENT_MAX,
    DESCRIPTION_MAX,
    FEELING_MAX,
    FEELING_MIN,
    GROUP_MAX,
    NAME_MAX,
    RESPONSIBLE_NAME_MAX,
    TITLE_MAX,
    MeasureDraft,
    ObservationDraft,
    Responsible,
)
from .model import REASON_REQUIRED as REASON_REQUIRED  # re-exported: the forms and the store ask here
from .model import MeasureStatus as M
from .model import ObservationStatus as O

OPEN_OBSERVATION = frozenset({O.NEW, O.ASSESSED, O.MEASURE_PLANNED, O.IN_PROGRESS})
DONE_OBSERVATION = frozenset({O.RESOLVED, O.VERIFIED})

# What moves an observation along an edge: a planner triaging after the walk, a measure that
# answers it (the store follows the measure in the same transaction), or the follow-up meeting.
TRIAGE, MEASURE, FOLLOW_UP = "triage", "measure", "follow_up"
PEOPLE = frozenset({TRIAGE, FOLLOW_UP})  # what the interface may do by hand

# The one state machine of an observation: each allowed edge with what may take it.
OBSERVATION_STEPS: dict[tuple[str, str], frozenset[str]] = {
    (O.NEW, O.ASSESSED): frozenset({TRIAGE}),
    (O.NEW, O.CLOSED): frozenset({TRIAGE}),
    (O.ASSESSED, O.CLOSED): frozenset({TRIAGE}),
    (O.CLOSED, O.ASSESSED): frozenset({TRIAGE}),  # reopened, with a reason
    (O.NEW, O.MEASURE_PLANNED): frozenset({MEASURE}),  # linked to a measure
    (O.ASSESSED, O.MEASURE_PLANNED): frozenset({MEASURE}),
    (O.MEASURE_PLANNED, O.IN_PROGRESS): frozenset({MEASURE}),  # the measure is started
    (O.MEASURE_PLANNED, O.RESOLVED): frozenset({MEASURE}),  # ... or done at once
    (O.MEASURE_PLANNED, O.ASSESSED): frozenset({MEASURE}),  # cancelled or unlinked
    (O.IN_PROGRESS, O.RESOLVED): frozenset({MEASURE}),
    (O.IN_PROGRESS, O.MEASURE_PLANNED): frozenset({MEASURE}),  # only a planned one is left
    (O.IN_PROGRESS, O.ASSESSED): frozenset({MEASURE}),
    (O.RESOLVED, O.IN_PROGRESS): frozenset({MEASURE}),  # the measure is taken up again
    (O.RESOLVED, O.MEASURE_PLANNED): frozenset({MEASURE}),  # a further measure is linked
    (O.RESOLVED, O.VERIFIED): frozenset({FOLLOW_UP}),  # seen on site at the follow-up
    (O.RESOLVED, O.ASSESSED): frozenset({FOLLOW_UP, MEASURE}),  # reopened (reason) / unlinked
    (O.VERIFIED, O.ASSESSED): frozenset({FOLLOW_UP}),  # reopened, with a reason
}

OBSERVATION_TRANSITIONS: dict[str, frozenset[str]] = {
    s.value: frozenset(b for (a, b) in OBSERVATION_STEPS if a == s) for s in O}

MEASURE_TRANSITIONS: dict[str, frozenset[str]] = {
    M.PROPOSED: frozenset({M.DECIDED, M.CANCELLED}),
    M.DECIDED: frozenset({M.IN_PROGRESS, M.DONE, M.CANCELLED}),
    M.IN_PROGRESS: frozenset({M.DONE, M.CANCELLED}),
    M.DONE: frozenset({M.VERIFIED, M.IN_PROGRESS}),
    M.VERIFIED: frozenset({M.IN_PROGRESS}),
    M.CANCELLED: frozenset({M.PROPOSED}),
}

# Why an observation is closed without a measure (stored as the code; the catalogue has the
# words, ``close_reason.<code>``).  "other" needs a comment that says what.
CLOSE_REASONS = ("duplicate", "not_physical", "felanmalan", "other_owner", "other")

# Control characters a text may not hold (tab and line breaks are fine); the importers refuse
# the same, so that whatever the forms store can be exported and imported back.
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Bidirectional formatting characters (embeddings and overrides U+202A–U+202E, isolates
# U+2066–U+2069, the marks U+200E/U+200F and the Arabic letter mark U+061C): invisible, they
# make a name display reversed ("Ali\u202eecn" shows as "Alince") or change how the text
# around it reads.  No name needs them, so they are removed from every person's name, group
# and label on the way in (:func:`clean_name`).
BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c]")
INT_MAX = 2**31 - 1  # an INTEGER column on PostgreSQL

# Leaving these states is a reopening and needs a reason; so is sending a resolved spot back
# to assessed at the follow-up (it turned out not to be resolved).
_REOPEN_FROM = {O.CLOSED, O.VERIFIED, M.CANCELLED, M.VERIFIED}
_REOPENING = {(O.RESOLVED, O.ASSESSED)}


def _check(table: dict[str, frozenset[str]], current: str, new: str, comment: str,
           reason_needed: bool = True) -> dict[str, str]:
    if not isinstance(new, str) or new not in table:
        return {"status": "workflow.unknown_status"}
    if problem := text_problem(comment, COMMENT_MAX):
        return {"comment": problem}
    if new == current:
        return {"status": "workflow.unchanged"}
    if new not in table.get(current, frozenset()):
        return {"status": "workflow.not_allowed"}
    reopening = current in _REOPEN_FROM or (current, new) in _REOPENING
    if reason_needed and (new in REASON_REQUIRED or reopening) and not comment.strip():
        return {"comment": "workflow.reason_required"}
    return {}


def check_observation_change(current: str, new: str, comment: str = "",
                             by: frozenset[str] | str = PEOPLE) -> dict[str, str]:
    """Problems with moving an observation from ``current`` to ``new``; empty when allowed.

    ``by`` is what makes the change (:data:`PEOPLE` by default: triage or the follow-up
    meeting).  An edge that only a measure takes is refused to people with
    ``workflow.follows_measure``: link the observation to a measure instead.  A change made
    by a measure needs no reason (its history names the measure)."""
    by = frozenset({by}) if isinstance(by, str) else by
    if errors := _check(OBSERVATION_TRANSITIONS, current, new, comment, reason_needed=by != {MEASURE}):
        return errors
    if not OBSERVATION_STEPS[(current, new)] & by:
        return {"status": "workflow.follows_measure" if MEASURE in OBSERVATION_STEPS[(current, new)]
                else "workflow.not_allowed"}
    return {}


def check_measure_change(current: str, new: str, comment: str = "") -> dict[str, str]:
    """Problems with moving a measure from ``current`` to ``new``; empty when allowed."""
    return _check(MEASURE_TRANSITIONS, current, new, comment)


def next_statuses(current: str, by: frozenset[str] | str = PEOPLE) -> list[str]:
    """The statuses an observation may move to from ``current`` by ``by``, in the order of
    :class:`~geo.model.ObservationStatus` (what a form offers)."""
    by = frozenset({by}) if isinstance(by, str) else by
    return [s.value for s in O if (current, s.value) in OBSERVATION_STEPS
            and OBSERVATION_STEPS[(current, s.value)] & by]


def follow_measures(current: str, measure_statuses: Iterable[str]) -> str:
    """The status an observation takes from the measures that answer it, after one of them
    was linked, unlinked or changed its status.

    A measure in progress makes it *in progress*; otherwise a proposed or decided one makes
    it *measure planned*; when every measure still standing is done (or verified) it is
    *resolved*; when none stands (all cancelled or unlinked) a planned or started spot goes
    back to *assessed*.  Verified and closed spots are the decisions of people and stay as
    they are (reopen them first)."""
    if current in (O.VERIFIED, O.CLOSED):
        return current
    standing = {str(s) for s in measure_statuses} - {M.CANCELLED}
    if M.IN_PROGRESS in standing:
        return O.IN_PROGRESS
    if standing & {M.PROPOSED, M.DECIDED}:
        return O.MEASURE_PLANNED
    if standing:
        return O.RESOLVED
    return O.ASSESSED if current in (O.MEASURE_PLANNED, O.IN_PROGRESS, O.RESOLVED) else current


def measure_steps(current: str, target: str) -> list[str]:
    """The statuses an observation passes from ``current`` to ``target`` (``target``
    included, ``current`` not) along the edges a measure takes; each gets its history entry."""
    chain = path({a: frozenset(b for (x, b), by in OBSERVATION_STEPS.items() if x == a and MEASURE in by)
                  for a in OBSERVATION_TRANSITIONS}, current, target)
    return chain[1:]


def mermaid() -> str:
    """The observation's state machine as a Mermaid state diagram (the README shows it; a
    test checks that the README's copy is this one)."""
    lines = ["stateDiagram-v2", "    [*] --> new"]
    for (a, b), by in OBSERVATION_STEPS.items():
        lines.append(f"    {a} --> {b}: {' / '.join(sorted(by))}")
    return "\n".join(lines)


def validate_observation(draft: ObservationDraft, categories: Collection[str],
                         activities: Collection[str]) -> dict[str, str]:
    """Problems with an :class:`~geo.model.ObservationDraft`, as ``{field: message key}``.

    The one owner of the rules about an observation's fields, whoever hands it in: the pin
    form (:func:`geo.capture.pin_problems` adds only the pin's own checks), the importer
    (:mod:`geo.io`) and the store (every save and change).  The values are not trusted to
    have their declared types: anything a form or a file holds may arrive here."""
    errors: dict[str, str] = {}
    category: object = draft.category
    if not isinstance(category, str) or not category:
        errors["category"] = "validation.required"
    elif category not in categories:
        errors["category"] = "validation.unknown_category"
    feeling: object = draft.feeling
    if feeling is None:
        errors["feeling"] = "validation.required"
    elif isinstance(feeling, bool) or not isinstance(feeling, int):
        errors["feeling"] = "validation.feeling_range"
    elif not FEELING_MIN <= feeling <= FEELING_MAX:
        errors["feeling"] = "validation.feeling_range"
    for field, value, limit in (("description", draft.description, DESCRIPTION_MAX),
                                ("status", draft.status_reason, COMMENT_MAX),
                                ("reported_by", draft.reported_by, NAME_MAX),
                                ("group", draft.group, GROUP_MAX)):
        if problem := text_problem(value, limit):
            errors[field] = problem
    activity: object = draft.activity_id
    if activity is not None and (not isinstance(activity, str) or activity not in activities):
        errors["activity"] = "validation.unknown_activity"  # "" too: None is "no activity"
    if draft.walk_id is not None and not is_id(draft.walk_id):
        errors["walk"] = "validation.unknown_walk"
    status: object = draft.status
    if not isinstance(status, str) or status not in OBSERVATION_TRANSITIONS:
        errors["status"] = "validation.unknown_status"
    elif status in REASON_REQUIRED and "status" not in errors and not draft.status_reason.strip():
        errors["status"] = "workflow.reason_required"
    if draft.uuid is not None and not _is_uuid(draft.uuid):
        errors["uuid"] = "validation.bad_uuid"
    observed_at: object = draft.observed_at
    if observed_at is not None:
        if not isinstance(observed_at, datetime):
            errors["observed_at"] = "validation.not_a_time"
        elif observed_at.tzinfo is None or observed_at.utcoffset() is None:
            errors["observed_at"] = "validation.naive_time"
        elif not 1900 <= observed_at.year <= 2100:
            errors["observed_at"] = "validation.time_range"
    lon, lat = draft.lon, draft.lat
    if not (_is_number(lon) and _is_number(lat)):
        errors["location"] = "validation.location_missing"
    else:
        if not (lon == lon and lat == lat):  # NaN
            errors["location"] = "validation.location_missing"
        elif not in_sweden(lon, lat):
            errors["location"] = ("validation.lonlat_swapped" if in_sweden(lat, lon)
                                  else "validation.outside_sweden")
    return errors


def text_problem(value: object, limit: int) -> str | None:
    """Why ``value`` cannot be stored as text (None when it can)."""
    if not isinstance(value, str):
        return "validation.not_text"
    if len(value) > limit:
        return "validation.too_long"
    if CONTROL_CHARS.search(value):  # NUL, which PostgreSQL cannot store, among them
        return "validation.bad_text"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return "validation.bad_text"
    return None


def clean_name(value: str) -> str:
    """A person's name, a group or a label as it is stored: bidirectional formatting
    characters (:data:`BIDI_CONTROLS`) removed and surrounding whitespace stripped.  The one
    normalisation of names; :func:`text_problem` then judges what is left."""
    return BIDI_CONTROLS.sub("", value).strip() if isinstance(value, str) else value


def is_id(value: object) -> bool:
    """A row id a database can look up: a whole number in the range of its id column."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= INT_MAX


def _is_number(value: object) -> bool:
    """A real number a database column takes as it is (not a bool, a string or a Decimal)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_uuid(value: object) -> bool:
    import uuid

    try:
        return isinstance(value, str) and str(uuid.UUID(value)) == value.lower()
    except ValueError:
        return False


def validate_measure(draft: MeasureDraft, types: Collection[str], activities: Collection[str]) -> dict[str, str]:
    """Problems with a :class:`~geo.model.MeasureDraft`, as ``{field: message key}``."""
    from shapely.geometry import shape

    errors: dict[str, str] = {}
    if not isinstance(draft.type, str) or draft.type not in types:
        errors["type"] = "validation.unknown_measure_type"
    if not isinstance(draft.title, str) or not draft.title.strip():
        errors["title"] = "validation.required"
    for field, value, limit in (("title", draft.title, TITLE_MAX),
                                ("description", draft.description, DESCRIPTION_MAX),
                                ("responsible_name", draft.responsible_name, RESPONSIBLE_NAME_MAX),
                                ("status", draft.status_reason, COMMENT_MAX)):
        if field not in errors and (problem := text_problem(value, limit)):
            errors[field] = problem
    if not isinstance(draft.responsible, str) or draft.responsible not in {r.value for r in Responsible}:
        errors["responsible"] = "validation.unknown_responsible"
    if draft.activity_id is not None and (not isinstance(draft.activity_id, str)
                                          or draft.activity_id not in activities):
        errors["activity"] = "validation.unknown_activity"  # "" too: None is "no activity"
    if not isinstance(draft.status, str) or draft.status not in MEASURE_TRANSITIONS:
        errors["status"] = "validation.unknown_status"
    elif "status" not in errors and draft.status in REASON_REQUIRED and not draft.status_reason.strip():
        errors["status"] = "workflow.reason_required"
    if problem := date_problem(draft.due):
        errors["due"] = problem
    if not isinstance(draft.observation_ids, (tuple, list, set, frozenset)) or not all(
            is_id(i) for i in draft.observation_ids):
        errors["observation_ids"] = "validation.unknown_observation"
    if draft.cost_sek is not None:
        if isinstance(draft.cost_sek, bool) or not isinstance(draft.cost_sek, int):
            errors["cost_sek"] = "validation.not_whole_number"
        elif draft.cost_sek < 0:
            errors["cost_sek"] = "validation.negative"
        elif draft.cost_sek > INT_MAX:
            errors["cost_sek"] = "validation.too_big"
    try:
        if not _plain_geometry(draft.geometry):
            raise ValueError("not a plain GeoJSON geometry")
        geom = shape(draft.geometry)
    except Exception:  # noqa: BLE001 - any malformed GeoJSON is the same error to a user
        errors["geometry"] = "validation.bad_geometry"
    else:
        if (geom.is_empty or geom.geom_type not in ("Point", "LineString", "Polygon")
                or not geom.is_valid):
            errors["geometry"] = "validation.bad_geometry"
        elif not all(in_sweden(x, y) for x, y in _coords(geom)):
            errors["geometry"] = "validation.outside_sweden"
    return errors


def date_problem(value: object) -> str | None:
    """Why ``value`` cannot be stored as a date (None when it is None or a date; a datetime
    stores its date)."""
    if value is None:
        return None
    try:
        when: Any = value
        date(when.year, when.month, when.day)  # pandas' NaT is a datetime without a date
    except (AttributeError, TypeError, ValueError):
        return "validation.not_a_date"
    return None if isinstance(value, date) else "validation.not_a_date"


def _plain_geometry(geometry: object) -> bool:
    """A GeoJSON geometry as the planner's map draws it: only ``type`` and ``coordinates``,
    and the coordinates finite numbers in pairs (what PostGIS and every reader accept)."""
    if not isinstance(geometry, dict) or set(geometry) != {"type", "coordinates"}:
        return False
    depth = {"Point": 0, "LineString": 1, "Polygon": 2}.get(geometry["type"]) \
        if isinstance(geometry["type"], str) else None
    if depth is None:
        return False

    def ok(value: object, level: int) -> bool:
        if not isinstance(value, (list, tuple)):
            return False
        if level == 0:
            return len(value) == 2 and all(_is_number(v) and math.isfinite(v) for v in value)
        return bool(value) and all(ok(v, level - 1) for v in value)

    return ok(geometry["coordinates"], depth)


def _coords(geom: Any) -> list[tuple[float, float]]:
    """A shapely Point's, LineString's or Polygon's (outer ring's) coordinates."""
    if geom.geom_type == "Polygon":
        return list(geom.exterior.coords)
    return list(geom.coords)


def path(transitions: dict[str, frozenset[str]], start: str, goal: str) -> list[str]:
    """The shortest chain of allowed statuses from ``start`` to ``goal`` (both included);
    empty when ``goal`` cannot be reached.  The demo loader uses it to give rows a history."""
    frontier, seen = [[start]], {start}
    while frontier:
        chain = frontier.pop(0)
        if chain[-1] == goal:
            return chain
        for nxt in sorted(transitions.get(chain[-1], ())):
            if nxt not in seen:
                seen.add(nxt)
                frontier.append(chain + [nxt])
    return []
