"""Field capture: tap → place → draft, and the store's side of pinning on a walk."""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo import auth, capture, districts, i18n
from geo.model import Actor, Observation, Role, Walk
from geo.roles import Forbidden
from geo.store import Conflict, Invalid
from tests import factories as make

DISTRICTS = districts.load()
WHEN = datetime(2026, 10, 20, 18, 30, tzinfo=UTC)
ANDERSBERG = (12.9012, 56.6606)
VALLAS = DISTRICTS.get("vallas-ostra").centre  # inside Vallås, outside Andersberg
CATEGORIES = ["belysning", "klotter", "trygg-plats"]
PLANNER = Actor(role=Role.PLANNER, name="Ledare", user_id=1)


def a_walk(**kw) -> Walk:
    values = dict(id=7, slug="w", district_id="andersberg", activity_id="halmstad-2019.1.6",
                  title="Vandring", starts_at=WHEN, ends_at=None, meeting_point="", groups=(),
                  leader="", participants=None, status="open", route=None, is_demo=False,
                  join_code="ABC234")
    return Walk(**{**values, **kw})


# --- click_point -------------------------------------------------------------------------
def test_click_point_reads_leaflets_click():
    assert capture.click_point({"lat": 56.6606, "lng": 12.9012}) == (12.9012, 56.6606)


def test_click_point_wraps_longitudes_of_a_panned_world():
    lon, lat = capture.click_point({"lat": 56.6606, "lng": 12.9012 + 360})
    assert lat == 56.6606 and lon == pytest.approx(12.9012)
    assert capture.click_point({"lat": 0, "lng": -190})[0] == pytest.approx(170)


@pytest.mark.parametrize("value", [None, 1, "56,12", [], {"lat": 56}, {"lng": 12},
                                   {"lat": "56", "lng": "12"}, {"lat": True, "lng": 12},
                                   {"lat": math.nan, "lng": 12}, {"lat": 56, "lng": math.inf},
                                   {"lat": 91, "lng": 12}])
def test_click_point_refuses_what_is_not_a_position(value):
    assert capture.click_point(value) is None


@given(st.one_of(st.none(), st.integers(), st.text(), st.dictionaries(
    st.sampled_from(["lat", "lng", "x"]),
    st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(), st.text(), st.booleans(), st.none()))))
def test_click_point_never_raises_and_gives_a_valid_point(value):
    got = capture.click_point(value)
    if got is not None:
        lon, lat = got
        assert -180 <= lon <= 180 and -90 <= lat <= 90


# --- place_pin -----------------------------------------------------------------------------
def test_a_tap_in_the_walks_district_is_inside():
    place = capture.place_pin(*ANDERSBERG, a_walk(), DISTRICTS)
    assert place.district_id == "andersberg" and place.in_walk_district


def test_a_part_of_the_district_counts_as_inside():
    walk = a_walk(district_id="vallas")
    place = capture.place_pin(*VALLAS, walk, DISTRICTS)
    assert place.district_id in DISTRICTS.family("vallas") and place.in_walk_district


def test_a_tap_in_another_district_or_nowhere_is_outside():
    assert not capture.place_pin(*VALLAS, a_walk(), DISTRICTS).in_walk_district
    nowhere = capture.place_pin(13.5, 59.3, a_walk(), DISTRICTS)
    assert nowhere.district_id is None and not nowhere.in_walk_district


# --- pin_draft ---------------------------------------------------------------------------
def draft_for(place, **kw):
    values = dict(category="belysning", feeling=4, description="  Mörkt  ", uuid=str(uuid.uuid4()),
                  observed_at=WHEN, categories=CATEGORIES)
    return capture.pin_draft(place, a_walk(), **{**values, **kw})


def test_draft_is_linked_to_the_walk_and_its_activity():
    place = capture.place_pin(*ANDERSBERG, a_walk(), DISTRICTS)
    draft, errors = draft_for(place, reported_by="Kim", group="boende")
    assert errors == {}
    assert (draft.walk_id, draft.activity_id, draft.category, draft.feeling) == (7, "halmstad-2019.1.6", "belysning", 4)
    assert (draft.lon, draft.lat, draft.description, draft.reported_by, draft.group) == (*ANDERSBERG, "Mörkt", "Kim",
                                                                                        "boende")


def test_missing_fields_are_named():
    place = capture.place_pin(*ANDERSBERG, a_walk(), DISTRICTS)
    draft, errors = draft_for(place, category=None, feeling=None)
    assert draft is None and errors == {"category": "validation.required", "feeling": "validation.required"}
    assert draft_for(None)[1] == {"place": "pin.no_place"}


def test_outside_the_district_needs_confirmation():
    place = capture.place_pin(*VALLAS, a_walk(), DISTRICTS)
    assert draft_for(place)[1] == {"place": "pin.outside_confirm"}
    draft, errors = draft_for(place, confirmed_outside=True)
    assert errors == {} and draft.lon == VALLAS[0]


def test_outside_sweden_is_refused_even_when_confirmed():
    place = capture.PinPlace(2.35, 48.85, None, False)
    assert draft_for(place, confirmed_outside=True)[1] == {"place": "validation.outside_sweden"}


@pytest.mark.parametrize("feeling", [0, 6, 2.5, "3", True])
def test_feeling_must_be_1_to_5(feeling):
    place = capture.place_pin(*ANDERSBERG, a_walk(), DISTRICTS)
    assert draft_for(place, feeling=feeling)[1] == {"feeling": "validation.feeling_range"}


def test_unknown_category_and_too_long_text():
    place = capture.place_pin(*ANDERSBERG, a_walk(), DISTRICTS)
    assert draft_for(place, category="ufo")[1] == {"category": "validation.unknown_category"}
    assert draft_for(place, description="x" * 2001)[1] == {"description": "validation.too_long"}


@pytest.mark.parametrize("field,value", [
    ("category", ""), ("category", "ufo"), ("category", ["belysning"]), ("feeling", None), ("feeling", 0),
    ("feeling", "3"), ("description", "tyst\x07klocka"), ("description", "x" * 2001), ("description", 42)])
def test_the_form_asks_the_rules_of_every_observation(field, value):
    """The pin form's problems with a field are validate_observation's, word for word."""
    from geo.model import ObservationDraft
    from geo.workflow import validate_observation

    place = capture.place_pin(*ANDERSBERG, a_walk(), DISTRICTS)
    good = {"category": "belysning", "feeling": 4, "description": ""}
    form = capture.pin_problems(place, **{**good, field: value}, categories=CATEGORIES, confirmed_outside=False)
    rules = validate_observation(ObservationDraft(lon=place.lon, lat=place.lat, **{**good, field: value}),
                                 set(CATEGORIES), set())
    assert form == rules and set(form) == {field}


@settings(max_examples=60)
@given(category=st.one_of(st.none(), st.sampled_from(CATEGORIES + ["", "x"])),
       feeling=st.one_of(st.none(), st.integers(-3, 9), st.floats(), st.text(max_size=2)),
       text=st.text(max_size=50))
def test_pin_draft_gives_a_draft_or_named_problems(category, feeling, text):
    place = capture.place_pin(*ANDERSBERG, a_walk(), DISTRICTS)
    draft, errors = draft_for(place, category=category, feeling=feeling, description=text)
    assert (draft is None) == bool(errors)
    assert set(errors) <= {"category", "feeling", "description"}


# --- pins_at ---------------------------------------------------------------------------
def obs(i, lon, lat) -> Observation:
    return make.observation(i, at=WHEN, uuid=str(uuid.uuid4()), walk_id=7, lon=lon, lat=lat)


# --- the store: a pin and its photo, own pins, tokens ---------------------------------------
class Photo:
    data, mime, width, height, thumb = b"\xff\xd8jpeg", "image/jpeg", 40, 30, b"\xff\xd8thumb"


@pytest.fixture
def walk(store):
    return store.add_walk(PLANNER, slug="kvall", district_id="andersberg", title="Kväll",
                          starts_at=WHEN, status="open", join_code="KVL234",
                          activity_id="halmstad-2019.1.6")


def a_pin(store, walk, actor, uid=None):
    place = capture.place_pin(*ANDERSBERG, walk, store.districts())
    draft, _ = capture.pin_draft(place, walk, category="belysning", feeling=4, description="Mörkt",
                                 uuid=uid or str(uuid.uuid4()), observed_at=WHEN,
                                 categories=["belysning"], reported_by=actor.name)
    return draft


def test_pin_and_photo_are_saved_together_once(store, walk):
    kim = store.join_walk("KVL234", "Kim")
    draft = a_pin(store, walk, kim)
    first = store.add_observations([draft], kim, photos={draft.uuid: Photo()})
    again = store.add_observations([draft], kim, photos={draft.uuid: Photo()})  # a double tap
    assert first.ids == again.ids and (first.added, again.added) == (1, 0)
    [meta] = store.photos(first.ids[0])
    assert store.photo(meta["id"]) == (Photo.data, "image/jpeg")
    assert store.photo(meta["id"], thumb=True) == (Photo.thumb, "image/jpeg")
    saved = store.observation(first.ids[0])
    assert (saved.participant_id, saved.district_id, saved.activity_id) == (kim.participant_id, "andersberg",
                                                                            "halmstad-2019.1.6")


def test_a_pin_refused_saves_no_photo(store, walk):
    kim = store.join_walk("KVL234", "Kim")
    store.set_walk_status(walk.id, "closed", PLANNER)
    draft = a_pin(store, walk, kim)
    with pytest.raises(Forbidden):
        store.add_observations([draft], kim, photos={draft.uuid: Photo()})
    assert store.counts()["photo"] == 0 and store.observations(walk_id=walk.id) == []


def test_own_pin_is_edited_moved_and_deleted(store, walk):
    kim = store.join_walk("KVL234", "Kim")
    oid = store.add_observation(a_pin(store, walk, kim), kim)
    changed = store.update_observation(oid, kim, expected_version=1, category="klotter", feeling=2,
                                       description=" Klotter på muren ")
    assert (changed.category, changed.feeling, changed.description, changed.version) == ("klotter", 2,
                                                                                         "Klotter på muren", 2)
    moved = store.update_observation(oid, kim, expected_version=2, lon=VALLAS[0], lat=VALLAS[1])
    assert (moved.lon, moved.lat) == VALLAS and moved.district_id in store.districts().family("vallas")
    store.add_photo(oid, Photo(), kim)
    store.delete_observation(oid, kim)
    assert store.observations(walk_id=walk.id) == [] and store.counts()["photo"] == 0
    assert store.history("observation", oid) == []


def test_a_stale_edit_is_a_conflict_and_changes_nothing(store, walk):
    kim = store.join_walk("KVL234", "Kim")
    oid = store.add_observation(a_pin(store, walk, kim), kim)
    store.update_observation(oid, PLANNER, expected_version=1, feeling=5)
    with pytest.raises(Conflict):
        store.update_observation(oid, kim, expected_version=1, feeling=1)
    assert store.observation(oid).feeling == 5


def test_an_edit_is_validated(store, walk):
    kim = store.join_walk("KVL234", "Kim")
    oid = store.add_observation(a_pin(store, walk, kim), kim)
    with pytest.raises(Invalid) as e:
        store.update_observation(oid, kim, expected_version=1, feeling=9, category="ufo")
    assert e.value.errors == {"feeling": "validation.feeling_range", "category": "validation.unknown_category"}


def test_participants_change_only_their_own_pins_and_only_while_open(store, walk):
    kim, lo = store.join_walk("KVL234", "Kim"), store.join_walk("KVL234", "Lo")
    oid = store.add_observation(a_pin(store, walk, kim), kim)
    for attempt in (lambda: store.update_observation(oid, lo, expected_version=1, feeling=1),
                    lambda: store.delete_observation(oid, lo),
                    lambda: store.add_photo(oid, Photo(), lo)):
        with pytest.raises(Forbidden):
            attempt()
    store.set_walk_status(walk.id, "closed", PLANNER)
    with pytest.raises(Forbidden):
        store.update_observation(oid, kim, expected_version=1, feeling=1)
    with pytest.raises(Forbidden):
        store.delete_observation(oid, kim)
    # the leader may still correct a pin after the walk
    assert store.update_observation(oid, PLANNER, expected_version=1, feeling=1).feeling == 1


def test_reconnect_token_resumes_the_participant(store, walk):
    kim = store.join_walk("KVL234", "Kim", "ungdomar")
    token = store.reconnect_token(kim)
    assert store.resume(token) == kim
    newer = store.reconnect_token(kim)
    assert store.resume(token) is None and store.resume(newer) == kim  # an older link stops working
    assert store.resume("") is None and store.resume("x" * 500) is None and store.resume("nope") is None
    with pytest.raises(Invalid):
        store.reconnect_token(PLANNER)


# --- join codes slowed down per address, in the database ------------------------------------
def test_wrong_codes_are_slowed_down_per_address(store):
    claims = [auth.claim_join(store, "1.2.3.4", WHEN) for _ in range(auth.JOIN_FREE + 1)]
    assert [c.wait_s for c in claims] == [0] * auth.JOIN_FREE + [2]  # the last one waits
    assert [auth.wrong_code_wait(c) for c in claims[:-1]] == [0] * (auth.JOIN_FREE - 1) + [2]
    assert auth.claim_join(store, "1.2.3.4", WHEN + timedelta(seconds=1)).wait_s == 1
    later = auth.claim_join(store, "1.2.3.4", WHEN + timedelta(seconds=2))  # the next try counts
    assert later.wait_s == 0 and auth.wrong_code_wait(later) == 4
    assert auth.claim_join(store, "5.6.7.8", WHEN).wait_s == 0  # another address is not slowed


def test_a_right_code_takes_back_only_its_own_try(store):
    """A group at one address joining with the right code is never slowed, and a right code
    between wrong ones does not wipe them (it did: any join reset the count)."""
    for _ in range(3):
        auth.claim_join(store, "1.2.3.4", WHEN)  # wrong codes
    for _ in range(10):
        right = auth.claim_join(store, "1.2.3.4", WHEN)
        assert right.wait_s == 0
        auth.joined(store, "1.2.3.4", right)
    auth.claim_join(store, "1.2.3.4", WHEN)  # the fourth wrong code
    fifth = auth.claim_join(store, "1.2.3.4", WHEN)
    assert (fifth.failures, auth.wrong_code_wait(fifth)) == (auth.JOIN_FREE, 2)
    assert auth.claim_join(store, "1.2.3.4", WHEN).wait_s == 2


def test_old_failures_are_forgotten(store):
    for _ in range(auth.JOIN_FREE):
        auth.claim_join(store, "k", WHEN)
    later = auth.claim_join(store, "k", WHEN + timedelta(seconds=auth.WINDOW_S + 1))
    assert (later.wait_s, later.failures, auth.wrong_code_wait(later)) == (0, 1, 0)


def test_a_lost_database_is_a_clear_error(tmp_path):
    import shutil

    from geo.store import Unavailable
    from tests.conftest import make_store

    folder = tmp_path / "server"
    store = make_store(f"sqlite:///{folder / 'app.db'}")
    walk = store.add_walk(PLANNER, slug="w", district_id="andersberg", title="W", starts_at=WHEN,
                          status="open")
    draft = a_pin(store, walk, PLANNER)
    store.dispose()
    shutil.rmtree(folder)  # the database is gone (a lost mount, a removed disk)
    with pytest.raises(Unavailable) as e:
        store.add_observations([draft], PLANNER)
    assert e.value.key == "store.unavailable"


def test_pins_at_the_marker_st_folium_reports():
    a, b, c = obs(1, 12.90120, 56.66060), obs(2, 12.90120, 56.66060), obs(3, 12.90135, 56.66060)
    point = {"type": "Point", "coordinates": [12.9012, 56.6606]}
    assert [o.id for o in capture.pins_at(point, [a, b, c])] == [1, 2]
    assert capture.pins_at({"type": "Polygon", "coordinates": []}, [a]) == []
    for bad in (None, {}, {"type": "Point"}, {"type": "Point", "coordinates": [1]},
                {"type": "Point", "coordinates": ["x", "y"]}):
        assert capture.pins_at(bad, [a]) == []


# --- gps_problem --------------------------------------------------------------------------
@pytest.mark.parametrize(("accuracy", "inside", "problem"), [
    (5.0, True, None), (50.0, True, None), (50.5, True, "pin.gps_rough"), (350.0, True, "pin.gps_rough"),
    (float("nan"), True, "pin.gps_rough"), (None, True, "pin.gps_rough"), (10.0, False, "pin.gps_outside"),
    (350.0, False, "pin.gps_rough"),
])
def test_a_gps_reading_makes_a_pin_only_when_certain_and_in_the_district(accuracy, inside, problem):
    place = capture.PinPlace(12.9, 56.66, "andersberg" if inside else None, inside, accuracy)
    assert capture.gps_problem(place) == problem
    if problem:  # the toast says what was wrong and asks for a tap on the map
        said = i18n.t(problem, "sv", m=350, district="Andersberg")
        assert ("±350 m" in said or "Andersberg" in said) and "Tryck på kartan" in said
