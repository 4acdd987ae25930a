"""The follow-up meeting's selections, as pure functions (no database, no Streamlit).

:func:`meeting_tally`
    Every figure of one follow-up meeting for one selection (a district or a whole
    municipality): what :func:`since_last_meeting` lists, the safe places ("guldkorn") and
    the promise's progress per activity, since the meeting and over the promise's period.
    The page's figures, the meeting PDF, the Excel action list and the GeoPackage all count
    from it (:mod:`geo.meeting` makes the documents), so they cannot disagree.
:func:`since_last_meeting`
    What is new, what was resolved and what is overdue since the previous meeting, and what
    still waits for a decision.
:func:`rewalk_comparison`
    For each point of an earlier walk: did the re-walk flag the same spot again, and how did
    the felt safety change?
:func:`merge_suggestions`
    Pins from one walk (several tablets) that probably describe the same spot.

Boundaries of "since the last meeting"
--------------------------------------
Dates are Swedish local dates (Europe/Stockholm, summer time included).  Everything
recorded on the meeting day itself counts as *known at the meeting*: the window starts at
00:00 local time on the day after ``last_meeting`` (:func:`window`) and ends at 00:00 on the
day after ``today`` (the window is half-open: the first instant is in, the last is out).  So
with a meeting on 15 October 2019 (summer time, UTC+2) a pin at 21:59:59 UTC (23:59:59
local) is not new and one at 22:00:00 UTC (00:00 local on the 16th) is; in winter the
cut is at 23:00 UTC.

Pins merged into another by the walk protocol (``merged_into`` set) are left out of every
selection: the kept pin speaks for them.

Safe places (categories with ``positive: true``, "trygg_plats") are not problems: they are
never new problems, resolved, or waiting for a decision; they are listed on their own as
*guldkorn* ("Guldkorn – platser som känns trygga").

Distances are measured in SWEREF 99 TM (EPSG:3006), through whole arrays and a shapely
``STRtree`` (``dwithin``), never by pairwise Python loops; "within r metres" includes r.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
import shapely

from .catalog import Catalog
from .crs import to_metric_arrays
from .districts import Districts
from .i18n import STOCKHOLM
from .model import Measure, MeasureStatus, Observation, ObservationStatus, StatusChange, Walk
from .progress import ProgressReport, Since, is_overdue, promise_progress
from .workflow import DONE_OBSERVATION, FOLLOW_UP, next_statuses

UNDECIDED_OBSERVATION = frozenset({ObservationStatus.NEW, ObservationStatus.ASSESSED})


def window(last_meeting: date, today: date) -> tuple[datetime, datetime]:
    """The half-open window ``[start, end)`` of "since the last meeting", in UTC: 00:00
    local time on the day after ``last_meeting`` and on the day after ``today``."""
    if today < last_meeting:
        raise ValueError(f"today {today} is before the last meeting {last_meeting}")
    start = datetime.combine(last_meeting + timedelta(days=1), time(0), STOCKHOLM)
    end = datetime.combine(today + timedelta(days=1), time(0), STOCKHOLM)
    # in UTC: Python compares and subtracts datetimes sharing one tzinfo by wall clock
    return start.astimezone(UTC), end.astimezone(UTC)


def kept(observations: Iterable[Observation]) -> list[Observation]:
    """The observations not merged into another pin (the walk protocol)."""
    return [o for o in observations if getattr(o, "merged_into", None) is None]


def _aware(t: datetime, what: str) -> datetime:
    if t.tzinfo is None or t.utcoffset() is None:
        raise ValueError(f"{what}: naive datetime {t!r}; give a time zone")
    return t


@dataclass(frozen=True, slots=True)
class SinceLastMeeting:
    """The meeting's lists, for the meeting on ``today`` after the one on ``last_meeting``
    (the window :attr:`start` .. :attr:`end`, see :func:`window`).

    ``new``: observations observed or recorded inside the window (the later of
    ``observed_at`` and ``created_at``: a paper protocol typed in after the meeting was not
    seen at it).  ``resolved``: observations with a change to resolved or verified inside
    the window, in the status history, that are still resolved or verified now (reopened
    ones are not listed).  ``overdue``: measures past their due date on ``today``
    (:func:`geo.progress.is_overdue`).  ``undecided``: observations new or assessed that no
    measure (other than a cancelled one) answers.  ``proposed``: measures waiting for a
    decision.  ``guldkorn``: the safe places seen before the window's end and not closed.
    When the positive categories are given, safe places are left out of ``new``,
    ``resolved`` and ``undecided`` (and only then is ``guldkorn`` filled).  Lists are in the
    input order.
    """
    last_meeting: date
    today: date
    new: tuple[Observation, ...]
    resolved: tuple[Observation, ...]
    overdue: tuple[Measure, ...]
    undecided: tuple[Observation, ...]
    proposed: tuple[Measure, ...]
    guldkorn: tuple[Observation, ...] = ()

    @property
    def start(self) -> datetime:
        """The window's first instant (UTC): 00:00 Swedish time the day after the last meeting."""
        return window(self.last_meeting, self.today)[0]

    @property
    def end(self) -> datetime:
        """The window's end (UTC, not included): 00:00 Swedish time the day after ``today``."""
        return window(self.last_meeting, self.today)[1]


def _seen(o: Observation) -> datetime:
    """When the meeting could first know of ``o``: the later of seen and recorded."""
    return max(_aware(o.observed_at, f"observation {o.id}"), _aware(o.created_at, f"observation {o.id}"))


def since_last_meeting(observations: Sequence[Observation], measures: Sequence[Measure],
                       history: Iterable[StatusChange], *, last_meeting: date, today: date,
                       positive_categories: Collection[str] = ()) -> SinceLastMeeting:
    """Select what the meeting goes through; see :class:`SinceLastMeeting` and the module
    docstring for the boundaries.  ``history`` holds the observations' status changes
    (entries about measures are ignored)."""
    start, end = window(last_meeting, today)
    observations = kept(observations)

    def inside(t: datetime, what: str) -> bool:
        return start <= _aware(t, what) < end

    positive = frozenset(positive_categories)
    guldkorn = tuple(o for o in observations if o.category in positive
                     and _seen(o) < end and o.status != ObservationStatus.CLOSED)
    new = tuple(o for o in observations
                if inside(_seen(o), f"observation {o.id}") and o.category not in positive)
    resolved_ids = {h.entity_id for h in history
                    if h.entity == "observation" and h.to_status in DONE_OBSERVATION
                    and inside(h.at, f"status change {h.id}")}
    resolved = tuple(o for o in observations if o.id in resolved_ids
                     and o.status in DONE_OBSERVATION and o.category not in positive)
    answered = {oid for m in measures if m.status != MeasureStatus.CANCELLED
                for oid in m.observation_ids}
    undecided = tuple(o for o in observations
                      if o.status in UNDECIDED_OBSERVATION and o.id not in answered
                      and o.category not in positive)
    return SinceLastMeeting(
        last_meeting=last_meeting, today=today, new=new, resolved=resolved,
        overdue=tuple(m for m in measures if is_overdue(m, today)), undecided=undecided,
        proposed=tuple(m for m in measures if m.status == MeasureStatus.PROPOSED),
        guldkorn=guldkorn)


# --------------------------------------------------------------------------- verifying


def verify_order(observations: Iterable[Observation]) -> list[Observation]:
    """The spots the follow-up meeting may verify or reopen (those with a follow-up step,
    :func:`geo.workflow.next_statuses` ``by=FOLLOW_UP``: resolved and verified ones; closed
    spots are reopened at triage), resolved ones first, the newest first."""
    rank: dict[str, int] = {ObservationStatus.RESOLVED: 0, ObservationStatus.VERIFIED: 1}
    steps = [o for o in reversed(kept(observations)) if next_statuses(o.status, by=FOLLOW_UP)]
    return sorted(steps, key=lambda o: rank.get(o.status, 2))


def next_to_verify(order: Sequence[Observation], current_id: int) -> int | None:
    """After a decision on ``current_id``: the next resolved spot in ``order`` (after it,
    then from the start), or None when no other waits."""
    ids = [o.id for o in order]
    start = ids.index(current_id) + 1 if current_id in ids else 0
    for o in [*order[start:], *order[:start]]:
        if o.id != current_id and o.status == ObservationStatus.RESOLVED:
            return o.id
    return None


# --------------------------------------------------------------------------- the tally

FIGURES = ("new", "resolved", "overdue", "waiting", "undecided", "proposed", "guldkorn")


@dataclass(frozen=True, slots=True, kw_only=True)
class MeetingTally(SinceLastMeeting):
    """Every figure of one follow-up meeting for one selection, and the rows behind them.

    ``observations`` (merged pins left out) and ``measures`` are the selection's rows (the
    map, the GeoPackage, the action list); the window (``start``, ``end``) and the lists
    ``new``, ``resolved``, ``overdue``, ``undecided``, ``proposed`` and ``guldkorn`` are
    :class:`SinceLastMeeting`'s, with the safe places kept apart.  *Waiting for a decision* is
    the undecided observations plus the proposed measures (:attr:`waiting`).  ``promise``
    holds, per medborgarlöfte of the municipality, the progress over the promise's period;
    ``since`` the same since the last meeting (:class:`geo.progress.Since`, built from
    ``new``, ``resolved`` and the measures made or moved in the window), both for the
    selection's district (or the whole municipality).  ``resolved_at``: when each of
    ``resolved`` was resolved (its last change to resolved or verified in the window).
    """
    observations: tuple[Observation, ...]
    measures: tuple[Measure, ...]
    promise: tuple[ProgressReport, ...]
    since: tuple[ProgressReport, ...]
    resolved_at: Mapping[int, datetime] = field(default_factory=dict)

    @property
    def waiting(self) -> int:
        """Waiting for a decision: undecided observations plus proposed measures."""
        return len(self.undecided) + len(self.proposed)

    def figures(self) -> dict[str, int]:
        """The meeting's figures by name (:data:`FIGURES`, in that order)."""
        return {"new": len(self.new), "resolved": len(self.resolved), "overdue": len(self.overdue),
                "waiting": self.waiting, "undecided": len(self.undecided),
                "proposed": len(self.proposed), "guldkorn": len(self.guldkorn)}


def meeting_tally(observations: Sequence[Observation], measures: Sequence[Measure],
                  walks: Sequence[Walk], history: Iterable[StatusChange], *, catalog: Catalog,
                  last_meeting: date, today: date, municipality_id: str,
                  district_ids: Iterable[str] | None = None, districts: Districts | None = None) -> MeetingTally:
    """Every figure of the follow-up meeting for one selection; see :class:`MeetingTally`.

    ``observations``, ``measures`` and ``walks`` are the selection's rows: a district with
    its parts, or the whole municipality; ``district_ids`` names that district (None: the
    whole municipality), for the promise's progress (:func:`geo.progress.promise_progress`).
    ``history`` holds the status changes of the observations and of the measures (a measure
    made or moved in the window counts in the progress since the meeting).  ``catalog`` is a
    :class:`geo.catalog.Catalog`: the positive categories and the municipality's
    medborgarlöften; ``districts`` the boundaries (None: those in ``data/``).
    """
    history = list(history)
    kept_obs = tuple(kept(observations))
    measures = tuple(measures)
    found = since_last_meeting(kept_obs, measures, history, last_meeting=last_meeting,
                               today=today, positive_categories=catalog.positive_ids())
    start, end = found.start, found.end
    moved = {h.entity_id for h in history if h.entity == "measure"
             and start <= _aware(h.at, f"status change {h.id}") < end}
    resolved_at = {h.entity_id: h.at for h in sorted(
        (h for h in history if h.entity == "observation" and h.to_status in DONE_OBSERVATION
         and start <= h.at < end), key=lambda h: (h.at, h.id))}
    moved |= {m.id for m in measures if start <= _aware(m.created_at, f"measure {m.id}") < end}
    since = Since(start=last_meeting + timedelta(days=1), end=today,
                  new=frozenset(o.id for o in found.new),
                  resolved=frozenset(o.id for o in found.resolved), measures=frozenset(moved))
    scope = None if district_ids is None else tuple(district_ids)
    mls = [ml for ml in catalog.medborgarloften if ml.municipality_id == municipality_id]

    def progress(window: Since | None) -> tuple[ProgressReport, ...]:
        return tuple(promise_progress(catalog, kept_obs, measures, walks, medborgarlofte_id=ml.id,
                                      district_ids=scope, today=today, districts=districts,
                                      since=window) for ml in mls)

    return MeetingTally(
        last_meeting=last_meeting, today=today, observations=kept_obs,
        measures=measures, new=found.new, resolved=found.resolved, overdue=found.overdue,
        undecided=found.undecided, proposed=found.proposed, guldkorn=found.guldkorn,
        promise=progress(None), since=progress(since),
        resolved_at={o.id: resolved_at[o.id] for o in found.resolved})


# --------------------------------------------------------------------------- distances


def _points(observations: Sequence[Observation]) -> np.ndarray:
    """Shapely points in EPSG:3006 (metres), transformed as whole arrays."""
    n = len(observations)
    lon = np.fromiter((o.lon for o in observations), dtype=float, count=n)
    lat = np.fromiter((o.lat for o in observations), dtype=float, count=n)
    e, north = to_metric_arrays(lon, lat)
    points: np.ndarray = shapely.points(e, north)
    return points


def _pairs_within(a: np.ndarray, b: np.ndarray, radius_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (i in a, j in b) with distance(a[i], b[j]) <= radius_m."""
    if len(a) == 0 or len(b) == 0:
        return np.empty(0, dtype=np.intp), np.empty(0, dtype=np.intp)
    i, j = shapely.STRtree(b).query(a, predicate="dwithin", distance=radius_m)
    return i, j


def _radius(radius_m: float) -> float:
    r = float(radius_m)
    if not (r >= 0 and np.isfinite(r)):
        raise ValueError(f"radius_m must be a non-negative number of metres, got {radius_m!r}")
    return r


@dataclass(frozen=True, slots=True)
class RewalkRow:
    """One point of the earlier walk, compared with the re-walk.

    ``later_ids``: the later observations within the radius (ascending); ``flagged_again``
    when there is at least one.  Feelings run 1 (safe) to 5 (very unsafe), so a negative
    ``change`` (later mean − earlier feeling) means the spot feels safer; ``later_mean`` and
    ``change`` are None when the spot was not flagged again.
    """
    observation_id: int
    category: str
    feeling: int
    flagged_again: bool
    later_ids: tuple[int, ...]
    later_mean: float | None
    change: float | None


def rewalk_comparison(earlier_walk_obs: Sequence[Observation],
                      later_walk_obs: Sequence[Observation],
                      radius_m: float = 40) -> list[RewalkRow]:
    """For each earlier observation (in the given order), whether any later observation lies
    within ``radius_m`` metres (any category: pass only the categories you want compared),
    and the change in felt safety."""
    r = _radius(radius_m)
    earlier_walk_obs, later_walk_obs = kept(earlier_walk_obs), kept(later_walk_obs)
    i, j = _pairs_within(_points(earlier_walk_obs), _points(later_walk_obs), r)
    n = len(earlier_walk_obs)
    later_feel = np.fromiter((o.feeling for o in later_walk_obs), dtype=float,
                             count=len(later_walk_obs))
    hits = np.bincount(i, minlength=n)
    sums = np.bincount(i, weights=later_feel[j], minlength=n) if len(i) else np.zeros(n)
    later_ids = np.fromiter((o.id for o in later_walk_obs), dtype=np.int64,
                            count=len(later_walk_obs))
    order = np.argsort(i, kind="stable")
    groups = np.split(later_ids[j[order]], np.cumsum(hits)[:-1]) if n else []
    rows = []
    for k, o in enumerate(earlier_walk_obs):
        mean = float(sums[k] / hits[k]) if hits[k] else None
        rows.append(RewalkRow(
            observation_id=o.id, category=o.category, feeling=o.feeling,
            flagged_again=bool(hits[k]), later_ids=tuple(sorted(int(x) for x in groups[k])),
            later_mean=mean, change=None if mean is None else mean - o.feeling))
    return rows


def merge_suggestions(observations: Sequence[Observation],
                      radius_m: float = 15) -> list[tuple[int, ...]]:
    """Groups of pins that probably describe the same spot: same walk, same category and a
    chain of pins each within ``radius_m`` metres of the next (connected components of that
    graph), of two pins or more.  Each group lists its observation ids ascending; groups are
    ordered by their smallest id."""
    r = _radius(radius_m)
    observations = kept(observations)
    i, j = _pairs_within(pts := _points(observations), pts, r)
    keys = [(o.walk_id, o.category) for o in observations]
    parent = list(range(len(observations)))

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in zip(i.tolist(), j.tolist(), strict=True):
        if a < b and keys[a] == keys[b]:
            ra, rb = root(a), root(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    groups: dict[int, list[int]] = {}
    for k, o in enumerate(observations):
        groups.setdefault(root(k), []).append(o.id)
    return sorted((tuple(sorted(g)) for g in groups.values() if len(g) >= 2), key=lambda g: g)
