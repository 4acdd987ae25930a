"""Promise progress (geo/progress.py): a hand-made set with answers worked out by hand, the
period's and the due date's boundaries, an empty promise, and Halmstad 2019 on the demo data
checked against counts made here from the database's own rows and from demo.json."""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import text

from geo import catalog, demo
from geo.i18n import STOCKHOLM
from geo.model import Measure, Observation, Walk
from geo.progress import Figures, ProgressReport, Since, activity_labels, is_overdue, promise_progress
from tests import factories as make

ML = "halmstad-2019"
A4, A6 = "halmstad-2019.1.4", "halmstad-2019.1.6"
OTHER = "halmstad-2017.1.1"  # another medborgarlöfte's activity: never counted here
T0 = datetime(2019, 10, 15, 19, 0, tzinfo=STOCKHOLM)
TODAY = date(2020, 2, 15)


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=STOCKHOLM)


def obs(i: int, activity: str | None, district: str | None, status: str = "new",
        category: str = "belysning", at: datetime = T0,
        merged_into: int | None = None) -> Observation:
    return make.observation(i, at=at, walk_id=None, district_id=district, activity_id=activity,
                            status=status, category=category, merged_into=merged_into)


def measure(i: int, activity: str | None, district: str | None, status: str,
            due: date | None = None) -> Measure:
    return make.measure(i, at=T0, title=f"m{i}", district_id=district, activity_id=activity,
                        status=status, due=due)


def walk(i: int, activity: str | None, district: str, status: str, starts: datetime) -> Walk:
    return Walk(id=i, slug=f"w{i}", district_id=district, activity_id=activity, title="",
                starts_at=starts, ends_at=None, meeting_point="", groups=(), leader="",
                participants=None, status=status, route=None, is_demo=False)


# --------------------------------------------------------------------------- the hand-made set
OBSERVATIONS = [
    obs(1, A6, "andersberg", "resolved"),
    obs(2, A6, "andersberg", "verified"),
    obs(3, A6, "andersberg", "closed"),  # closed without a measure: not resolved
    obs(4, A6, "andersberg", "assessed", category="trygg_plats"),  # positive place
    obs(5, A6, "vallas-ostra", "new"),  # a part of Vallås
    obs(6, A6, "vallas-vastra", "resolved"),
    obs(7, A4, "andersberg", "measure_planned"),
    # 2019-12-31 23:30 UTC is already 1 January 2020 in Sweden: outside the period
    obs(8, A6, "andersberg", "resolved", at=datetime(2019, 12, 31, 23, 30, tzinfo=UTC)),
    # 2018-12-31 23:30 UTC is 1 January 2019 00:30 in Sweden: inside
    obs(9, A6, "andersberg", "new", at=datetime(2018, 12, 31, 23, 30, tzinfo=UTC)),
    obs(10, A6, "andersberg", "new", at=local(2018, 12, 31, 23, 30)),  # before the period
    obs(11, OTHER, "andersberg", "resolved"),
    obs(12, None, "andersberg", "resolved"),
    obs(13, A6, None, "new"),  # in no district
    obs(14, A6, "almhult", "assessed"),  # outside the promise's districts
    obs(15, A6, "andersberg", "resolved", merged_into=1),  # merged into pin 1: hidden
]
MEASURES = [
    measure(1, A6, "andersberg", "proposed", date(2020, 2, 14)),  # overdue
    measure(2, A6, "andersberg", "decided", TODAY),  # due today: not yet overdue
    measure(3, A6, "vallas-ostra", "in_progress", date(2020, 1, 1)),  # overdue
    measure(4, A6, "andersberg", "done", date(2019, 12, 1)),
    measure(5, A6, "vallas", "verified"),
    measure(6, A6, "andersberg", "cancelled", date(2019, 11, 1)),
    measure(7, A4, "halmstad-centrum-ostra", "proposed"),
    measure(8, OTHER, "andersberg", "proposed", date(2019, 1, 1)),
    measure(9, None, "andersberg", "in_progress", date(2019, 1, 1)),
    measure(10, A6, None, "in_progress", date(2020, 2, 16)),
]
WALKS = [
    walk(1, A6, "andersberg", "closed", local(2019, 10, 15, 19)),
    walk(2, A6, "vallas", "open", local(2019, 10, 22, 18, 30)),
    walk(3, A6, "halmstad-centrum", "planned", local(2019, 11, 12, 19)),  # not held
    walk(4, A6, "andersberg", "closed", local(2020, 1, 1, 0, 30)),  # after the period
    walk(5, A4, "halmstad-centrum", "closed", local(2019, 12, 31, 23, 30)),
    walk(6, OTHER, "andersberg", "closed", local(2018, 10, 1, 19)),
    walk(7, A6, "andersberg", "closed", local(2019, 1, 1, 0, 0)),  # exactly the first instant
]


def report(**kw) -> ProgressReport:
    kw.setdefault("today", TODAY)
    return promise_progress(catalog.load(), OBSERVATIONS, MEASURES, WALKS,
                            medborgarlofte_id=ML, **kw)


def test_activity_totals_worked_out_by_hand():
    r = report()
    assert r.activity(A6).total == Figures(
        observations=9, resolved=3, closed=1, positive=1, resolved_share=3 / 8,
        measures_planned=2, measures_in_progress=2, measures_done=2, measures_cancelled=1,
        measures_overdue=2, walks=3)
    assert r.activity(A4).total == Figures(
        observations=1, resolved=0, resolved_share=0.0, measures_planned=1, walks=1)
    assert r.activity("halmstad-2019.1.1").total == Figures()  # nothing linked


def test_the_whole_promise_and_its_promises():
    r = report()
    expected = Figures(observations=10, resolved=3, closed=1, positive=1, resolved_share=3 / 9,
                       measures_planned=3, measures_in_progress=2, measures_done=2,
                       measures_cancelled=1, measures_overdue=2, walks=4)
    assert r.total.total == expected
    assert [p.total for p in r.promises] == [expected]  # Halmstad 2019 has one promise
    assert (r.medborgarlofte_id, r.period_start, r.period_end) == (
        ML, date(2019, 1, 1), date(2019, 12, 31))
    assert [a.number for a in r.activities] == [f"1.{n}" for n in range(1, 8)]
    assert r.total.kind == "medborgarlofte" and r.activities[0].kind == "activity"


def test_per_district_parts_roll_up_and_the_rest_is_kept_apart():
    a6 = report().activity(A6)
    assert [d for d, _ in a6.by_district] == ["andersberg", "vallas", "halmstad-centrum", None]
    assert a6.district("andersberg") == Figures(
        observations=5, resolved=2, closed=1, positive=1, resolved_share=2 / 4,
        measures_planned=2, measures_done=1, measures_cancelled=1, measures_overdue=1, walks=2)
    assert a6.district("vallas") == Figures(
        observations=2, resolved=1, resolved_share=0.5, measures_in_progress=1, measures_done=1,
        measures_overdue=1, walks=1)
    assert a6.district("halmstad-centrum") == Figures()
    assert a6.district(None) == Figures(observations=2, resolved_share=0.0, measures_in_progress=1)
    a4 = report().activity(A4)
    assert a4.district("halmstad-centrum") == Figures(measures_planned=1, walks=1)


def test_districts_add_up_to_the_total():
    for row in (report().total, *report().activities):
        for f in dataclasses.fields(Figures):
            if f.name != "resolved_share":
                parts = sum(getattr(x, f.name) for _, x in row.by_district)
                assert parts == getattr(row.total, f.name)


def test_chosen_districts_count_only_what_lies_in_them():
    r = report(district_ids=["vallas"])
    assert r.district_ids == ("vallas",)
    a6 = r.activity(A6)
    assert [d for d, _ in a6.by_district] == ["vallas"]
    assert a6.total == a6.district("vallas") == Figures(
        observations=2, resolved=1, resolved_share=0.5, measures_in_progress=1, measures_done=1,
        measures_overdue=1, walks=1)
    # a part alone: the walk in "Vallås" as a whole is not in Vallås östra
    ostra = report(district_ids=["vallas-ostra"]).activity(A6).total
    assert ostra == Figures(observations=1, resolved_share=0.0, measures_in_progress=1,
                            measures_overdue=1)


@pytest.mark.parametrize(("today", "overdue"), [
    (date(2020, 1, 1), False),  # the due date itself
    (date(2020, 1, 2), True),  # the day after
    (date(2019, 12, 31), False),
])
def test_overdue_on_the_due_date_and_the_day_after(today, overdue):
    m = measure(1, A6, "andersberg", "decided", date(2020, 1, 1))
    assert is_overdue(m, today) is overdue
    for finished in ("done", "verified", "cancelled"):
        assert not is_overdue(dataclasses.replace(m, status=finished), date(2030, 1, 1))
    assert not is_overdue(dataclasses.replace(m, due=None), date(2030, 1, 1))
    r = promise_progress(catalog.load(), [], [m], [], medborgarlofte_id=ML, today=today)
    assert r.activity(A6).total.measures_overdue == int(overdue)


def test_overdue_follows_today():
    assert report(today=date(2020, 2, 16)).activity(A6).total.measures_overdue == 3  # + m2
    assert report(today=date(2020, 2, 17)).activity(A6).total.measures_overdue == 4  # + m10
    assert report(today=date(2019, 12, 31)).activity(A6).total.measures_overdue == 0


def test_an_empty_promise():
    r = promise_progress(catalog.load(), [], [], [], medborgarlofte_id="hallsberg-2019",
                         today=TODAY)
    assert r.total.total == Figures() and r.total.total.resolved_share is None
    assert all(a.total == Figures() for a in r.activities)
    assert [d for d, _ in r.total.by_district] == ["hallsberg"]
    # Halmstad's data says nothing about another medborgarlöfte
    other = promise_progress(catalog.load(), OBSERVATIONS, MEASURES, WALKS,
                             medborgarlofte_id="almhult-2018", today=TODAY)
    assert other.total.total == Figures()


def test_a_promise_without_activities():
    cat = catalog.load()
    bare = dataclasses.replace(cat.medborgarloften[0], promises=())
    cat = dataclasses.replace(cat, medborgarloften=(bare,))
    r = promise_progress(cat, OBSERVATIONS, MEASURES, WALKS, medborgarlofte_id=bare.id,
                         today=TODAY)
    assert r.activities == () and r.promises == () and r.total.total == Figures()


def test_only_positive_places_linked_gives_no_share():
    r = promise_progress(catalog.load(), [obs(1, A6, "andersberg", category="trygg_plats")],
                         [], [], medborgarlofte_id=ML, today=TODAY)
    assert r.activity(A6).total == Figures(observations=1, positive=1, resolved_share=None)


def test_unknown_medborgarlofte():
    with pytest.raises(KeyError, match="nope"):
        promise_progress(catalog.load(), [], [], [], medborgarlofte_id="nope", today=TODAY)


# --------------------------------------------------------------------------- the demo data

def _utc(value) -> datetime:
    value = datetime.fromisoformat(value) if isinstance(value, str) else value
    return value.replace(tzinfo=UTC)


def _independent(store, today: date) -> dict[tuple[str, str], dict[str, int]]:
    """Halmstad 2019's figures per (activity, top district), counted here with SQL rows and a
    plain loop (no geo.progress, no Store read methods)."""
    with store.engine.connect() as conn:
        parent = dict(conn.execute(text("SELECT id, parent_id FROM district")).all())
        positive = {r[0] for r in conn.execute(text("SELECT id FROM category WHERE positive"))}
        obs_rows = conn.execute(text(
            "SELECT activity_id, district_id, status, category_id, observed_at FROM observation "
            "WHERE activity_id LIKE 'halmstad-2019.%' AND merged_into IS NULL")).all()
        m_rows = conn.execute(text("SELECT activity_id, district_id, status, due FROM measure "
                                   "WHERE activity_id LIKE 'halmstad-2019.%'")).all()
        w_rows = conn.execute(text("SELECT activity_id, district_id, status, starts_at FROM walk "
                                   "WHERE activity_id LIKE 'halmstad-2019.%'")).all()
    out: dict[tuple[str, str], Counter] = {}

    def top(d):
        while parent.get(d):
            d = parent[d]
        return d

    for activity, district, status, category, observed in obs_rows:
        if _utc(observed).astimezone(STOCKHOLM).year != 2019:
            continue
        c = out.setdefault((activity, top(district)), Counter())
        c["observations"] += 1
        c["positive"] += category in positive
        c["resolved"] += status in ("resolved", "verified") and category not in positive
        c["closed"] += status == "closed"
    for activity, district, status, due in m_rows:
        c = out.setdefault((activity, top(district)), Counter())
        group = {"proposed": "planned", "decided": "planned", "in_progress": "in_progress",
                 "done": "done", "verified": "done", "cancelled": "cancelled"}[status]
        c["measures_" + group] += 1
        due = date.fromisoformat(due) if isinstance(due, str) else due
        c["measures_overdue"] += bool(due and due < today and group in ("planned", "in_progress"))
    for activity, district, status, starts in w_rows:
        if status in ("open", "closed") and _utc(starts).astimezone(STOCKHOLM).year == 2019:
            out.setdefault((activity, top(district)), Counter())["walks"] += 1
    return out


@pytest.mark.parametrize("today", [date(2020, 3, 1), date(2020, 7, 1)])
def test_halmstad_2019_on_the_demo_matches_an_independent_count(demo_store, today):
    store = demo_store
    r = promise_progress(catalog.load(), store.observations(), store.measures(), store.walks(),
                         medborgarlofte_id=ML, today=today)
    expected = _independent(store, today)
    assert {d for _a, d in expected} <= {"andersberg", "vallas", "halmstad-centrum"}
    fields = [f.name for f in dataclasses.fields(Figures) if f.name != "resolved_share"]
    for row in r.activities:
        for district, figures in row.by_district:
            want = expected.get((row.id, district), Counter())
            assert {f: getattr(figures, f) for f in fields} == {f: want[f] for f in fields}, \
                (row.id, district)
        total = Counter()
        for (a, _d), c in expected.items():
            if a == row.id:
                total.update(c)
        assert {f: getattr(row.total, f) for f in fields} == {f: total[f] for f in fields}
        problems = total["observations"] - total["positive"]
        assert row.total.resolved_share == (total["resolved"] / problems if problems else None)


def test_halmstad_2019_on_the_demo_matches_demo_json(demo_store):
    """The same figures straight from the demo file: observations and statuses per activity,
    measures by status, walks held."""
    store = demo_store
    r = promise_progress(catalog.load(), store.observations(), store.measures(), store.walks(),
                         medborgarlofte_id=ML, today=date(2020, 7, 1))
    data = json.loads(demo.DEMO_FILE.read_text(encoding="utf-8"))
    walk_activity = {w["slug"]: w.get("activity") for w in data["walks"]}
    linked = Counter()
    resolved = Counter()
    for place in data["places"]:
        for o in place["observations"]:
            activity = o.get("activity") or walk_activity[o["walk"]]
            linked[activity] += 1
            resolved[activity] += (o.get("status") in ("resolved", "verified")
                                   and o["category"] != "trygg_plats")
    measures = Counter((m["activity"], m["status"]) for m in data["measures"])
    held = Counter(w["activity"] for w in data["walks"] if w.get("status", "closed") != "planned")
    for row in r.activities:
        a = row.id
        assert row.total.observations == linked[a]
        assert row.total.resolved == resolved[a]
        assert row.total.measures_planned == measures[a, "proposed"] + measures[a, "decided"]
        assert row.total.measures_in_progress == measures[a, "in_progress"]
        assert row.total.measures_done == measures[a, "done"] + measures[a, "verified"]
        assert row.total.measures_cancelled == measures[a, "cancelled"]
        assert row.total.walks == held[a]
    # and the figures themselves, counted by hand from demo.json
    t = r.total.total
    assert (t.observations, t.resolved, t.positive, t.walks) == (168, 17, 14, 4)
    assert (t.measures_planned, t.measures_in_progress, t.measures_done, t.measures_cancelled,
            t.measures_overdue) == (3, 3, 5, 1, 4)
    assert r.activity(A6).total.observations == 160 and r.activity(A4).total.observations == 8


# --------------------------------------------------------------------------- since the meeting


def test_since_the_meeting_counts_the_meetings_rows():
    since = Since(start=date(2019, 10, 16), end=date(2020, 2, 15), new=frozenset({5, 9, 15}),
                  resolved=frozenset({1, 2, 8}), measures=frozenset({1, 3, 8}))
    r = report(since=since)
    assert r.since and (r.period_start, r.period_end) == (date(2019, 10, 16), date(2020, 2, 15))
    # new: 5 and 9 (whatever their date; 15 is merged); resolved since: 1, 2 and 8 (8 was
    # seen in 2020, outside the promise's period, and still counts); measures moved since:
    # 1 (proposed) and 3 (in progress); every overdue one counts (1 and 3); walks held
    # 16 Oct 2019 – 15 Feb 2020 (2 and 4: the open one in Vallås and the one on New Year's Day)
    assert r.activity(A6).total == Figures(
        observations=2, resolved=3, measures_planned=1, measures_in_progress=1,
        measures_overdue=2, walks=2, resolved_share=None)
    assert r.activity(A4).total == Figures(walks=1)  # walk 5, on New Year's Eve
    assert report().activity(A6).total.resolved == 3  # the promise's period: 1, 2 and 6


def test_empty_figures_and_activity_labels():
    assert Figures().empty() and Figures(resolved_share=None).empty()
    assert not Figures(walks=1).empty() and not Figures(measures_cancelled=1).empty()
    labels = activity_labels(catalog.load(), "sv")
    assert labels[A6].startswith("1.6 Trygghetsvandringar på prioriterade platser")
    assert len(labels[A6]) <= 70 and labels[A6].endswith("…")
    assert activity_labels(catalog.load(), "en", width=200)[A6].startswith("1.6 Safety walks")
    assert all(not v.startswith("halmstad") for v in labels.values())
