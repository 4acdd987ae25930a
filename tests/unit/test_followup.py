"""The follow-up meeting's selections (geo/followup.py): "since the last meeting" at its exact
boundaries (the meeting day, local midnight, summer and winter time, the day summer time
ends), the re-walk comparison and the merge suggestions, with known answers and against
brute-force references for large inputs."""

from __future__ import annotations

import dataclasses
import random
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import text

from geo import crs
from geo.followup import (
    RewalkRow,
    meeting_tally,
    merge_suggestions,
    next_to_verify,
    rewalk_comparison,
    since_last_meeting,
    verify_order,
    window,
)
from geo.i18n import STOCKHOLM
from geo.model import Measure, Observation, StatusChange
from tests import factories as make

E0, N0 = 369_000.0, 6_282_000.0  # SWEREF 99 TM, in Halmstad
T0 = datetime(2019, 10, 15, 17, 0, tzinfo=UTC)


def obs(i: int, *, at: datetime = T0, created: datetime | None = None, status: str = "new",
        category: str = "belysning", e: float = 0.0, n: float = 0.0, feeling: int = 3,
        walk: int | None = 1, merged_into: int | None = None) -> Observation:
    return make.observation(i, at=at, metric=(E0 + e, N0 + n), walk_id=walk, category=category,
                            feeling=feeling, status=status, created_at=created or at,
                            updated_at=created or at, merged_into=merged_into)


def measure(i: int, status: str, due: date | None = None, answers: tuple[int, ...] = ()) -> Measure:
    return make.measure(i, at=T0, title=f"m{i}", status=status, due=due, observation_ids=answers)


def change(i: int, entity_id: int, to: str, at: datetime,
           entity: str = "observation") -> StatusChange:
    return StatusChange(id=i, entity=entity, entity_id=entity_id, from_status=None, to_status=to,
                        actor="t", at=at, comment="")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --------------------------------------------------------------------------- the window


@pytest.mark.parametrize(("meeting", "start_utc"), [
    (date(2019, 10, 15), utc(2019, 10, 15, 22)),  # summer time, UTC+2
    (date(2019, 12, 10), utc(2019, 12, 10, 23)),  # winter time, UTC+1
    (date(2019, 10, 26), utc(2019, 10, 26, 22)),  # the night summer time ends (27 Oct, 03:00)
    (date(2019, 10, 27), utc(2019, 10, 27, 23)),  # the day it ended
    (date(2019, 3, 30), utc(2019, 3, 30, 23)),  # the night summer time starts (31 Mar, 02:00)
    (date(2019, 3, 31), utc(2019, 3, 31, 22)),
])
def test_the_window_starts_at_local_midnight_after_the_meeting(meeting, start_utc):
    start, end = window(meeting, meeting)
    assert start == start_utc
    assert start.astimezone(STOCKHOLM).time().isoformat() == "00:00:00"
    assert end == start  # the meeting day alone: nothing is "since"


def test_the_window_refuses_a_meeting_after_today():
    with pytest.raises(ValueError, match="before the last meeting"):
        window(date(2019, 10, 15), date(2019, 10, 14))


# --------------------------------------------------------------------------- since the last meeting
MEETING, TODAY = date(2019, 10, 15), date(2019, 11, 30)


def run(observations=(), measures=(), history=(), **kw):
    return since_last_meeting(list(observations), list(measures), list(history),
                              last_meeting=kw.pop("last_meeting", MEETING),
                              today=kw.pop("today", TODAY), **kw)


def test_new_at_the_boundaries_in_summer_time():
    found = run([
        obs(1, at=utc(2019, 10, 15, 21, 59, 59)),  # 23:59:59 on the meeting day: known
        obs(2, at=utc(2019, 10, 15, 22, 0, 0)),  # 00:00:00 the day after: new
        obs(3, at=datetime(2019, 10, 15, 10, 0, tzinfo=STOCKHOLM)),  # the meeting's morning
        obs(4, at=utc(2019, 10, 10, 17), created=utc(2019, 10, 20, 9)),  # typed in afterwards
        obs(5, at=utc(2019, 11, 30, 22, 59, 59)),  # 23:59:59 local on "today" (winter): in
        obs(6, at=utc(2019, 11, 30, 23, 0, 0)),  # 1 December local: after today
        obs(7, at=utc(2019, 10, 20), merged_into=2),  # merged into pin 2: left out
    ]).new
    assert [o.id for o in found] == [2, 4, 5]


def test_new_at_the_boundaries_in_winter_time():
    found = run([obs(1, at=utc(2019, 12, 10, 22, 59, 59)), obs(2, at=utc(2019, 12, 10, 23))],
                last_meeting=date(2019, 12, 10), today=date(2019, 12, 31)).new
    assert [o.id for o in found] == [2]


def test_new_across_the_end_of_summer_time():
    # meeting on Saturday 26 Oct 2019; clocks go back at 03:00 on Sunday the 27th
    found = run([obs(1, at=utc(2019, 10, 26, 21, 59, 59)), obs(2, at=utc(2019, 10, 26, 22)),
                 obs(3, at=utc(2019, 10, 27, 0, 30)), obs(4, at=utc(2019, 10, 27, 1, 30))],
                last_meeting=date(2019, 10, 26), today=date(2019, 10, 27)).new
    assert [o.id for o in found] == [2, 3, 4]  # 01:30 UTC is 02:30 local, summer or winter


def test_naive_times_are_refused():
    naive = dataclasses.replace(obs(1), observed_at=datetime(2019, 10, 20, 12))
    with pytest.raises(ValueError, match="naive"):
        run([naive])


def test_resolved_since_comes_from_the_history():
    observations = [obs(10, status="resolved"), obs(11, status="resolved"),
                    obs(12, status="verified"), obs(13, status="assessed"),
                    obs(14, status="resolved"), obs(15, status="new")]
    history = [
        change(1, 10, "resolved", utc(2019, 10, 15, 21, 59, 59)),  # on the meeting day
        change(2, 11, "resolved", utc(2019, 10, 15, 22)),  # the first instant after
        change(3, 12, "resolved", utc(2019, 9, 1)),
        change(4, 12, "verified", utc(2019, 11, 1)),  # verified since: listed
        change(5, 13, "resolved", utc(2019, 10, 20)),
        change(6, 13, "assessed", utc(2019, 10, 25)),  # reopened: not listed
        change(7, 14, "resolved", utc(2019, 11, 30, 23)),  # after today
        change(8, 15, "done", utc(2019, 11, 1), entity="measure"),  # a measure's history
        change(9, 15, "verified", utc(2019, 11, 1), entity="measure"),
    ]
    assert [o.id for o in run(observations, history=history).resolved] == [11, 12]


def test_overdue_undecided_and_proposed():
    observations = [
        obs(1, status="new"),  # no measure: waits
        obs(2, status="assessed"),  # answered by a proposed measure: the measure waits instead
        obs(3, status="assessed"),  # only a cancelled measure: waits again
        obs(4, status="measure_planned"),  # decided
        obs(5, status="assessed", category="trygg_plats"),  # a positive place
        obs(6, status="closed"),
    ]
    measures = [
        measure(1, "proposed", date(2019, 11, 29), answers=(2,)),  # overdue (day after due)
        measure(2, "decided", TODAY),  # due today: not overdue
        measure(3, "cancelled", date(2019, 1, 1), answers=(3,)),
        measure(4, "in_progress", date(2019, 11, 1)),  # overdue
        measure(5, "done", date(2019, 11, 1)),
        measure(6, "verified", date(2019, 11, 1)),
        measure(7, "proposed"),
    ]
    found = run(observations, measures)
    assert [m.id for m in found.overdue] == [1, 4]
    assert [m.id for m in found.proposed] == [1, 7]
    assert [o.id for o in found.undecided] == [1, 3, 5]
    found = run(observations, measures, positive_categories={"trygg_plats"})
    assert [o.id for o in found.undecided] == [1, 3]


def test_an_empty_meeting():
    found = run()
    assert (found.new, found.resolved, found.overdue, found.undecided, found.proposed) == (
        (), (), (), (), ())
    assert found.start == utc(2019, 10, 15, 22) and found.end == utc(2019, 11, 30, 23)


def test_since_the_last_meeting_on_the_demo(demo_store):
    """Resolved since 1 Dec 2019 on the demo, against the history rows read with SQL."""
    store = demo_store
    observations = store.observations()
    history = [h for o in observations for h in store.history("observation", o.id)]
    found = since_last_meeting(observations, store.measures(), history,
                               last_meeting=date(2019, 12, 1), today=date(2020, 6, 30))
    cut, end = utc(2019, 12, 1, 23), utc(2020, 6, 30, 22)
    with store.engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT s.entity_id, s.at, o.status FROM status_change s JOIN observation o "
            "ON o.id = s.entity_id WHERE s.entity = 'observation' "
            "AND s.to_status IN ('resolved', 'verified')")).all()
    expected = set()
    for oid, at, status in rows:
        at = (datetime.fromisoformat(at) if isinstance(at, str) else at).replace(tzinfo=UTC)
        if cut <= at < end and status in ("resolved", "verified"):
            expected.add(oid)
    assert expected and {o.id for o in found.resolved} == expected
    # the re-walk in Andersberg (3 Dec 2019) is new since the meeting; the first walk is not
    walk_ids = {o.walk_id for o in found.new}
    assert walk_ids == {store.walk_by_slug("andersberg-2019-12-03").id}


# --------------------------------------------------------------------------- the re-walk


def test_rewalk_known_answers():
    earlier = [obs(1, e=0, feeling=4), obs(2, e=200, feeling=3), obs(3, e=400, feeling=2),
               obs(4, e=600, feeling=5)]
    later = [obs(11, e=30, feeling=2, walk=2), obs(12, n=39, feeling=3, walk=2),
             obs(13, e=241, feeling=1, walk=2), obs(14, e=400, n=10, feeling=5, walk=2),
             obs(15, e=600, feeling=1, walk=2, merged_into=14)]
    rows = rewalk_comparison(earlier, later)
    assert rows == [
        RewalkRow(1, "belysning", 4, True, (11, 12), 2.5, -1.5),
        RewalkRow(2, "belysning", 3, False, (), None, None),  # 41 m away
        RewalkRow(3, "belysning", 2, True, (14,), 5.0, 3.0),
        RewalkRow(4, "belysning", 5, False, (), None, None),  # only a merged pin there
    ]
    wider = rewalk_comparison(earlier, later, radius_m=45)
    assert wider[1].later_ids == (13,) and wider[1].change == -2.0


def test_rewalk_keeps_the_earlier_order_and_handles_empty_walks():
    earlier = [obs(3, e=400), obs(1), obs(2, e=200)]
    assert [r.observation_id for r in rewalk_comparison(earlier, [obs(9, walk=2)])] == [3, 1, 2]
    assert rewalk_comparison([], [obs(9)]) == []
    assert [r.flagged_again for r in rewalk_comparison(earlier, [])] == [False] * 3
    with pytest.raises(ValueError, match="radius_m"):
        rewalk_comparison(earlier, [], radius_m=-1)


def test_rewalk_matches_brute_force_on_a_large_input():
    rng = random.Random(7)
    earlier = [obs(i, e=rng.uniform(0, 3000), n=rng.uniform(0, 3000), feeling=rng.randint(1, 5))
               for i in range(2500)]
    later = [obs(10_000 + i, e=rng.uniform(0, 3000), n=rng.uniform(0, 3000),
                 feeling=rng.randint(1, 5), walk=2) for i in range(2500)]
    rows = rewalk_comparison(earlier, later, radius_m=40)
    ea = np.array([crs.to_metric(o.lon, o.lat) for o in earlier])
    la = np.array([crs.to_metric(o.lon, o.lat) for o in later])
    d = np.hypot(ea[:, None, 0] - la[None, :, 0], ea[:, None, 1] - la[None, :, 1])
    feel = np.array([o.feeling for o in later], dtype=float)
    assert sum(r.flagged_again for r in rows) > 100  # the test exercises both answers
    for k, row in enumerate(rows):
        near = np.flatnonzero(d[k] <= 40)
        assert row.later_ids == tuple(later[j].id for j in near)
        if len(near):
            assert row.change == pytest.approx(feel[near].mean() - earlier[k].feeling)
        else:
            assert row.change is None


# --------------------------------------------------------------------------- merge suggestions


def test_merge_suggestions_known_answers():
    pins = [
        obs(7, e=20, category="belysning"),  # a chain: 7 - 3 - 1 (1 and 7 are 20 m apart)
        obs(1, e=0, category="belysning"),
        obs(3, e=10, category="belysning"),
        obs(2, e=5, category="klotter"),  # another category at the same spot
        obs(5, e=100, category="klotter"),
        obs(4, e=112, category="klotter"),
        obs(8, e=200, category="belysning"),
        obs(9, e=216, category="belysning"),  # 16 m: too far
        obs(6, e=1, category="belysning", walk=2),  # another walk
        obs(10, e=2, category="belysning", merged_into=1),  # already merged
    ]
    assert merge_suggestions(pins) == [(1, 3, 7), (4, 5)]
    assert merge_suggestions(list(reversed(pins))) == [(1, 3, 7), (4, 5)]
    assert merge_suggestions(pins, radius_m=16.5) == [(1, 3, 7), (4, 5), (8, 9)]
    assert merge_suggestions([]) == [] and merge_suggestions(pins[:1]) == []


def test_merge_suggestions_match_brute_force_components():
    rng = random.Random(11)
    pins = [obs(i, e=rng.uniform(0, 800), n=rng.uniform(0, 800),
                category=rng.choice(["belysning", "klotter", "vegetation"]),
                walk=rng.choice([1, 2])) for i in range(1500)]
    xy = np.array([crs.to_metric(o.lon, o.lat) for o in pins])
    d = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
    same = np.array([[(a.walk_id, a.category) == (b.walk_id, b.category) for b in pins]
                     for a in pins])
    adjacent = (d <= 15) & same
    label = list(range(len(pins)))
    for k in range(len(pins)):  # plain flood fill
        if label[k] != k:
            continue
        stack = [k]
        while stack:
            x = stack.pop()
            for y in np.flatnonzero(adjacent[x]):
                if label[y] == y and y != k and y > k:
                    label[y] = k
                    stack.append(y)
    groups: dict[int, list[int]] = {}
    for k, lab in enumerate(label):
        groups.setdefault(lab, []).append(pins[k].id)
    expected = sorted(tuple(sorted(g)) for g in groups.values() if len(g) >= 2)
    assert len(expected) > 20
    assert merge_suggestions(pins) == expected


def test_the_window_spans_days_in_local_time():
    start, end = window(date(2019, 10, 26), date(2019, 10, 28))
    assert end - start == timedelta(days=2, hours=1)  # the night summer time ended is 25 h


# --------------------------------------------------------------------------- safe places


def test_safe_places_are_no_problems_but_guldkorn():
    observations = [
        obs(1, at=utc(2019, 10, 20), category="trygg_plats"),  # new safe place: guldkorn only
        obs(2, at=utc(2019, 9, 1), category="trygg_plats", status="resolved"),  # older, resolved
        obs(3, at=utc(2019, 9, 1), category="trygg_plats", status="closed"),  # closed: not listed
        obs(4, at=utc(2019, 12, 1), category="trygg_plats"),  # after "today": not yet
        obs(5, at=utc(2019, 10, 20)),  # a problem
        obs(6, at=utc(2019, 10, 20), category="trygg_plats", merged_into=1),
    ]
    history = [change(1, 2, "resolved", utc(2019, 11, 1))]
    found = run(observations, history=history, positive_categories={"trygg_plats"})
    assert [o.id for o in found.new] == [5]
    assert found.resolved == ()
    assert [o.id for o in found.undecided] == [5]
    assert [o.id for o in found.guldkorn] == [1, 2]
    plain = run(observations, history=history)  # no positive categories given: all are problems
    assert [o.id for o in plain.new] == [1, 5] and plain.guldkorn == ()


# --------------------------------------------------------------------------- verifying


def test_verify_order_and_the_next_spot():
    spots = [obs(1, status="resolved"), obs(2, status="verified"), obs(3, status="closed"),
             obs(4, status="resolved"), obs(5, status="new"), obs(6, status="resolved"),
             obs(7, status="resolved", merged_into=1)]
    order = verify_order(spots)
    # resolved first (newest first), then verified; closed spots are reopened at triage
    assert [o.id for o in order] == [6, 4, 1, 2]
    assert next_to_verify(order, 6) == 4 and next_to_verify(order, 4) == 1
    assert next_to_verify(order, 1) == 6  # from the start again
    assert next_to_verify(order, 2) == 6  # after a verified one: the first resolved
    assert next_to_verify([o for o in order if o.id == 6], 6) is None
    assert next_to_verify(order, 99) == 6


# --------------------------------------------------------------------------- the tally


def test_the_tally_holds_every_figure_and_the_progress_since_the_meeting():
    from geo import catalog

    a6 = "halmstad-2019.1.6"
    observations = [dataclasses.replace(o, activity_id=a6) for o in [
        obs(1, at=utc(2019, 10, 20)),  # new
        obs(2, at=utc(2019, 9, 1), status="resolved"),  # resolved since
        obs(3, at=utc(2019, 10, 20), category="trygg_plats"),  # guldkorn
        obs(4, at=utc(2019, 9, 1), status="assessed"),  # undecided, not new
    ]]
    measures = [
        dataclasses.replace(measure(1, "proposed", answers=()), activity_id=a6,
                            created_at=utc(2019, 10, 20)),  # made since
        dataclasses.replace(measure(4, "proposed", answers=()), activity_id=a6),  # on the meeting day
        dataclasses.replace(measure(2, "done", answers=(2,)), activity_id=a6,
                            created_at=utc(2019, 9, 1)),  # done since (history)
        dataclasses.replace(measure(3, "in_progress", date(2019, 11, 1)), activity_id=a6,
                            created_at=utc(2019, 9, 1)),  # overdue, not moved since
    ]
    history = [change(1, 2, "resolved", utc(2019, 11, 2)),
               change(2, 2, "done", utc(2019, 11, 2), entity="measure")]
    tally = meeting_tally(observations, measures, [], history, catalog=catalog.load(),
                          last_meeting=MEETING, today=TODAY, municipality_id="halmstad",
                          district_ids=["andersberg"])
    assert tally.figures() == {"new": 1, "resolved": 1, "overdue": 1, "waiting": 4, "undecided": 2,
                               "proposed": 2, "guldkorn": 1}
    assert tally.waiting == 4 and tally.resolved_at == {2: utc(2019, 11, 2)}
    assert [p.medborgarlofte_id for p in tally.promise] == ["halmstad-2019", "halmstad-2017"]
    since = tally.since[0].activity(a6).total
    assert (since.observations, since.resolved, since.measures_planned, since.measures_in_progress,
            since.measures_done, since.measures_overdue) == (1, 1, 1, 0, 1, 1)
    assert (tally.since[0].period_start, tally.since[0].period_end) == (date(2019, 10, 16), TODAY)
    promise = tally.promise[0].activity(a6).total
    assert (promise.observations, promise.positive, promise.measures_in_progress) == (4, 1, 1)
