"""Promise progress: "what did we achieve with the medborgarlöfte?".

One pure function, :func:`promise_progress`: the catalogue, the observations, measures and
walks in; a :class:`ProgressReport` out, with the same :class:`Figures` for the whole
medborgarlöfte, for each promise and for each activity, in total and per district.  No
database, no Streamlit: the follow-up page, the PDF report and the tests call the same code
(through :func:`geo.followup.meeting_tally`, which makes every figure of a meeting).

What is counted (the decisions, in one place)
---------------------------------------------
* **Which rows belong to the promise.**  An observation, a measure or a walk belongs to an
  activity through its own ``activity_id``; activity ids are unique across medborgarlöften, so
  the link alone ties a row to one medborgarlöfte.
* **The period** ``period_start..period_end`` (both days included, Swedish local time):
  observations by the local date of ``observed_at``; walks by the local date of
  ``starts_at``.  Measures are *not* cut by date: a measure carries out the activity it is
  linked to, and work decided in the period is often finished after it (the demo's clearing
  along the cycle path mot Lyckedalsskolan, done in January 2020, is part of Halmstad 2019).
* **Merged pins** (``merged_into`` set by the walk protocol) are left out: the kept pin
  speaks for them (the store leaves them out too, unless asked).
* **Statuses are today's statuses.**  ``today`` only decides what is overdue.
* **Resolved** means ``resolved`` or ``verified`` (:data:`geo.workflow.DONE_OBSERVATION`).
  "Closed without a measure" is *not* resolved — nothing changed at the place — and is
  counted on its own (``closed``).  Positive places (categories with ``positive: true``,
  e.g. "trygg_plats") are linked observations but not problems to resolve: they are counted
  (``positive``) and left out of the share.  ``resolved_share = resolved / (observations −
  positive)``, None when that is 0.
* **Measures**: planned = proposed or decided; in progress; done = done or verified;
  cancelled.  **Overdue** (:func:`is_overdue`): has a due date, ``due < today`` and not
  done, verified or cancelled — a measure due today is not overdue yet; tomorrow it is.
* **Walks held**: status neither ``planned`` nor ``cancelled`` (open or closed walks).
* **Since the last meeting** (``since``, a :class:`Since`): instead of the promise's period,
  the activity's ``observations`` are the problems new since the meeting, ``resolved`` those
  resolved since (whatever day they were seen), the measures those made or moved since (by
  today's status; ``measures_overdue`` still counts every overdue one), walks held in the
  window; ``resolved_share`` is None (the two counts are of different sets).  The ids come
  from :func:`geo.followup.since_last_meeting`, so the chart and the meeting's headline count
  the same rows.
* **Districts.**  Rows are placed in the *smallest* district holding them (Vallås östra,
  not Vallås); a district's figures include its parts (:meth:`geo.districts.Districts.family`).
  ``district_ids=None`` reports the medborgarlöfte's own districts, and anything linked that
  lies elsewhere (or in no district) under the key ``None``, so that the districts always add
  up to the total.  Given ``district_ids``, only rows in those districts are counted at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from .catalog import Catalog
from .districts import Districts
from .districts import load as load_districts
from .i18n import STOCKHOLM
from .model import Measure, MeasureStatus, Medborgarlofte, Observation, Walk, WalkStatus
from .workflow import DONE_OBSERVATION

M = MeasureStatus
MEASURE_PLANNED = frozenset({M.PROPOSED, M.DECIDED})
MEASURE_IN_PROGRESS = frozenset({M.IN_PROGRESS})
MEASURE_DONE = frozenset({M.DONE, M.VERIFIED})
MEASURE_CANCELLED = frozenset({M.CANCELLED})
MEASURE_FINISHED = MEASURE_DONE | MEASURE_CANCELLED  # never overdue
WALK_NOT_HELD = frozenset({WalkStatus.PLANNED, "cancelled"})


def is_overdue(m: Measure, today: date) -> bool:
    """True when ``m`` is past its due date (``due < today``) and not done, verified or
    cancelled.  On the due date itself a measure is not yet overdue."""
    return m.due is not None and m.due < today and m.status not in MEASURE_FINISHED


@dataclass(frozen=True, slots=True)
class Figures:
    """The progress figures of one activity (or promise, or medborgarlöfte) in one place.

    ``observations`` linked in the period, of which ``resolved`` (resolved/verified),
    ``closed`` (closed without a measure) and ``positive`` (positive places);
    ``resolved_share`` = resolved / (observations − positive), None when nothing to resolve
    is linked.  Measures by status group; ``measures_overdue`` is a subset of planned and in
    progress.  ``walks`` held in the period.
    """
    observations: int = 0
    resolved: int = 0
    closed: int = 0
    positive: int = 0
    resolved_share: float | None = None
    measures_planned: int = 0
    measures_in_progress: int = 0
    measures_done: int = 0
    measures_cancelled: int = 0
    measures_overdue: int = 0
    walks: int = 0

    def empty(self) -> bool:
        """Nothing to report: no observation, measure or walk (the table hides such rows)."""
        return not (self.observations or self.measures_planned or self.measures_in_progress
                    or self.measures_done or self.measures_cancelled or self.measures_overdue
                    or self.walks)


@dataclass(frozen=True, slots=True)
class Since:
    """What counts per activity "since the last meeting" (see the module docstring).

    ``start``..``end``: the local dates of the window (the day after the meeting up to and
    including today; walks held on these days count).  ``new``: ids of the observations new
    since (counted as ``observations``); ``resolved``: ids resolved since; ``measures``: ids
    of the measures made or whose status changed since.
    """
    start: date
    end: date
    new: frozenset[int] = frozenset()
    resolved: frozenset[int] = frozenset()
    measures: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class PromisePart:
    """One part of a medborgarlöfte — the whole, a promise or an activity — with its figures
    (:func:`geo.meeting.progress_rows` makes the printed table's lines from these).

    ``kind`` is "medborgarlofte", "promise" or "activity"; ``number`` the activity's
    "promise.activity" number ("1.6"), the promise's ordinal ("1"), or "" for the whole;
    ``by_district`` pairs a district id (None: outside the promise's districts) with its
    figures, in the report's district order.
    """
    kind: str
    id: str
    number: str
    text: str
    total: Figures
    by_district: tuple[tuple[str | None, Figures], ...]

    def district(self, district_id: str | None) -> Figures:
        """The figures of one district (all zero when it has none)."""
        return next((f for d, f in self.by_district if d == district_id), Figures())


@dataclass(frozen=True, slots=True)
class ProgressReport:
    """One medborgarlöfte's progress: over the promise's period, or with ``window`` since the
    last meeting (:attr:`period_start`..:attr:`period_end` is the one counted)."""
    medborgarlofte: Medborgarlofte
    today: date
    district_ids: tuple[str, ...]
    total: PromisePart
    promises: tuple[PromisePart, ...]
    activities: tuple[PromisePart, ...]
    window: Since | None = None

    @property
    def medborgarlofte_id(self) -> str:
        return self.medborgarlofte.id

    @property
    def title(self) -> str:
        return self.medborgarlofte.title

    @property
    def since(self) -> bool:
        """True when the figures are those since the last meeting."""
        return self.window is not None

    @property
    def period_start(self) -> date:
        return self.window.start if self.window is not None else self.medborgarlofte.period_start

    @property
    def period_end(self) -> date:
        return self.window.end if self.window is not None else self.medborgarlofte.period_end

    def activity(self, activity_id: str) -> PromisePart:
        for row in self.activities:
            if row.id == activity_id:
                return row
        raise KeyError(activity_id)


_Rows = tuple[list[Observation], list[Measure], list[Walk]]  # one bucket: what is counted


def _figures(obs: list[Observation], measures: list[Measure], walks: list[Walk],
             positive: frozenset[str], today: date, since: Since | None = None) -> Figures:
    overdue = sum(is_overdue(m, today) for m in measures)
    if since is not None:
        resolved = sum(o.id in since.resolved for o in obs)
        obs = [o for o in obs if o.id in since.new]
        measures = [m for m in measures if m.id in since.measures]
    else:
        resolved = sum(o.status in DONE_OBSERVATION and o.category not in positive for o in obs)
    n_pos = sum(o.category in positive for o in obs)
    problems = len(obs) - n_pos
    return Figures(
        observations=len(obs), resolved=resolved,
        closed=sum(o.status == "closed" for o in obs), positive=n_pos,
        resolved_share=resolved / problems if problems and since is None else None,
        measures_planned=sum(m.status in MEASURE_PLANNED for m in measures),
        measures_in_progress=sum(m.status in MEASURE_IN_PROGRESS for m in measures),
        measures_done=sum(m.status in MEASURE_DONE for m in measures),
        measures_cancelled=sum(m.status in MEASURE_CANCELLED for m in measures),
        measures_overdue=overdue, walks=len(walks))


def _district_key(keys: Sequence[str], districts: Districts) -> dict[str, str]:
    """Map every district id to the report district it is counted under (exact ids first,
    then the parts of each; the first key listed wins a part claimed twice)."""
    mapping = {k: k for k in keys}
    for k in keys:
        for member in districts.family(k):
            mapping.setdefault(member, k)
    return mapping


def promise_progress(catalog: Catalog, observations: Iterable[Observation],
                     measures: Iterable[Measure], walks: Iterable[Walk], *,
                     medborgarlofte_id: str, district_ids: Iterable[str] | None = None,
                     today: date, districts: Districts | None = None,
                     since: Since | None = None) -> ProgressReport:
    """Progress of one medborgarlöfte, per promise and activity, per district and in total.

    See the module docstring for what each figure counts.  ``districts`` defaults to the
    boundaries in ``data/`` (used only to roll parts of a district into it).  With ``since``
    the figures are those since the last meeting instead of the promise's period.  Raises
    KeyError for an unknown medborgarlöfte.
    """
    ml = next((m for m in catalog.medborgarloften if m.id == medborgarlofte_id), None)
    if ml is None:
        raise KeyError(f"unknown medborgarlöfte {medborgarlofte_id!r}")
    districts = districts or load_districts()
    restricted = district_ids is not None
    keys = tuple(district_ids) if district_ids is not None else ml.districts
    where = _district_key(keys, districts)
    positive = frozenset(c.id for c in catalog.categories if c.positive)
    activity_ids = {a.id for a in ml.activities()}

    def place(district_id: str | None) -> tuple[bool, str | None]:
        key = where.get(district_id) if district_id is not None else None
        return (key is not None or not restricted), key

    first, last = (since.start, since.end) if since is not None else (ml.period_start, ml.period_end)

    def in_period(d: date) -> bool:
        return first <= d <= last

    def counted(o: Observation) -> bool:
        if since is not None:  # new since, or resolved since whenever it was seen
            return o.id in since.new or o.id in since.resolved
        return in_period(o.observed_at.astimezone(STOCKHOLM).date())

    # (activity, district key) -> rows
    rows: dict[tuple[str, str | None], _Rows] = {}

    def bucket(activity_id: str | None, district_id: str | None) -> _Rows | None:
        if activity_id not in activity_ids:
            return None
        keep, key = place(district_id)
        return rows.setdefault((activity_id, key), ([], [], [])) if keep else None

    for o in observations:
        if getattr(o, "merged_into", None) is not None:
            continue
        if counted(o) and (b := bucket(o.activity_id, o.district_id)) is not None:
            b[0].append(o)
    for m in measures:
        if (b := bucket(m.activity_id, m.district_id)) is not None:
            b[1].append(m)
    for w in walks:
        if (w.status not in WALK_NOT_HELD and in_period(w.starts_at.astimezone(STOCKHOLM).date())
                and (b := bucket(w.activity_id, w.district_id)) is not None):
            b[2].append(w)

    order = list(keys) + ([None] if any(k is None for _a, k in rows) else [])

    def row(kind: str, ident: str, number: str, text: str, acts: set[str]) -> PromisePart:
        def figures(selected: list[str | None]) -> Figures:
            o: list[Observation] = []
            m: list[Measure] = []
            w: list[Walk] = []
            for (a, k), (ro, rm, rw) in rows.items():
                if a in acts and k in selected:
                    o += ro
                    m += rm
                    w += rw
            return _figures(o, m, w, positive, today, since)
        return PromisePart(kind, ident, number, text, figures(order),
                           tuple((k, figures([k])) for k in order))

    activities, promises = [], []
    for p in ml.promises:
        promises.append(row("promise", p.id, str(p.ordinal), p.title or p.text,
                            {a.id for a in p.activities}))
        for a in p.activities:
            activities.append(row("activity", a.id, f"{p.ordinal}.{a.ordinal}", a.text, {a.id}))
    return ProgressReport(
        medborgarlofte=ml, today=today, district_ids=tuple(keys),
        total=row("medborgarlofte", ml.id, "", ml.title, activity_ids),
        promises=tuple(promises), activities=tuple(activities), window=since)


def activity_labels(catalog: Catalog, lang: str, width: int = 70) -> dict[str, str]:
    """How a person sees an activity: its number and text in ``lang``, cut at ``width``
    characters with "…" (``"1.6 Trygghetsvandringar på prioriterade platser – med …"``), by
    activity id.  Tables and exports show these, never the id."""
    out = {}
    for ml in catalog.medborgarloften:
        for p in ml.promises:
            for a in p.activities:
                text = " ".join(f"{p.ordinal}.{a.ordinal} {a.label(lang)}".split())
                out[a.id] = text if len(text) <= width else text[: width - 1].rstrip() + "…"
    return out
