""""Jag håller med" (me too) in the store, on both backends: a person seconds a pin once, never
their own, only while the walk is open; merges move the seconds and count each person once;
reads carry the count in one query; backups, the privacy purge and deletions keep it right."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event

from geo.model import SYSTEM, Actor, Role
from geo.roles import Action, Forbidden, allowed, second_problem
from geo.store import NotFound
from geo.store.backup import backup, restore
from tests import factories as make

WHEN = datetime(2026, 10, 20, 18, 30, tzinfo=UTC)
PLANNER = Actor(role=Role.PLANNER, name="Ledare", user_id=1)


@pytest.fixture
def walk(store):
    return store.add_walk(PLANNER, slug="kvall", district_id="andersberg", title="Kväll", starts_at=WHEN,
                          status="open", join_code="KVL234")


def person(store, name):
    return store.join_walk("KVL234", name)


def pin(store, walk, who, text="Mörkt", lon=12.9012):
    return store.add_observation(make.draft(lon=lon, description=text, walk_id=walk.id, observed_at=WHEN), who)


def account(store, username="pia"):
    user = store.add_user(SYSTEM, username=username, role="planner", display_name=username.title())
    return Actor(role=Role.PLANNER, name=user.display_name, user_id=user.id)


def refusal(call) -> str:
    with pytest.raises(Forbidden) as e:
        call()
    return e.value.key


def test_seconding_twice_counts_once_and_two_people_count_two(store, walk):
    kim, lo, mo = person(store, "Kim"), person(store, "Lo"), person(store, "Mo")
    oid = pin(store, walk, kim)
    assert store.observation(oid).supporters == 0 and not store.has_seconded(oid, lo)
    assert store.second(oid, lo) == 1
    assert store.second(oid, lo) == 1  # again: no error, no second row
    assert store.has_seconded(oid, lo) and not store.has_seconded(oid, mo)
    assert store.second(oid, mo) == 2
    assert store.observation(oid).supporters == 2
    assert store.observation(oid).people == 3  # the writer and the two who seconded
    assert store.seconded(lo) == {oid} and store.seconded(lo, [oid + 1]) == set()
    assert store.supporter_rows(oid) == [(lo.participant_id, None), (mo.participant_id, None)]


def test_an_account_seconds_once_too_and_an_actor_who_is_no_one_is_refused(store, walk):
    kim, pia = person(store, "Kim"), account(store)
    oid = pin(store, walk, kim)
    assert store.second(oid, pia) == 1 and store.second(oid, pia) == 1
    assert store.has_seconded(oid, pia)
    assert refusal(lambda: store.second(oid, SYSTEM)) == "roles.forbidden"
    assert not store.has_seconded(oid, SYSTEM) and store.seconded(SYSTEM) == set()
    assert store.observation(oid).supporters == 1


def test_the_reads_carry_the_counts(store, walk):
    kim, lo, mo = person(store, "Kim"), person(store, "Lo"), person(store, "Mo")
    a, b, c = pin(store, walk, kim, "a"), pin(store, walk, kim, "b", lon=12.9015), pin(store, walk, lo, "c")
    store.second(a, lo)
    store.second(a, mo)
    store.second(b, mo)
    counts = {o.id: o.supporters for o in store.observations(walk_id=walk.id)}
    assert counts == {a: 2, b: 1, c: 0}
    assert {o.id: o.supporters for o in store.visible_observations(mo)} == counts
    near = {o.id: o.supporters for o, _d in store.observations_near(12.9012, 56.6606, 50)}
    assert near == counts
    box = store.observations(bbox=(12.90, 56.66, 12.902, 56.661))
    assert {o.id: o.supporters for o in box} == counts


def test_the_counts_come_in_one_query_however_many_pins(store, walk):
    kim, lo = person(store, "Kim"), person(store, "Lo")
    ids = [pin(store, walk, kim, f"p{i}", lon=12.9012 + i * 1e-5) for i in range(12)]
    for oid in ids[::2]:
        store.second(oid, lo)
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    event.listen(store.engine, "before_cursor_execute", count)
    try:
        found = store.observations(walk_id=walk.id)
    finally:
        event.remove(store.engine, "before_cursor_execute", count)
    assert [o.supporters for o in found] == [1, 0] * 6
    assert len(statements) == 1, statements


def test_ones_own_pin_is_refused(store, walk):
    kim = person(store, "Kim")
    oid = pin(store, walk, kim)
    assert refusal(lambda: store.second(oid, kim)) == "support.own_pin"
    assert store.observation(oid).supporters == 0 and not store.has_seconded(oid, kim)


def test_a_closed_walk_is_refused_for_everyone(store, walk):
    kim, lo, pia = person(store, "Kim"), person(store, "Lo"), account(store)
    oid = pin(store, walk, kim)
    store.second(oid, lo)
    store.set_walk_status(walk.id, "closed", PLANNER)
    assert refusal(lambda: store.second(oid, pia)) == "support.walk_closed"
    assert refusal(lambda: store.second(oid, lo)) == "support.walk_closed"
    assert store.observation(oid).supporters == 1  # what was seconded while it was open stays


def test_a_pin_of_another_walk_or_of_no_walk_is_refused(store, walk):
    other = store.add_walk(PLANNER, slug="annan", district_id="andersberg", title="Annan", starts_at=WHEN,
                           status="open", join_code="ANN234")
    kim = person(store, "Kim")
    theirs = store.add_observation(make.draft(walk_id=other.id, observed_at=WHEN), store.join_walk("ANN234", "Bo"))
    assert refusal(lambda: store.second(theirs, kim)) == "roles.forbidden"
    loose = store.add_observation(make.draft(), PLANNER)  # an imported pin, on no walk
    assert refusal(lambda: store.second(loose, PLANNER)) == "support.no_walk"
    with pytest.raises(NotFound):
        store.second(10 ** 6, kim)


def test_a_merged_pin_passes_the_second_on_to_the_kept_one(store, walk):
    kim, lo, mo = person(store, "Kim"), person(store, "Lo"), person(store, "Mo")
    a, b = pin(store, walk, kim, "a"), pin(store, walk, lo, "b")
    store.merge_observations(a, [b], PLANNER)
    assert store.second(b, mo) == 1
    assert store.observation(a).supporters == 1 and store.observation(b).supporters == 0
    assert store.has_seconded(b, mo) and store.has_seconded(a, mo)
    # whoever wrote one of the merged pins is counted by flagged_by already: it is their own
    assert refusal(lambda: store.second(b, kim)) == "support.own_pin"
    assert refusal(lambda: store.second(a, lo)) == "support.own_pin"
    assert store.observation(a).supporters == 1


def test_a_merge_moves_the_seconds_and_counts_each_person_once(store, walk):
    kim, lo, mo, bo = (person(store, n) for n in ("Kim", "Lo", "Mo", "Bo"))
    pia = account(store)
    a, b, c = pin(store, walk, kim, "a"), pin(store, walk, lo, "b"), pin(store, walk, mo, "c")
    store.second(a, lo)   # Lo wrote b, which is merged: flagged_by counts Lo already
    store.second(b, kim)  # Kim wrote the kept pin: dropped
    store.second(b, bo)
    store.second(c, bo)   # Bo seconded two of them: once
    store.second(c, pia)
    store.second(a, pia)  # so did the account
    kept = store.merge_observations(a, [b, c], PLANNER)
    assert (kept.flagged_by, kept.supporters, kept.people) == (3, 2, 5)
    assert sorted(store.supporter_rows(a), key=repr) == sorted(
        [(bo.participant_id, None), (None, pia.user_id)], key=repr)
    assert store.supporter_rows(b) == [] and store.supporter_rows(c) == []
    assert store.integrity_problems() == []


def test_a_backup_carries_the_seconds(store, new_store, walk, tmp_path):
    kim, lo, pia = person(store, "Kim"), person(store, "Lo"), account(store)
    oid = pin(store, walk, kim)
    store.second(oid, lo)
    store.second(oid, pia)
    info = backup(store, tmp_path / "b.db")
    assert info.counts["observation_support"] == 2
    copy = new_store("copy")
    restore(copy, tmp_path / "b.db")
    assert copy.observation(oid).supporters == 2
    assert copy.has_seconded(oid, lo) and copy.has_seconded(oid, pia)
    assert copy.counts()["observation_support"] == 2


def test_the_privacy_purge_keeps_the_count_but_not_who(store, walk):
    kim, lo, pia = person(store, "Kim"), person(store, "Lo"), account(store)
    oid = pin(store, walk, kim)
    store.second(oid, lo)
    store.second(oid, pia)
    counts = store.purge_personal(SYSTEM, datetime.now(UTC) + timedelta(days=1))
    assert counts["observation_support"] == 2
    assert store.supporter_rows(oid) == [(None, None), (None, None)]
    assert store.observation(oid).supporters == 2
    assert not store.has_seconded(oid, lo) and store.participant(lo.participant_id).name == "–"
    assert store.purge_personal(SYSTEM, datetime.now(UTC) + timedelta(days=1))["observation_support"] == 0


def test_deleting_a_pin_or_removing_the_demo_takes_its_seconds(store, walk):
    kim, lo = person(store, "Kim"), person(store, "Lo")
    oid = pin(store, walk, kim)
    store.second(oid, lo)
    store.delete_observation(oid, kim)
    assert store.counts()["observation_support"] == 0


def test_the_demo_seconds_pins_through_the_store(demo_store):
    seconded = [o for o in demo_store.observations() if o.supporters]
    assert seconded, "the demo shows a few pins people agreed with"
    assert all(o.is_demo for o in seconded)
    demo_store.remove_demo(SYSTEM)
    assert demo_store.counts()["observation_support"] == 0


# --- the rule itself (geo.roles) ----------------------------------------------------------
def test_second_problem_follows_the_pin_rule():
    open_walk = make.replace(_walk(), status="open")
    kim = Actor(role=Role.PARTICIPANT, name="Kim", participant_id=7, walk_id=open_walk.id)
    theirs = make.observation(1, walk_id=open_walk.id, participant_id=8)
    mine = make.replace(theirs, participant_id=7)
    assert second_problem(kim, theirs, open_walk) is None
    assert second_problem(kim, mine, open_walk) == "support.own_pin"
    assert second_problem(kim, theirs, make.replace(open_walk, status="closed")) == "support.walk_closed"
    assert second_problem(kim, theirs, make.replace(open_walk, status="planned")) == "support.walk_closed"
    assert second_problem(kim, make.replace(theirs, walk_id=None), None) == "support.no_walk"
    assert second_problem(None, theirs, open_walk) == "roles.forbidden"
    stranger = Actor(role=Role.PARTICIPANT, name="Bo", participant_id=9, walk_id=open_walk.id + 1)
    assert second_problem(stranger, theirs, open_walk) == "roles.forbidden"
    assert second_problem(PLANNER, mine, open_walk) is None
    assert allowed(kim, Action.SECOND_OBSERVATION, walk=open_walk)
    assert not allowed(kim, Action.SECOND_OBSERVATION, walk=make.replace(open_walk, status="closed"))


def _walk():
    from geo.model import Walk
    return Walk(id=1, slug="w", district_id="andersberg", activity_id=None, title="W", starts_at=WHEN,
                ends_at=None, meeting_point="", groups=(), leader="", participants=None, status="open",
                route=None, is_demo=False)
