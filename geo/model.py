"""Entities and enumerations of the domain.

Plain frozen dataclasses: the store returns them, the pages show them, nothing here talks
to a database.  Labels for every enumeration live in the string catalogue
(``data/strings.toml``, key ``status.observation.<id>`` and so on), never here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any


class ObservationStatus(StrEnum):
    NEW = "new"
    ASSESSED = "assessed"
    MEASURE_PLANNED = "measure_planned"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    VERIFIED = "verified"
    CLOSED = "closed"  # closed without a measure, with a reason


class MeasureStatus(StrEnum):
    PROPOSED = "proposed"
    DECIDED = "decided"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    VERIFIED = "verified"
    CANCELLED = "cancelled"  # with a reason


class WalkStatus(StrEnum):
    PLANNED = "planned"
    OPEN = "open"
    CLOSED = "closed"


class Responsible(StrEnum):
    KOMMUN = "kommun"
    POLIS = "polis"
    FASTIGHETSAGARE = "fastighetsagare"
    TRAFIKVERKET = "trafikverket"
    ANNAN = "annan"


class Group(StrEnum):
    """Groups taking part in a walk."""
    BOENDE = "boende"
    UNGDOMAR = "ungdomar"
    SENIORER = "seniorer"
    POLIS = "polis"
    KOMMUN = "kommun"
    BOSTADSBOLAG = "bostadsbolag"
    FORENINGAR = "foreningar"
    NARINGSIDKARE = "naringsidkare"


FEELING_MIN, FEELING_MAX = 1, 5  # 5 = very unsafe

# --- how long a text may be, in characters: the one place for the forms' ``max_chars``, the
# checks (geo.workflow, geo.walks, the store) and the widths of the schema's String columns.
DESCRIPTION_MAX = 2000  # an observation's or a measure's description
COMMENT_MAX = DESCRIPTION_MAX  # a status reason, a history comment
FORM_COMMENT_MAX = 500  # the one-line comment fields of triage and follow-up (the store takes COMMENT_MAX)
TITLE_MAX = 200  # a walk's or a measure's title
MEETING_POINT_MAX = 200  # a walk's meeting point
LEADER_MAX = 120  # a walk's leader
RESPONSIBLE_NAME_MAX = 120  # who answers for a measure, by name
NAME_MAX = 80  # a participant's name, and an observation's reported_by
GROUP_MAX = 40  # a group id (Group), of a participant or an observation
SLUG_MAX = 80  # a walk's slug
JOIN_CODE_MAX = 12  # a walk's join code
USERNAME_MAX = 80
DISPLAY_NAME_MAX = 120  # a user's display name
ACTOR_MAX = 120  # a history entry's actor (Actor.label: a display name, or a participant's name and number)
EMAIL_MAX = 254  # RFC 5321's longest address
UUID_LENGTH = 36  # the canonical text form of a UUID

# Statuses that need a reason when entered.
REASON_REQUIRED = {ObservationStatus.CLOSED, MeasureStatus.CANCELLED}


@dataclass(frozen=True, slots=True)
class Municipality:
    id: str
    name: str
    kommunkod: str
    county: str


@dataclass(frozen=True, slots=True)
class District:
    id: str
    municipality_id: str
    name: str
    regsokod: str
    parent_id: str | None
    area_km2: float
    centre: tuple[float, float]  # lon, lat
    geojson: dict[str, Any]  # geometry, EPSG:4326
    attribution: str


@dataclass(frozen=True, slots=True)
class Category:
    """An observation category or a measure type: the same shape serves both."""
    id: str
    sv: str
    en: str
    description_sv: str
    description_en: str
    colour: str
    icon: str
    material_icon: str
    positive: bool = False
    geometry: str | None = None  # measure types only: point, line or polygon

    def label(self, lang: str) -> str:
        return self.en if lang == "en" else self.sv

    def description(self, lang: str) -> str:
        return self.description_en if lang == "en" else self.description_sv


@dataclass(frozen=True, slots=True)
class Activity:
    id: str
    promise_id: str
    ordinal: int
    text: str
    text_en: str
    physical: bool

    def label(self, lang: str) -> str:
        return self.text_en if lang == "en" and self.text_en else self.text


@dataclass(frozen=True, slots=True)
class Promise:
    id: str
    medborgarlofte_id: str
    ordinal: int
    title: str
    title_en: str
    text: str
    activities: tuple[Activity, ...]


@dataclass(frozen=True, slots=True)
class Medborgarlofte:
    id: str
    municipality_id: str
    title: str
    period_start: date
    period_end: date
    signatories: tuple[str, ...]
    source: str
    districts: tuple[str, ...]
    note: str
    promises: tuple[Promise, ...]

    def activities(self) -> list[Activity]:
        return [a for p in self.promises for a in p.activities]


@dataclass(frozen=True, slots=True)
class Walk:
    id: int
    slug: str
    district_id: str
    activity_id: str | None
    title: str
    starts_at: datetime
    ends_at: datetime | None
    meeting_point: str
    groups: tuple[str, ...]
    leader: str
    participants: int | None
    status: str
    route: dict[str, Any] | None  # GeoJSON LineString, EPSG:4326
    is_demo: bool
    join_code: str | None = None
    leader_id: int | None = None  # the account that leads it (None: older data, demo, the command line)
    closed_at: datetime | None = None  # when it was last closed


@dataclass(frozen=True, slots=True)
class ObservationDraft:
    """What a participant, an import or the demo loader hands the store."""
    category: str
    lon: float
    lat: float
    feeling: int
    description: str = ""
    observed_at: datetime | None = None
    walk_id: int | None = None
    activity_id: str | None = None
    status: str = ObservationStatus.NEW
    status_reason: str = ""
    uuid: str | None = None
    reported_by: str = ""
    group: str = ""
    is_demo: bool = False
    participant_id: int | None = None  # set by the store from the acting participant


@dataclass(frozen=True, slots=True)
class Observation:
    id: int
    uuid: str
    walk_id: int | None
    district_id: str | None
    activity_id: str | None
    category: str
    description: str
    feeling: int
    lon: float
    lat: float
    observed_at: datetime
    status: str
    status_reason: str
    reported_by: str
    group: str
    is_demo: bool
    created_at: datetime
    updated_at: datetime
    version: int
    participant_id: int | None = None
    merged_into: int | None = None  # merged into that pin at the walk protocol (kept, hidden)
    flagged_by: int = 1  # how many pins (people) the walk protocol merged into this one
    responsible: str | None = None  # the walk protocol: who acts on it (Responsible)
    priority: int | None = None  # 1 high, 2 medium, 3 low
    due: date | None = None
    # "Jag håller med": how many other people seconded this pin on the walk (participants or
    # accounts, each once; a merge moves them to the kept pin).  Everyone who flagged the spot
    # is ``flagged_by + supporters`` (:attr:`people`).
    supporters: int = 0

    @property
    def people(self) -> int:
        """How many people flagged this spot: the pins merged into it and those who seconded it."""
        return self.flagged_by + self.supporters


@dataclass(frozen=True, slots=True)
class MeasureDraft:
    type: str
    title: str
    geometry: dict[str, Any]  # GeoJSON Point, LineString or Polygon in EPSG:4326
    responsible: str
    activity_id: str | None = None
    description: str = ""
    responsible_name: str = ""
    due: date | None = None
    cost_sek: int | None = None
    status: str = MeasureStatus.PROPOSED
    status_reason: str = ""
    observation_ids: tuple[int, ...] = ()
    is_demo: bool = False


@dataclass(frozen=True, slots=True)
class Measure:
    id: int
    type: str
    title: str
    description: str
    district_id: str | None
    activity_id: str | None
    geometry: dict[str, Any]
    responsible: str
    responsible_name: str
    due: date | None
    cost_sek: int | None
    status: str
    status_reason: str
    is_demo: bool
    created_at: datetime
    updated_at: datetime
    version: int
    observation_ids: tuple[int, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class StatusChange:
    id: int
    entity: str  # "observation" or "measure"
    entity_id: int
    from_status: str | None
    to_status: str
    actor: str
    at: datetime
    comment: str
    measure_id: int | None = None  # the measure whose link or status moved this observation
    reason: str = ""  # why it was closed (a code of geo.workflow.CLOSE_REASONS, or a text)


class Role(StrEnum):
    PARTICIPANT = "participant"  # joined a walk with its code; no account
    PLANNER = "planner"
    ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting: a signed-in user, a participant of one walk, or the system itself."""
    role: Role
    name: str
    user_id: int | None = None
    participant_id: int | None = None
    walk_id: int | None = None  # the walk a participant joined

    @property
    def label(self) -> str:
        """How the history names this actor: a participant as "Alice (deltagare #7)", or
        only "deltagare #7" once the name is purged ("–", see
        :meth:`geo.store.Store.purge_personal`)."""
        if self.role == Role.PARTICIPANT:
            number = f"deltagare #{self.participant_id}"
            return number if self.name.strip() in ("", "–") else f"{self.name} ({number})"
        return self.name

    @property
    def is_planner(self) -> bool:
        return self.role in (Role.PLANNER, Role.ADMIN)


# The command line and the demo loader act with a shell user's full rights.
SYSTEM = Actor(role=Role.ADMIN, name="system")


@dataclass(frozen=True, slots=True)
class User:
    id: int
    username: str
    display_name: str
    role: str
    email: str | None
    disabled: bool
    is_demo: bool
    has_password: bool
    last_sign_in: datetime | None


@dataclass(frozen=True, slots=True)
class Participant:
    id: int
    walk_id: int
    name: str
    group: str
    is_demo: bool
