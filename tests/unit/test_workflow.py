"""Status transitions and draft validation: pure functions, no database."""

from datetime import UTC, datetime

import pytest

from geo import workflow
from geo.model import MeasureDraft
from tests import factories as make

CATS, ACTS = {"belysning", "trygg_plats"}, {"halmstad-2019.1.6"}


def obs(**kw):
    return make.draft(**{"observed_at": None, **kw})


@pytest.mark.parametrize("current,new,comment,expected", [
    ("new", "assessed", "", {}),
    ("new", "verified", "", {"status": "workflow.not_allowed"}),
    ("new", "new", "", {"status": "workflow.unchanged"}),
    ("new", "closed", "", {"comment": "workflow.reason_required"}),
    ("new", "closed", "Fastighetsägaren har redan åtgärdat", {}),
    ("closed", "assessed", "", {"comment": "workflow.reason_required"}),
    ("closed", "assessed", "Flaggades igen vid omvandringen", {}),
    ("resolved", "verified", "", {}),
    ("new", "bogus", "", {"status": "workflow.unknown_status"}),
])
def test_observation_transitions(current, new, comment, expected):
    assert workflow.check_observation_change(current, new, comment) == expected


def test_every_status_can_be_reached_from_new_and_proposed():
    for s in workflow.OBSERVATION_TRANSITIONS:
        assert workflow.path(workflow.OBSERVATION_TRANSITIONS, "new", s)[-1] == s
    for s in workflow.MEASURE_TRANSITIONS:
        assert workflow.path(workflow.MEASURE_TRANSITIONS, "proposed", s)[-1] == s
    assert workflow.path(workflow.MEASURE_TRANSITIONS, "proposed", "done") == [
        "proposed", "decided", "done"]


@pytest.mark.parametrize("kw,field,key", [
    ({"category": "nope"}, "category", "validation.unknown_category"),
    ({"category": ""}, "category", "validation.required"),
    ({"feeling": 7}, "feeling", "validation.feeling_range"),
    ({"feeling": 0}, "feeling", "validation.feeling_range"),
    ({"feeling": True}, "feeling", "validation.feeling_range"),
    ({"feeling": None}, "feeling", "validation.required"),
    ({"lon": 56.66, "lat": 12.9}, "location", "validation.lonlat_swapped"),
    ({"lon": 2.35, "lat": 48.85}, "location", "validation.outside_sweden"),
    ({"lon": float("nan")}, "location", "validation.location_missing"),
    ({"activity_id": "x.1.1"}, "activity", "validation.unknown_activity"),
    ({"status": "closed"}, "status", "workflow.reason_required"),
    ({"description": "x" * 2001}, "description", "validation.too_long"),
    ({"observed_at": datetime(2019, 10, 15, 18, 0)}, "observed_at", "validation.naive_time"),
    ({"observed_at": datetime(1, 1, 1, tzinfo=UTC)}, "observed_at", "validation.time_range"),
    ({"observed_at": "2019-10-15"}, "observed_at", "validation.not_a_time"),
    ({"description": 42}, "description", "validation.not_text"),
    ({"description": "lampa \ud800"}, "description", "validation.bad_text"),
    ({"description": "nul \x00"}, "description", "validation.bad_text"),
    ({"category": 3}, "category", "validation.required"),
    ({"status": ["new"]}, "status", "validation.unknown_status"),
    ({"uuid": "not-a-uuid"}, "uuid", "validation.bad_uuid"),
])
def test_observation_validation_names_the_field(kw, field, key):
    assert workflow.validate_observation(obs(**kw), CATS, ACTS) == {field: key}


def test_valid_observation_has_no_errors():
    assert workflow.validate_observation(obs(activity_id="halmstad-2019.1.6"), CATS, ACTS) == {}


def test_measure_validation():
    good = MeasureDraft(type="belysning_ny", title="Ny belysning", responsible="kommun",
                        geometry={"type": "Point", "coordinates": [12.9, 56.66]})
    assert workflow.validate_measure(good, {"belysning_ny"}, ACTS) == {}
    bad = MeasureDraft(type="x", title=" ", responsible="grannen", cost_sek=-5,
                       geometry={"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [0, 1], [1, 0], [0, 0]]]})
    assert workflow.validate_measure(bad, {"belysning_ny"}, ACTS) == {
        "type": "validation.unknown_measure_type", "title": "validation.required",
        "responsible": "validation.unknown_responsible", "cost_sek": "validation.negative",
        "geometry": "validation.bad_geometry"}


def test_sending_a_resolved_spot_back_needs_a_reason_verifying_it_does_not():
    from geo.workflow import check_observation_change

    assert check_observation_change("resolved", "assessed") == {"comment": "workflow.reason_required"}
    assert check_observation_change("resolved", "assessed", "Lampan är trasig igen") == {}
    assert check_observation_change("resolved", "verified") == {}


# --- the state machine, transition by transition ----------------------------------------------
STATUSES = ["new", "assessed", "measure_planned", "in_progress", "resolved", "verified", "closed"]
# every edge, what takes it, and whether a person needs to give a reason
EDGES = {
    ("new", "assessed"): ({"triage"}, False),
    ("new", "closed"): ({"triage"}, True),
    ("assessed", "closed"): ({"triage"}, True),
    ("closed", "assessed"): ({"triage"}, True),
    ("new", "measure_planned"): ({"measure"}, False),
    ("assessed", "measure_planned"): ({"measure"}, False),
    ("measure_planned", "in_progress"): ({"measure"}, False),
    ("measure_planned", "resolved"): ({"measure"}, False),
    ("measure_planned", "assessed"): ({"measure"}, False),
    ("in_progress", "resolved"): ({"measure"}, False),
    ("in_progress", "measure_planned"): ({"measure"}, False),
    ("in_progress", "assessed"): ({"measure"}, False),
    ("resolved", "in_progress"): ({"measure"}, False),
    ("resolved", "measure_planned"): ({"measure"}, False),
    ("resolved", "verified"): ({"follow_up"}, False),
    ("resolved", "assessed"): ({"follow_up", "measure"}, True),
    ("verified", "assessed"): ({"follow_up"}, True),
}


def test_the_table_is_the_documented_one():
    assert {k: set(v) for k, v in workflow.OBSERVATION_STEPS.items()} == {k: v for k, (v, _) in EDGES.items()}


@pytest.mark.parametrize("current", STATUSES)
@pytest.mark.parametrize("new", STATUSES)
def test_each_transition_for_people_and_for_measures(current, new):
    people = workflow.check_observation_change(current, new, "")
    people_with_reason = workflow.check_observation_change(current, new, "Skäl")
    by_measure = workflow.check_observation_change(current, new, "", by=workflow.MEASURE)
    if current == new:
        assert people == by_measure == {"status": "workflow.unchanged"}
        return
    if (current, new) not in EDGES:
        assert people == people_with_reason == by_measure == {"status": "workflow.not_allowed"}
        return
    causes, needs_reason = EDGES[current, new]
    if causes & {"triage", "follow_up"}:
        assert people == ({"comment": "workflow.reason_required"} if needs_reason else {})
        assert people_with_reason == {}
    else:  # only a measure moves it: a person is told to link one
        assert people == people_with_reason == {"status": "workflow.follows_measure"}
    assert by_measure == ({} if "measure" in causes else {"status": "workflow.not_allowed"})


def test_what_a_form_offers():
    assert workflow.next_statuses("new") == ["assessed", "closed"]
    assert workflow.next_statuses("resolved", by=workflow.FOLLOW_UP) == ["assessed", "verified"]
    assert workflow.next_statuses("measure_planned") == []
    assert workflow.next_statuses("closed", by=workflow.TRIAGE) == ["assessed"]


@pytest.mark.parametrize("current,measures,expected", [
    ("new", ["proposed"], "measure_planned"),
    ("assessed", ["decided"], "measure_planned"),
    ("new", ["in_progress"], "in_progress"),
    ("measure_planned", ["in_progress", "proposed"], "in_progress"),
    ("in_progress", ["done"], "resolved"),
    ("in_progress", ["done", "decided"], "measure_planned"),  # another measure still holds it
    ("in_progress", ["done", "in_progress"], "in_progress"),
    ("resolved", ["done", "verified"], "resolved"),
    ("measure_planned", ["cancelled"], "assessed"),
    ("in_progress", [], "assessed"),  # unlinked
    ("resolved", ["done", "proposed"], "measure_planned"),  # a further measure
    ("resolved", ["in_progress"], "in_progress"),  # taken up again
    ("new", ["cancelled"], "new"),
    ("assessed", [], "assessed"),
    ("verified", ["in_progress"], "verified"),  # a decision of people: reopen it first
    ("closed", ["proposed"], "closed"),
])
def test_the_observation_follows_its_measures(current, measures, expected):
    assert workflow.follow_measures(current, measures) == expected


@pytest.mark.parametrize("current", STATUSES)
@pytest.mark.parametrize("measures", [[], ["proposed"], ["in_progress"], ["done"], ["cancelled"],
                                      ["done", "decided"], ["verified", "in_progress"]])
def test_a_measure_can_always_walk_the_observation_there(current, measures):
    target = workflow.follow_measures(current, measures)
    steps = workflow.measure_steps(current, target)
    assert (steps[-1] if steps else current) == target
    for a, b in zip([current, *steps], steps):
        assert workflow.check_observation_change(a, b, "", by=workflow.MEASURE) == {}


def test_the_readme_draws_this_state_machine():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert f"```mermaid\n{workflow.mermaid()}\n```" in readme
