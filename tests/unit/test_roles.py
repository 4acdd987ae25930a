"""Every role, each allowed and forbidden action, enforced by the store itself."""

from datetime import UTC, datetime, timedelta

import pytest

from geo import i18n
from geo.model import SYSTEM, Actor, MeasureDraft, ObservationDraft, Role, Walk, WalkStatus
from geo.roles import (
    Action,
    Forbidden,
    allowed,
    participant_pin_problems,
    pin_window,
    walk_step_problem,
    walk_transition_allowed,
)
from geo.store import Invalid
from tests import factories as make

PLANNER = Actor(role=Role.PLANNER, name="Planerare", user_id=1)
ADMIN = Actor(role=Role.ADMIN, name="Admin", user_id=2)
WHEN = datetime(2019, 10, 15, 17, 0, tzinfo=UTC)
POINT = (12.90123, 56.660631)


class FakePhoto:
    """Stands in for geo.photos.CleanPhoto (the store does not decode images)."""
    data, mime, width, height, thumb = b"jpeg", "image/jpeg", 10, 10, b"thumb"


@pytest.fixture
def walks(store):
    open_walk = store.add_walk(PLANNER, slug="oppen", district_id="andersberg", title="Öppen",
                               starts_at=WHEN, status="open", join_code="ABC123")
    other = store.add_walk(PLANNER, slug="annan", district_id="andersberg", title="Annan",
                           starts_at=WHEN, status="open", join_code="XYZ789")
    return open_walk, other


def pin(walk_id, text="Mörkt här"):
    return make.draft(lon=POINT[0], lat=POINT[1], feeling=4, description=text, observed_at=WHEN,
                      walk_id=walk_id)


def test_matrix_of_actions_by_role():
    for action in Action:
        assert allowed(ADMIN, action)
        assert allowed(PLANNER, action) == (action not in {
            Action.IMPORT, Action.MANAGE_USERS, Action.MANAGE_CATALOG, Action.DELETE_DATA})
        assert not allowed(None, action)
    participant = Actor(role=Role.PARTICIPANT, name="Kim", participant_id=1, walk_id=1)
    for action in set(Action) - {Action.VIEW_WALK, Action.ADD_OBSERVATION, Action.EDIT_OBSERVATION}:
        assert not allowed(participant, action, walk_id=1), action


def test_seconding_follows_the_rule_for_adding_a_pin():
    """"Jag håller med" (Action.SECOND_OBSERVATION): where a participant may add a pin."""
    walk = Walk(id=1, slug="w", district_id="andersberg", activity_id=None, title="W", starts_at=WHEN,
                ends_at=None, meeting_point="", groups=(), leader="", participants=None, status="open",
                route=None, is_demo=False)
    kim = Actor(role=Role.PARTICIPANT, name="Kim", participant_id=1, walk_id=1)
    for w in (walk, make.replace(walk, status="closed"), make.replace(walk, id=2), None):
        assert allowed(kim, Action.SECOND_OBSERVATION, walk=w) == allowed(kim, Action.ADD_OBSERVATION, walk=w), w
    assert allowed(kim, Action.SECOND_OBSERVATION, walk=walk)
    assert allowed(PLANNER, Action.SECOND_OBSERVATION) and allowed(ADMIN, Action.SECOND_OBSERVATION)


def test_participant_pins_only_in_their_open_walk(store, walks):
    open_walk, other = walks
    kim = store.join_walk("abc123", "Kim", "ungdomar")
    oid = store.add_observation(pin(open_walk.id), kim)
    assert store.observation(oid).participant_id == kim.participant_id
    with pytest.raises(Forbidden):
        store.add_observation(pin(other.id), kim)  # another walk
    with pytest.raises(Forbidden):
        store.add_observation(pin(None), kim)  # no walk at all
    store.set_walk_status(open_walk.id, "closed", PLANNER)
    with pytest.raises(Forbidden):
        store.add_observation(pin(open_walk.id), kim)  # closed walk


def test_participant_changes_only_own_pins(store, walks):
    open_walk, _ = walks
    kim = store.join_walk("ABC123", "Kim")
    lo = store.join_walk("ABC123", "Lo")
    mine = store.observation(store.add_observation(pin(open_walk.id), kim))
    theirs = store.observation(store.add_observation(pin(open_walk.id), lo))
    assert allowed(kim, Action.EDIT_OBSERVATION, observation=mine, walk=open_walk)
    assert not allowed(kim, Action.EDIT_OBSERVATION, observation=theirs, walk=open_walk)
    with pytest.raises(Forbidden):
        store.add_photo(theirs.id, FakePhoto(), kim)
    closed = store.set_walk_status(open_walk.id, "closed", PLANNER)
    assert not allowed(kim, Action.EDIT_OBSERVATION, observation=mine, walk=closed)
    assert allowed(PLANNER, Action.EDIT_OBSERVATION, observation=theirs, walk=closed)


def test_participant_sees_only_their_walk_and_no_names(store, walks):
    open_walk, other = walks
    kim = store.join_walk("ABC123", "Kim")
    store.add_observations([ObservationDraft(category="belysning", lon=POINT[0], lat=POINT[1],
                                             feeling=3, observed_at=WHEN, walk_id=open_walk.id,
                                             reported_by="Sara Svensson"),
                            pin(other.id)], PLANNER)
    seen = store.visible_observations(kim)
    assert [o.walk_id for o in seen] == [open_walk.id]
    assert seen[0].reported_by == ""
    assert store.visible_observations(PLANNER, walk_id=open_walk.id)[0].reported_by == "Sara Svensson"
    with pytest.raises(Forbidden):
        store.visible_observations(kim, walk_id=other.id)


@pytest.mark.parametrize("who", ["participant", "planner"])
def test_admin_only_actions(store, walks, who):
    actor = store.join_walk("ABC123", "Kim") if who == "participant" else PLANNER
    for call in (lambda: store.add_user(actor, username="x", role="planner"),
                 lambda: store.users(actor),
                 lambda: store.remove_demo(actor),
                 lambda: store.purge_personal(actor, WHEN)):
        with pytest.raises(Forbidden):
            call()


def test_planner_actions_refused_to_participants(store, walks):
    open_walk, _ = walks
    kim = store.join_walk("ABC123", "Kim")
    oid = store.add_observation(pin(open_walk.id), kim)
    with pytest.raises(Forbidden):
        store.set_observation_status(oid, "assessed", kim)
    with pytest.raises(Forbidden):
        store.add_measure(MeasureDraft(type="belysning_ny", title="Lampa", responsible="kommun",
                                       geometry={"type": "Point", "coordinates": list(POINT)}), kim)
    with pytest.raises(Forbidden):
        store.add_walk(kim, slug="egen", district_id="andersberg", title="Egen", starts_at=WHEN)
    with pytest.raises(Forbidden):
        store.set_walk_status(open_walk.id, "closed", kim)
    store.set_observation_status(oid, "assessed", PLANNER)  # a planner may


def test_join_refusals_name_the_field(store, walks):
    with pytest.raises(Invalid) as e:
        store.join_walk("NOPE", "")
    assert e.value.errors == {"code": "join.unknown_code", "name": "validation.required"}
    store.set_walk_status(walks[0].id, "closed", PLANNER)
    with pytest.raises(Invalid) as e:
        store.join_walk("ABC123", "Kim")
    assert e.value.errors == {"code": "join.closed"}


def test_purge_keeps_place_and_category(store, walks):
    open_walk, _ = walks
    kim = store.join_walk("ABC123", "Kim")
    oid = store.add_observations([ObservationDraft(
        category="vegetation", lon=POINT[0], lat=POINT[1], feeling=5, observed_at=WHEN,
        walk_id=open_walk.id, reported_by="Kim K")], PLANNER).ids[0]
    store.add_photo(oid, FakePhoto(), PLANNER)
    counts = store.purge_personal(SYSTEM, WHEN + timedelta(days=1))
    assert counts == {"photo": 1, "observation": 1, "participant": 1, "status_change": 0,
                      "observation_support": 0}
    o = store.observation(oid)
    assert (o.reported_by, o.category, o.lon, o.lat, o.feeling) == ("", "vegetation", *POINT, 5)
    assert store.photos(oid) == [] and store.participant(kim.participant_id).name == "–"


# --- a participant sends only what the pin form sends (geo.roles.participant_pin_problems) ---
@pytest.mark.parametrize(("fields", "field", "key"), [
    (dict(status="verified"), "status", "roles.participant_new_only"),
    (dict(status="closed", status_reason="dubblett"), "status", "roles.participant_new_only"),
    (dict(is_demo=True), "is_demo", "roles.participant_not_demo"),
    (dict(observed_at=datetime(2001, 5, 1, 12, 0, tzinfo=UTC)), "observed_at", "roles.outside_walk_time"),
    (dict(observed_at=WHEN + timedelta(days=1)), "observed_at", "roles.outside_walk_time"),
    (dict(observed_at=datetime.now(UTC) + timedelta(hours=1)), "observed_at", "validation.in_future"),
    (dict(activity_id="halmstad-2019.1.1"), "activity", "roles.walk_activity_only"),
    (dict(reported_by="Någon annan"), "reported_by", "roles.own_name_only"),
    (dict(participant_id=999), "participant", "roles.own_name_only"),
    (dict(group="polis"), "group", "roles.own_group_only"),
])
def test_a_participant_pin_with_what_the_form_never_sends_is_refused(store, walks, fields, field, key):
    open_walk, _ = walks
    kim = store.join_walk("ABC123", "Kim", "ungdomar")
    before = store.snapshot()
    with pytest.raises(Invalid) as e:
        store.add_observation(make.replace(pin(open_walk.id), **fields), kim)
    assert e.value.errors == {field: key} and e.value.values == {"index": 0}
    assert "roles.forbidden" not in e.value.message() and e.value.reasons("sv")[0].startswith(
        i18n.t(f"field.{field}", "sv") + ": ")  # named by its label
    assert store.snapshot() == before
    # the same fields from a planner (an import, a backdated entry) are kept
    if field not in ("participant", "observed_at") or key == "roles.outside_walk_time":
        assert store.add_observation(make.replace(pin(open_walk.id), **fields), PLANNER)


def test_a_participant_pin_on_another_walk_is_forbidden_naming_the_walk(store, walks):
    open_walk, other = walks
    kim = store.join_walk("ABC123", "Kim")
    for walk_id in (other.id, None):
        with pytest.raises(Forbidden) as e:
            store.add_observation(pin(walk_id), kim)
        assert e.value.errors == {"walk": "roles.own_walk_only"}
        assert e.value.reasons("sv") == ["Vandring: bara på vandringen du gått med i"]
    assert store.observations() == []


def test_a_normal_participant_pin_still_saves(store, walks):
    open_walk, _ = walks
    kim = store.join_walk("ABC123", "Kim", "ungdomar")
    ids = [store.add_observation(pin(open_walk.id), kim),  # as the pin form sends it
           store.add_observation(make.replace(pin(open_walk.id), reported_by="Kim", group="ungdomar",
                                              activity_id=open_walk.activity_id), kim),
           store.add_observation(make.replace(pin(open_walk.id), observed_at=WHEN - timedelta(hours=3)), kim)]
    saved = store.observations(ids=ids)
    assert [(o.status, o.is_demo, o.participant_id, o.reported_by) for o in saved] == [
        ("new", False, kim.participant_id, "Kim")] * 3


def test_the_pin_window_is_the_walks_day_or_longer():
    evening = make.replace(walk(), starts_at=datetime(2026, 10, 24, 16, 0, tzinfo=UTC))  # 18:00 in Sweden
    assert pin_window(evening) == (datetime(2026, 10, 23, 22, 0, tzinfo=UTC),  # the day's start
                                   datetime(2026, 10, 24, 22, 0, tzinfo=UTC))  # and end, Swedish time
    late = make.replace(evening, starts_at=datetime(2026, 10, 24, 21, 0, tzinfo=UTC),
                        ends_at=datetime(2026, 10, 24, 22, 30, tzinfo=UTC))
    assert pin_window(late)[1] == datetime(2026, 10, 25, 2, 30, tzinfo=UTC)  # four hours after its end
    small_hours = make.replace(evening, starts_at=datetime(2026, 10, 23, 23, 0, tzinfo=UTC))  # 01:00
    assert pin_window(small_hours)[0] == datetime(2026, 10, 23, 21, 0, tzinfo=UTC)  # two hours before


def test_the_demo_walk_takes_pins_on_any_day_but_not_from_the_future():
    kim = Actor(role=Role.PARTICIPANT, name="Kim", participant_id=1, walk_id=1)
    now = datetime.now(UTC)
    for is_demo, problems in ((False, {"observed_at": "roles.outside_walk_time"}), (True, {})):
        assert participant_pin_problems(kim, make.draft(walk_id=1, observed_at=now), walk(is_demo=is_demo),
                                        group="", now=now) == problems
    assert participant_pin_problems(kim, make.draft(walk_id=1, observed_at=now + timedelta(minutes=20)),
                                    walk(is_demo=True), group="", now=now) == {"observed_at": "validation.in_future"}
    assert participant_pin_problems(kim, make.draft(walk_id=1, observed_at=now + timedelta(minutes=4)),
                                    walk(is_demo=True), group="", now=now) == {}  # a clock a little ahead


def test_a_participant_changes_no_status_and_no_one_elses_pin(store, walks):
    open_walk, _ = walks
    kim, lo = store.join_walk("ABC123", "Kim"), store.join_walk("ABC123", "Lo")
    theirs = store.add_observation(pin(open_walk.id), lo)
    for attempt in (lambda: store.set_observation_status(theirs, "verified", kim),
                    lambda: store.set_observation_statuses([theirs], "closed", kim, reason="duplicate"),
                    lambda: store.update_observation(theirs, kim, expected_version=1, feeling=1),
                    lambda: store.delete_observation(theirs, kim)):
        with pytest.raises(Forbidden):
            attempt()
    assert store.observation(theirs).version == 1


# --- a walk's status: planned → open → closed, by its leader or an admin ---------------------
def walk(**fields):
    values = dict(id=1, slug="w", district_id="andersberg", activity_id=None, title="W", starts_at=WHEN,
                  ends_at=None, meeting_point="", groups=(), leader="", participants=None, status="planned",
                  route=None, is_demo=False, leader_id=None)
    return Walk(**{**values, **fields})


def test_walk_steps_by_role_and_leader():
    lead = Actor(role=Role.PLANNER, name="Leda", user_id=7)
    other = Actor(role=Role.PLANNER, name="Lo", user_id=8)
    kim = Actor(role=Role.PARTICIPANT, name="Kim", participant_id=1, walk_id=1)
    led = walk(leader_id=7)
    steps = {("planned", "open"), ("open", "closed"), ("closed", "open")}
    for start in WalkStatus:
        for to in WalkStatus:
            w = make.replace(led, status=start)
            step = (start, to) in steps
            assert walk_transition_allowed(ADMIN, w, to) == step
            assert walk_transition_allowed(lead, w, to) == (step and start != "closed")
            assert not walk_transition_allowed(other, w, to)
            assert walk_transition_allowed(other, make.replace(w, leader_id=None), to) == (
                step and start != "closed")  # no leader: any planner
            assert not walk_transition_allowed(kim, w, to) and not walk_transition_allowed(None, w, to)
    assert walk_step_problem(other, led, "open") == "walks.leader_only"
    assert walk_step_problem(lead, make.replace(led, status="closed"), "open") == "walks.reopen_admin_only"
    assert walk_step_problem(ADMIN, make.replace(led, status="closed"), "planned") == "walks.step_refused"


@pytest.fixture
def planners(store):
    """Two planners with stored accounts: the one who leads the walk and another one."""
    def account(username, name):
        user = store.add_user(SYSTEM, username=username, role="planner", display_name=name)
        return Actor(role=Role.PLANNER, name=name, user_id=user.id)
    return account("leda", "Leda Ledare"), account("lo", "Lo Planerare")


def test_only_the_leader_or_an_admin_opens_and_closes(store, planners):
    lead, other = planners
    led = store.add_walk(lead, slug="ledd", district_id="andersberg", title="Ledd", starts_at=WHEN)
    assert (led.leader_id, led.status, led.closed_at) == (lead.user_id, "planned", None)
    with pytest.raises(Forbidden) as e:
        store.set_walk_status(led.id, "open", other)
    assert e.value.key == "walks.leader_only" and "ledare" in e.value.message("sv")
    assert store.set_walk_status(led.id, "open", lead).status == "open"
    with pytest.raises(Forbidden):
        store.set_walk_status(led.id, "closed", other)  # someone else's walk
    assert store.walk(led.id).status == "open"
    closed = store.set_walk_status(led.id, "closed", lead)
    assert closed.status == "closed" and closed.closed_at is not None
    # an admin may close a walk someone else leads
    second = store.add_walk(lead, slug="andra", district_id="andersberg", title="Andra", starts_at=WHEN,
                            status="open")
    assert store.set_walk_status(second.id, "closed", ADMIN).status == "closed"


def test_closed_to_planned_is_refused_for_everyone_and_only_an_admin_reopens(store, planners):
    lead, other = planners
    led = store.add_walk(lead, slug="ledd", district_id="andersberg", title="Ledd", starts_at=WHEN,
                         status="open")
    store.set_walk_status(led.id, "closed", lead)
    for actor in (lead, other, ADMIN, SYSTEM):
        with pytest.raises(Invalid) as e:
            store.set_walk_status(led.id, "planned", actor)
        assert e.value.errors == {"status": "walks.step_refused"}
    for actor in (lead, other):
        with pytest.raises(Forbidden) as e:
            store.set_walk_status(led.id, "open", actor)
        assert e.value.key == "walks.reopen_admin_only"
    assert store.walk(led.id).status == "closed"
    reopened = store.set_walk_status(led.id, "open", ADMIN)
    assert reopened.status == "open" and reopened.closed_at is None


def test_skips_and_non_steps_are_refused(store, planners):
    lead, _ = planners
    led = store.add_walk(lead, slug="ledd", district_id="andersberg", title="Ledd", starts_at=WHEN)
    for to in ("closed", "planned"):  # planned → closed skips opening; planned → planned is no step
        with pytest.raises(Invalid) as e:
            store.set_walk_status(led.id, to, ADMIN)
        assert e.value.errors == {"status": "walks.step_refused"}
    with pytest.raises(Invalid) as e:
        store.add_walk(lead, slug="stangd", district_id="andersberg", title="Stängd", starts_at=WHEN,
                       status="closed")  # a new walk is planned or open
    assert e.value.errors == {"status": "walks.new_status"}
    assert store.walk(led.id).status == "planned" and store.walk_by_slug("stangd") is None


def test_a_walk_without_a_leader_is_any_planners(store, walks, planners):
    open_walk, _ = walks  # created by an actor without a stored account
    assert open_walk.leader_id is None
    _lead, other = planners
    assert store.set_walk_status(open_walk.id, "closed", other).status == "closed"
