"""The walk protocol in the store: merging pins of one spot, the protocol's columns, and a
follow-up status change with its "after" photo – each one transaction."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from geo.model import SYSTEM, Actor, MeasureDraft, ObservationDraft, Role
from geo.roles import Forbidden
from geo.store import Conflict, Invalid
from tests import factories as make

WHEN = datetime(2026, 10, 20, 18, 30, tzinfo=UTC)
PLANNER = Actor(role=Role.PLANNER, name="Ledare", user_id=1)


class Photo:
    def __init__(self, data: bytes = b"\xff\xd8a") -> None:
        self.data, self.mime, self.width, self.height, self.thumb = data, "image/jpeg", 4, 3, b"\xff\xd8t"


@pytest.fixture
def walk(store):
    return store.add_walk(PLANNER, slug="kvall", district_id="andersberg", title="Kväll", starts_at=WHEN,
                          status="open", join_code="KVL234")


def pin(store, walk, who, text, feeling=3, lon=12.9012):
    actor = store.join_walk("KVL234", who)
    oid = store.add_observation(make.draft(lon=lon, feeling=feeling, description=text, walk_id=walk.id,
                                           observed_at=WHEN), actor)
    return oid, actor


def test_pins_of_one_spot_merge_keeping_everyone_and_everything(store, walk):
    a, kim = pin(store, walk, "Kim", "Lampan är trasig", feeling=3)
    b, lo = pin(store, walk, "Lo", "Mörkt vid tunneln", feeling=5, lon=12.90125)
    c, _ = pin(store, walk, "Mo", "", feeling=4, lon=12.90118)
    store.add_photo(b, Photo(b"\xff\xd8lo"), lo)
    mid = store.add_measure(MeasureDraft(type="belysning_ny", title="Lampa", responsible="kommun",
                                         geometry={"type": "Point", "coordinates": [12.9012, 56.6606]},
                                         observation_ids=(c,)), SYSTEM)
    kept = store.merge_observations(a, [b, c], PLANNER)
    assert (kept.flagged_by, kept.feeling) == (3, 5)
    assert kept.description == "Lampan är trasig\n— Mörkt vid tunneln"
    assert [p["id"] for p in store.photos(a)] and store.photo(store.photos(a)[0]["id"])[0] == b"\xff\xd8lo"
    assert store.measure(mid).observation_ids == (a, c)
    assert [o.id for o in store.observations(walk_id=walk.id)] == [a]  # the merged are hidden …
    merged = store.observations(ids=[b, c])  # … but kept, pointing at the spot
    assert {o.merged_into for o in merged} == {a}
    assert store.history("observation", b)[-1].comment == f"sammanslagen med #{a}"


def test_merging_is_refused_whole(store, walk):
    a, kim = pin(store, walk, "Kim", "x")
    b, _ = pin(store, walk, "Lo", "y")
    other = store.add_walk(PLANNER, slug="annan", district_id="andersberg", title="Annan", starts_at=WHEN,
                           status="open", join_code="ANN234")
    c = store.add_observation(ObservationDraft(category="belysning", lon=12.9012, lat=56.6606, feeling=2,
                                               walk_id=other.id), PLANNER)
    with pytest.raises(Invalid) as e:
        store.merge_observations(a, [b, c], PLANNER)
    assert e.value.errors == {"observation_ids": "protocol.other_walk"}
    with pytest.raises(Invalid):
        store.merge_observations(a, [a], PLANNER)
    with pytest.raises(Forbidden):
        store.merge_observations(a, [b], kim)
    assert store.observation(b).merged_into is None and store.observation(a).flagged_by == 1
    store.merge_observations(a, [b], PLANNER)
    with pytest.raises(Invalid) as e:
        store.merge_observations(b, [a], PLANNER)
    assert e.value.errors == {"observation_ids": "protocol.already_merged"}


def test_protocol_columns_are_checked_and_versioned(store, walk):
    a, _ = pin(store, walk, "Kim", "x")
    done = store.set_protocol(a, PLANNER, expected_version=1, responsible="fastighetsagare", priority=1,
                              due=date(2026, 12, 1))
    assert (done.responsible, done.priority, done.due, done.version) == ("fastighetsagare", 1, date(2026, 12, 1), 2)
    with pytest.raises(Conflict):
        store.set_protocol(a, PLANNER, expected_version=1, responsible=None, priority=None, due=None)
    with pytest.raises(Invalid) as e:
        store.set_protocol(a, PLANNER, expected_version=2, responsible="grannen", priority=7, due=None)
    assert e.value.errors == {"responsible": "validation.unknown_responsible", "priority": "protocol.priority_range"}


def test_verifying_with_an_after_photo_is_one_transaction(store, walk):
    a, _ = pin(store, walk, "Kim", "x")
    mid = store.add_measure(MeasureDraft(type="belysning_ny", title="Ny lampa", responsible="kommun",
                                         geometry={"type": "Point", "coordinates": [12.9012, 56.6606]},
                                         status="decided", observation_ids=(a,)), PLANNER)
    store.set_measure_status(mid, "done", PLANNER)  # the spot follows its measure to resolved
    with pytest.raises(Invalid):  # resolved → closed is not allowed: the photo is not kept either
        store.set_observation_status(a, "closed", PLANNER, comment="x", after_photo=Photo())
    assert store.photos(a) == []
    after = store.set_observation_status(a, "verified", PLANNER, comment="Ny lampa sitter uppe",
                                         after_photo=Photo(b"\xff\xd8after"))
    assert after.status == "verified"
    [meta] = store.photos(a)
    assert meta["kind"] == "after" and store.photo(meta["id"])[0] == b"\xff\xd8after"
    reopened = store.set_observation_status(a, "assessed", PLANNER, comment="Lampan är trasig igen")
    assert reopened.status == "assessed"
    assert [h.to_status for h in store.history("observation", a)] == [
        "new", "measure_planned", "resolved", "verified", "assessed"]


def test_points_are_numbered_along_the_route_or_by_time(store, walk):
    from geo import catalog
    from geo.protocol import protocol_rows, route_order

    late_west, _ = pin(store, walk, "Kim", "väst", lon=12.8990)
    early_east, _ = pin(store, walk, "Lo", "öst", lon=12.9030)
    middle, _ = pin(store, walk, "Mo", "mitt", lon=12.9010)
    merged, _ = pin(store, walk, "Bo", "samma", lon=12.90101)
    store.merge_observations(middle, [merged], PLANNER)
    obs = store.observations(walk_id=walk.id)
    east_to_west = {"type": "LineString", "coordinates": [[12.9040, 56.6606], [12.8980, 56.6606]]}
    assert [o.description for o in route_order(obs, east_to_west)] == ["öst", "mitt\n— samma", "väst"]
    assert [o.id for o in route_order(obs, None)] == [late_west, early_east, middle]  # by time, then id
    rows = protocol_rows(replace(walk, route=east_to_west), obs, list(catalog.load().categories), "sv")
    assert [(r.number, r.texts, r.flagged_by) for r in rows] == [
        (1, ("öst",), 1), (2, ("mitt", "samma"), 2), (3, ("väst",), 1)]
    assert rows[0].category == "Belysning" and rows[0].place == "56.66060, 12.90300"


def test_a_protocol_is_saved_whole_or_not_at_all(store, walk):
    from geo.store import ProtocolChange

    a, _ = pin(store, walk, "Kim", "x")
    b, _ = pin(store, walk, "Lo", "y")
    store.set_protocol(b, PLANNER, expected_version=1, responsible="polis", priority=2, due=None)
    with pytest.raises(Conflict):  # b was saved meanwhile: a is not saved either
        store.set_protocols(PLANNER, [ProtocolChange(a, 1, "kommun", 1, date(2027, 1, 31)),
                                      ProtocolChange(b, 1, "kommun", 3, None)])
    assert store.observation(a).responsible is None and store.observation(b).responsible == "polis"
    with pytest.raises(Invalid) as e:
        store.set_protocols(PLANNER, [ProtocolChange(a, 1, "kommun", 1, None), ProtocolChange(b, 2, None, 9, None)])
    assert e.value.errors == {"priority": "protocol.priority_range"} and e.value.values["id"] == b
    store.set_protocols(PLANNER, [ProtocolChange(a, 1, "kommun", 1, date(2027, 1, 31)),
                                  ProtocolChange(b, 2, None, None, None)])
    assert (store.observation(a).due, store.observation(b).priority) == (date(2027, 1, 31), None)
