"""The loop from a pin to a resolved, verified spot in the store, on both backends: triage
after the walk (one or many pins at once), observations that follow their measures in the same
transaction with history entries naming the measure, and the follow-up's verification."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from geo.model import Actor, Role
from geo.store import Conflict, Invalid
from tests import factories as make

WHEN = datetime(2026, 10, 20, 18, 30, tzinfo=UTC)
PLANNER = Actor(role=Role.PLANNER, name="Ledare", user_id=1)
HERE = {"type": "Point", "coordinates": [12.9012, 56.6606]}


def pins(store, n=3, category="belysning"):
    return store.add_observations([make.draft(category=category, lon=12.9012 + i * 1e-4, feeling=4, observed_at=WHEN)
                                   for i in range(n)], PLANNER).ids


def measure(store, ids, status="proposed", title="Ny belysning"):
    return store.add_measure(make.measure_draft(title=title, geometry=HERE, status=status,
                                                observation_ids=tuple(ids)), PLANNER)


def statuses(store, ids):
    return [store.observation(i).status for i in ids]


def test_many_pins_are_triaged_at_once_or_none_is(store):
    a, b, c = pins(store)
    store.set_observation_statuses([a, b], "assessed", PLANNER)
    store.set_observation_statuses([c], "closed", PLANNER, reason="felanmalan", comment="Ärende 4711")
    assert statuses(store, [a, b, c]) == ["assessed", "assessed", "closed"]
    closed = store.observation(c)
    assert closed.status_reason == "felanmalan"
    last = store.history("observation", c)[-1]
    assert (last.reason, last.comment, last.measure_id) == ("felanmalan", "Ärende 4711", None)
    # c is closed: closing it again is refused, and then a and b are not closed either
    with pytest.raises(Invalid) as err:
        store.set_observation_statuses([a, c, b], "closed", PLANNER, reason="duplicate")
    assert err.value.values["id"] == c
    assert statuses(store, [a, b, c]) == ["assessed", "assessed", "closed"]


def test_closing_needs_a_known_reason(store):
    [a] = pins(store, 1)
    with pytest.raises(Invalid) as err:
        store.set_observation_statuses([a], "closed", PLANNER)
    assert err.value.errors == {"comment": "workflow.reason_required"}
    with pytest.raises(Invalid) as err:
        store.set_observation_statuses([a], "closed", PLANNER, reason="tråkigt")
    assert err.value.errors == {"reason": "workflow.unknown_reason"}
    with pytest.raises(Invalid) as err:  # "another reason" says which
        store.set_observation_statuses([a], "closed", PLANNER, reason="other")
    assert err.value.errors == {"comment": "workflow.reason_required"}
    with pytest.raises(Invalid) as err:
        store.set_observation_statuses([], "assessed", PLANNER)
    assert err.value.errors == {"observation_ids": "workflow.nothing_chosen"}
    assert statuses(store, [a]) == ["new"]


def test_people_cannot_set_what_a_measure_decides(store):
    [a] = pins(store, 1)
    with pytest.raises(Invalid) as err:
        store.set_observation_status(a, "measure_planned", PLANNER)
    assert err.value.errors == {"status": "workflow.follows_measure"}
    with pytest.raises(Invalid):
        store.set_observation_status(a, "resolved", PLANNER)


def test_the_spot_follows_its_measure_from_planned_to_resolved(store):
    a, b, other = pins(store)
    store.set_observation_statuses([a], "assessed", PLANNER)
    mid = measure(store, [a, b])
    assert statuses(store, [a, b, other]) == ["measure_planned", "measure_planned", "new"]
    store.set_measure_status(mid, "decided", PLANNER)
    assert statuses(store, [a, b]) == ["measure_planned"] * 2
    store.set_measure_status(mid, "in_progress", PLANNER)
    assert statuses(store, [a, b]) == ["in_progress"] * 2
    store.set_measure_status(mid, "done", PLANNER)
    assert statuses(store, [a, b, other]) == ["resolved", "resolved", "new"]
    moved = [(h.from_status, h.to_status, h.measure_id) for h in store.history("observation", a)]
    assert moved == [(None, "new", None), ("new", "assessed", None), ("assessed", "measure_planned", mid),
                     ("measure_planned", "in_progress", mid), ("in_progress", "resolved", mid)]
    # the follow-up meeting verifies it on site, or reopens it with a reason
    store.set_observation_status(a, "verified", PLANNER, comment="Sett på plats")
    with pytest.raises(Invalid):
        store.set_observation_status(b, "assessed", PLANNER)  # a reopening needs a reason
    store.set_observation_status(b, "assessed", PLANNER, comment="Lampan är trasig igen")
    assert statuses(store, [a, b]) == ["verified", "assessed"]
    assert store.integrity_problems() == []


def test_another_open_measure_still_holds_the_spot(store):
    [a] = pins(store, 1)
    light = measure(store, [a], status="decided")
    bushes = measure(store, [a], title="Röj buskarna")
    store.set_measure_status(light, "done", PLANNER)
    assert statuses(store, [a]) == ["measure_planned"]  # the clearing is still planned
    store.set_measure_status(bushes, "decided", PLANNER)
    store.set_measure_status(bushes, "in_progress", PLANNER)
    assert statuses(store, [a]) == ["in_progress"]
    store.set_measure_status(bushes, "cancelled", PLANNER, comment="Ingen budget")
    assert statuses(store, [a]) == ["resolved"]  # what still stands is done


def test_a_cancelled_or_unlinked_measure_sends_the_spot_back_to_assessed(store):
    a, b = pins(store, 2)
    mid = measure(store, [a, b])
    store.set_measure_status(mid, "cancelled", PLANNER, comment="Fastighetsägaren gör det")
    assert statuses(store, [a, b]) == ["assessed", "assessed"]
    store.set_measure_status(mid, "proposed", PLANNER, comment="Ändå vår sak")
    assert statuses(store, [a, b]) == ["measure_planned"] * 2
    m = store.measure(mid)
    store.update_measure(mid, PLANNER, expected_version=m.version, observation_ids=(a,))  # b unlinked
    assert statuses(store, [a, b]) == ["measure_planned", "assessed"]
    assert store.history("observation", b)[-1].measure_id == mid


def test_linking_more_pins_to_a_measure_in_the_same_edit_as_its_status(store):
    a, b, c = pins(store)
    mid = measure(store, [a], status="decided")
    m = store.measure(mid)
    store.update_measure(mid, PLANNER, expected_version=m.version, status="in_progress",
                         observation_ids=(a, b))
    assert statuses(store, [a, b, c]) == ["in_progress", "in_progress", "new"]
    m = store.measure(mid)
    with pytest.raises(Conflict):  # someone else's newer save: nothing moves
        store.update_measure(mid, PLANNER, expected_version=m.version - 1, observation_ids=(a, b, c))
    assert statuses(store, [c]) == ["new"]
    # a pin linked to a measure that is done already is resolved at once, by two steps
    store.set_measure_status(mid, "done", PLANNER)
    store.update_measure(mid, PLANNER, expected_version=store.measure(mid).version, observation_ids=(a, b, c))
    assert [h.to_status for h in store.history("observation", c)] == ["new", "measure_planned", "resolved"]


def test_a_refused_measure_change_moves_no_observation(store):
    [a] = pins(store, 1)
    mid = measure(store, [a])
    with pytest.raises(Invalid):
        store.set_measure_status(mid, "done", PLANNER)  # proposed → done is not allowed
    assert statuses(store, [a]) == ["measure_planned"]


def test_merged_pins_keep_working(store):
    a, b = pins(store, 2)
    mid = measure(store, [b], status="decided")  # b was linked before the protocol merged it
    store.merge_observations(a, [b], PLANNER)
    assert store.observation(a).status == "measure_planned"  # the kept pin took over the link
    store.set_measure_status(mid, "done", PLANNER)
    assert store.observation(a).status == "resolved"
    assert store.observation(b).merged_into == a
    assert store.integrity_problems() == []
