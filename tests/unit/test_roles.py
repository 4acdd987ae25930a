"""Every role, each allowed and forbidden action, enforced by the store itself."""

from datetime import UTC, datetime, timedelta

import pytest

from geo.model import SYSTEM, Actor, MeasureDraft, ObservationDraft, Role
from geo.roles import Action, Forbidden, allowed
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
    assert counts == {"photo": 1, "observation": 1, "participant": 1}
    o = store.observation(oid)
    assert (o.reported_by, o.category, o.lon, o.lat, o.feeling) == ("", "vegetation", *POINT, 5)
    assert store.photos(oid) == [] and store.participant(kim.participant_id).name == "–"
