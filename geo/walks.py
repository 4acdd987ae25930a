"""Walk leaders create and run walks: join codes, titles and slugs, the QR link.

Pure domain code (no Streamlit): ``pages/walks.py`` reads the widgets and calls
:func:`create_walk`; the store saves.

Decisions, so that the page and the tests agree:

* **Open or planned.**  A walk that starts *today* (Swedish date) is created ``open``: the
  leader standing at the meeting point creates it, shows the QR code, and the participants
  can place pins at once.  A walk on a later (or earlier) day is created ``planned``; the
  leader opens it with a button when it begins.  ``open_now`` overrides the rule.
* **Promise activity** is optional: not every walk carries out an activity of a
  medborgarlöfte (a municipality may have none about walks).  When given it must exist and
  belong to the walk's municipality.
* **Meeting point** is optional (at most 200 characters); the **leader** is required (at most
  120); a custom **title** at most 200.
* **Slug**: the custom title, or for a built title the district's name, in ASCII, plus the
  ISO date (``andersberg-2026-10-24``, as the demo walks); ``-2``, ``-3`` … when taken.
* **Join code**: six characters from :data:`JOIN_ALPHABET` (no 0/O, 1/I/L), unique among
  every walk ever stored (a closed walk keeps its code, so an old QR never opens a new walk).
"""

from __future__ import annotations

import io
import os
import re
import secrets
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from datetime import date as Date
from datetime import time as Time
from typing import Protocol
from urllib.parse import quote, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from . import catalog as catalog_module
from . import roles, workflow
from .catalog import Catalog
from .i18n import STOCKHOLM
from .model import (
    LEADER_MAX,
    MEETING_POINT_MAX,
    SLUG_MAX,
    TITLE_MAX,
    Activity,
    Actor,
    Group,
    Medborgarlofte,
    Walk,
    WalkStatus,
)
from .roles import Action
from .store import Invalid, Store


class Chooser(Protocol):
    """What draws a join code: ``secrets``, or a seeded ``random.Random`` in the tests."""

    def choice(self, seq: Sequence[str], /) -> str: ...

JOIN_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L
JOIN_CODE_LENGTH = 6
MAX_ATTEMPTS = 20
MONTHS_SV = ("jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec")
WALK_WORD = re.compile(r"trygghetsvandr", re.IGNORECASE)
STATUS_ORDER: dict[str, int] = {WalkStatus.OPEN: 0, WalkStatus.PLANNED: 1, WalkStatus.CLOSED: 2}


# --- join code, title, slug, time ---------------------------------------------------------
def new_join_code(rng: Chooser = secrets) -> str:
    """Six upper-case characters without look-alikes; ``rng`` needs ``choice`` (tests pass a
    seeded ``random.Random`` or a fake)."""
    return "".join(rng.choice(JOIN_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


def default_title(district_name: str, day: Date) -> str:
    """``Trygghetsvandring i Andersberg 24 okt 2026`` (stored in Swedish, as data)."""
    return f"Trygghetsvandring i {district_name} {day.day} {MONTHS_SV[day.month - 1]} {day.year}"


def slugify(text: str) -> str:
    """ASCII, lower case, words joined by ``-`` (å, ä → a; ö → o)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def base_slug(name: str, day: Date) -> str:
    stem = slugify(name)[: SLUG_MAX - len("-2000-01-01-99")].strip("-") or "vandring"
    return f"{stem}-{day.isoformat()}"


def local_start(day: Date, start: Time, tz: str | ZoneInfo = STOCKHOLM) -> datetime:
    """The walk's local date and start time as an aware UTC datetime."""
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    return datetime.combine(day, start.replace(tzinfo=None), tzinfo=zone).astimezone(UTC)


# --- create ---------------------------------------------------------------------------------
def validate(store: Store, *, district_id: object, day: object, start_time: object, meeting_point: object,
             groups: object, activity_id: object, leader: object, title: object,
             catalog: Catalog) -> dict[str, str]:
    """Problems with a new walk as ``{field: string-catalogue key}`` (empty when fine)."""
    errors: dict[str, str] = {}
    district = store.districts().get(district_id) if isinstance(district_id, str) and district_id else None
    if not district_id:
        errors["district"] = "validation.required"
    elif district is None:
        errors["district"] = "walks.unknown_district"
    if not isinstance(day, Date) or isinstance(day, datetime):  # a datetime's ISO date is no slug
        errors["date"] = "validation.required"
    elif not 1900 <= day.year <= 2100:
        errors["date"] = "validation.time_range"
    if not isinstance(start_time, Time):
        errors["start_time"] = "validation.required"
    if problem := workflow.text_problem(meeting_point, MEETING_POINT_MAX):
        errors["meeting_point"] = problem
    if not isinstance(leader, str) or not leader.strip():
        errors["leader"] = "validation.required"
    elif problem := workflow.text_problem(leader, LEADER_MAX):
        errors["leader"] = problem
    if title is not None and (problem := workflow.text_problem(title, TITLE_MAX)):
        errors["title"] = problem
    known_groups = {g.value for g in Group}
    if not isinstance(groups, list) or not all(isinstance(g, str) and g in known_groups for g in groups):
        errors["groups"] = "walks.unknown_group"
    if activity_id:
        if not isinstance(activity_id, str) or catalog.activity(activity_id) is None:
            errors["activity"] = "validation.unknown_activity"
        elif district is not None and activity_id not in {
                a.id for _ml, a in activities_for(catalog, district.municipality_id)}:
            errors["activity"] = "walks.activity_elsewhere"
    return errors


def create_walk(store: Store, actor: Actor, *, district_id: str | None, date: Date | None,
                start_time: Time | None, meeting_point: str = "", groups: Iterable[str] = (),
                activity_id: str | None = None, leader: str = "", title: str | None = None,
                tz: str | ZoneInfo = STOCKHOLM, open_now: bool | None = None,
                now: datetime | None = None, rng: Chooser = secrets, catalog: Catalog | None = None) -> Walk:
    """Create a walk with a unique slug and join code; see the module notes for the rules.

    Raises :class:`geo.roles.Forbidden` unless the actor may manage walks, and
    :class:`geo.store.Invalid` with ``{field: key}`` (fields: district, date, start_time,
    meeting_point, groups, activity, leader, title)."""
    roles.require(actor, Action.MANAGE_WALKS)
    catalog = catalog or catalog_module.load()
    if isinstance(groups, (list, tuple, set, frozenset)) and all(isinstance(g, str) for g in groups):
        groups = list(dict.fromkeys(str(g) for g in groups))
    meeting_point = meeting_point.strip() if isinstance(meeting_point, str) else meeting_point
    leader = leader.strip() if isinstance(leader, str) else leader
    title = (title.strip() or None) if isinstance(title, str) else title
    errors = validate(store, district_id=district_id, day=date, start_time=start_time,
                      meeting_point=meeting_point, groups=groups, activity_id=activity_id or None,
                      leader=leader, title=title, catalog=catalog)
    if errors:
        raise Invalid(errors)
    district = store.districts().get(district_id or "")
    # validate() said so:
    assert district is not None and district_id and date is not None and start_time is not None
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    today = (now or datetime.now(zone)).astimezone(zone).date()
    status = WalkStatus.OPEN if (date == today if open_now is None else open_now) else WalkStatus.PLANNED
    the_title = title or default_title(district.name, date)
    stem = base_slug(title or district.name, date)
    suffix = 1
    for _attempt in range(MAX_ATTEMPTS):
        slug, suffix = free_slug(store, stem, suffix)
        code = free_join_code(store, rng)
        try:
            return store.add_walk(
                actor, slug=slug, district_id=district_id, title=the_title,
                starts_at=local_start(date, start_time, zone), activity_id=activity_id or None,
                meeting_point=meeting_point, groups=groups, leader=leader, status=status,
                join_code=code)
        except Invalid as e:  # someone took the slug between the look-up and the insert
            if "slug" not in e.errors:
                raise
            suffix += 1
        except Exception:  # the unique join code, taken meanwhile: draw another
            if store.walk_by_code(code) is None:
                raise
    raise RuntimeError("no free slug or join code after several attempts")


def free_slug(store: Store, stem: str, suffix: int = 1) -> tuple[str, int]:
    """The first slug no stored walk has: ``stem``, ``stem-2``, ``stem-3`` …"""
    while True:
        slug = stem if suffix == 1 else f"{stem}-{suffix}"
        if store.walk_by_slug(slug) is None:
            return slug, suffix
        suffix += 1


def free_join_code(store: Store, rng: Chooser = secrets) -> str:
    """A join code no stored walk has."""
    for _attempt in range(MAX_ATTEMPTS):
        code = new_join_code(rng)
        if store.walk_by_code(code) is None:
            return code
    raise RuntimeError("no free join code after several attempts")


# --- the promise activity -------------------------------------------------------------------
def _ordered_loften(catalog: Catalog, municipality_id: str, on: Date) -> list[Medborgarlofte]:
    """The municipality's medborgarlöften: the one in force on ``on`` first, then latest first."""
    mine = [m for m in catalog.medborgarloften if m.municipality_id == municipality_id]
    return sorted(mine, key=lambda m: (not m.period_start <= on <= m.period_end,
                                       -m.period_end.toordinal()))


def activities_for(catalog: Catalog, municipality_id: str,
                   on: Date | None = None) -> list[tuple[Medborgarlofte, Activity]]:
    """Every activity of the municipality's medborgarlöften, current or latest first."""
    return [(m, a) for m in _ordered_loften(catalog, municipality_id, on or Date.today())
            for a in m.activities()]


def suggested_activity(catalog: Catalog, municipality_id: str, on: Date | None = None) -> str | None:
    """The activity about trygghetsvandringar in the municipality's medborgarlöfte in force on
    ``on`` (default today) or, when none is, its latest one; None when that one has none."""
    loften = _ordered_loften(catalog, municipality_id, on or Date.today())
    if not loften:
        return None
    return next((a.id for a in loften[0].activities() if WALK_WORD.search(a.text)), None)


# --- the list -------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class WalkCounts:
    participants: int
    pins: int


def ordered(walks: Iterable[Walk]) -> list[Walk]:
    """Open walks first, then planned, then closed; newest first within each."""
    by_time = sorted(walks, key=lambda w: w.starts_at, reverse=True)
    return sorted(by_time, key=lambda w: STATUS_ORDER.get(w.status, 3))


def walk_counts(store: Store, walk: Walk) -> WalkCounts:
    """Pins on the walk, and participants: the larger of the head count recorded for the walk
    (imported and demo walks), the people who joined with the code and the distinct people
    who placed a pin."""
    pins = store.observations(walk_id=walk.id)
    pinned = {o.participant_id if o.participant_id is not None else f"name:{o.reported_by}"
              for o in pins if o.participant_id is not None or o.reported_by}
    joined = store.participant_counts([walk.id]).get(walk.id, 0)
    return WalkCounts(participants=max(walk.participants or 0, joined, len(pinned)), pins=len(pins))


# --- the join link and its QR code ----------------------------------------------------------
def public_join_url(code: str, browser_url: str | None, base_path: str = "",
                    environ: Mapping[str, str] = os.environ) -> str | None:
    """The link the QR code carries.  ``PUBLIC_URL``, when set, names the app's root as the
    tablets reach it (behind a proxy, or a LAN address while the leader's own browser shows
    ``localhost``), path included; otherwise the leader's browser URL (``st.context.url``)
    with its page path dropped and Streamlit's ``server.baseUrlPath`` put back."""
    public = (environ.get("PUBLIC_URL") or "").strip()
    if public:
        return join_url(public, code, urlsplit(public if "//" in public else f"//{public}").path)
    return join_url(browser_url, code, base_path) if browser_url else None


def join_url(base_url: str, code: str, base_path: str = "") -> str:
    """The app's ROOT with ``?kod=CODE``: path, query and fragment of ``base_url`` are
    dropped (deep links to a page break for a visitor); ``base_path`` is Streamlit's
    ``server.baseUrlPath`` when the app is served below the host's root."""
    parts = urlsplit(base_url.strip() if "//" in base_url else f"http://{base_url.strip()}")
    path = "/" + "/".join(s for s in base_path.split("/") if s)
    path = path if path == "/" else path + "/"
    return urlunsplit((parts.scheme or "http", parts.netloc, path,
                       "kod=" + quote(code.strip().upper(), safe=""), ""))


def qr_png(url: str, scale: int = 10, border: int = 4) -> bytes:
    """The URL as a QR code PNG (error correction M: readable from a screen across a room)."""
    import segno

    out = io.BytesIO()
    segno.make_qr(url, error="m").save(out, kind="png", scale=scale, border=border)
    return out.getvalue()


def qr_svg(url: str, scale: int = 10, border: int = 4) -> str:
    """The same QR code as an SVG document (for printing)."""
    import segno

    out = io.BytesIO()
    segno.make_qr(url, error="m").save(out, kind="svg", scale=scale, border=border,
                                      xmldecl=False)
    return out.getvalue().decode("utf-8")

