"""Thirty walkers saving at the same moment, as threads of one app process and as separate
processes on one database, on both backends: nothing lost, nothing twice; and two planners
changing the same measure do not overwrite each other."""

from __future__ import annotations

import multiprocessing as mp
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest

from geo import workflow
from geo.model import SYSTEM, Actor, ObservationDraft, Role
from geo.store import Conflict, Invalid, Store, Unavailable
from tests import factories as make

WALKERS = 30
PLANNER = Actor(role=Role.PLANNER, name="Planerare", user_id=1)
WHEN = datetime(2026, 11, 23, 18, 30, tzinfo=UTC)


def open_walk(store: Store) -> str:
    store.add_walk(PLANNER, slug="kvall", district_id="andersberg", title="Kvällsvandring",
                   starts_at=WHEN, status="open", join_code="KVALLX")
    return "KVALLX"


def pin(n: int, walk_id: int | None = None) -> ObservationDraft:
    # thirty spots a few metres apart along Andersberg's centre
    return make.draft(lon=12.9000 + n * 0.00005, feeling=1 + n % 5, description=f"Mörkt vid lampa {n}",
                      observed_at=WHEN, uuid=str(uuid.uuid4()), walk_id=walk_id)


def slowed(monkeypatch, owner, name: str, seconds: float = 0.1) -> None:
    """Make the step between a write's read and its update take a while, so that concurrent
    writers really overlap there (what a busy server does now and then): the test then
    fails whenever the store relies on luck instead of locks."""
    original = getattr(owner, name)

    def slow(*args, **kwargs):
        time.sleep(seconds)
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, slow)


def assert_exact(store: Store, uids: list[str]) -> None:
    """Every pin once, with its history entry, and each walker's pin theirs."""
    obs = store.observations()
    assert sorted(o.uuid for o in obs) == sorted(uids)
    assert len({o.id for o in obs}) == len(uids)
    assert Counter(h.entity_id for h in store.histories("observation", [o.id for o in obs])) == {
        o.id: 1 for o in obs}
    assert store.integrity_problems() == []


def test_thirty_walkers_in_threads_each_pin_once_even_with_double_taps(store):
    code = open_walk(store)
    barrier = threading.Barrier(WALKERS)

    def walker(n: int) -> tuple[int, list[int]]:
        me = store.join_walk(code, f"Gående {n}", "boende")
        draft = pin(n, me.walk_id)
        barrier.wait()  # everyone taps "Spara" at the same moment …
        first = store.add_observations([draft], me).ids
        again = store.add_observations([draft], me).ids  # … and a gloved double tap
        return me.participant_id, first + again

    with ThreadPoolExecutor(WALKERS) as pool:
        results = list(pool.map(walker, range(WALKERS)))
    assert all(ids[0] == ids[1] for _pid, ids in results)
    obs = {o.id: o for o in store.observations()}
    assert len(obs) == WALKERS
    assert sorted(obs[ids[0]].participant_id for _pid, ids in results) == sorted(
        pid for pid, _ids in results)
    assert store.participant_counts([store.walk_by_code(code).id]) == {
        store.walk_by_code(code).id: WALKERS}
    assert_exact(store, [o.uuid for o in obs.values()])


def test_the_same_pin_sent_by_thirty_threads_is_stored_once(store, monkeypatch):
    """A resubmitted pin reaching several app threads at once (the uuid is made when the pin
    is placed): one row, and every sender is told its id."""
    slowed(monkeypatch, Store, "_district_of")  # between the uuid look-up and the insert
    draft = pin(1)
    barrier = threading.Barrier(WALKERS)

    def send(_n: int):
        barrier.wait()
        return store.add_observations([draft], SYSTEM)

    with ThreadPoolExecutor(WALKERS) as pool:
        saved = list(pool.map(send, range(WALKERS)))
    assert {s.ids[0] for s in saved} == {store.observations()[0].id}
    assert sum(s.added for s in saved) == 1
    assert_exact(store, [draft.uuid])


def _again(call, tries: int = 8):
    """What a tablet does when a save is refused as :class:`Unavailable` (the database stayed
    busy longer than the store waits, ``SQLITE_BUSY_TIMEOUT_S``): it keeps the pin and sends
    it again, with the same uuid.  Returns the result and how many tries were refused."""
    for refused in range(tries):
        try:
            return call(), refused
        except Unavailable:
            if refused == tries - 1:
                raise
            time.sleep(0.2 * (refused + 1))


def _walker_process(url: str, code: str, n: int, barrier, out) -> None:
    store = Store(url)  # a process of its own: its own engine and connections
    try:
        me, busy = _again(lambda: store.join_walk(code, f"Gående {n}", "polis"))
        draft = pin(n, me.walk_id)
        barrier.wait(timeout=120)
        first, busy_first = _again(lambda: store.add_observations([draft], me).ids[0])
        again, busy_again = _again(lambda: store.add_observations([draft], me).ids[0])
        out.put((n, me.participant_id, draft.uuid, first, again, busy + busy_first + busy_again))
    except Exception as e:  # reported to the test, which fails on it
        out.put((n, None, repr(e), None, None, None))
    finally:
        store.dispose()


@pytest.mark.slow
def test_thirty_walkers_as_processes_on_one_database(store, store_url):
    """Thirty app processes on one database.  SQLite promises one writer at a time and a
    bounded wait, not that every writer gets in within it: on a loaded machine a save may be
    refused as Unavailable (nothing written) and is sent again, as the tablet does.  What must
    hold on both backends: every pin stored exactly once, with its walker, and nothing
    refused for good."""
    code = open_walk(store)
    # clean processes, as separate app servers would be: forked from a server process that has
    # imported the code but holds no engine or connection (each walker makes its own Store),
    # so thirty of them start in a moment instead of importing everything thirty times
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(["geo.store", __name__])
    barrier, out = ctx.Barrier(WALKERS), ctx.Queue()
    procs = [ctx.Process(target=_walker_process, args=(store_url, code, n, barrier, out))
             for n in range(WALKERS)]
    for p in procs:
        p.start()
    results = [out.get(timeout=300) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    assert [r for r in results if r[1] is None] == []
    assert all(r[3] == r[4] for r in results)  # the double tap got the same id
    assert sorted(r[0] for r in results) == list(range(WALKERS))
    assert_exact(store, [r[2] for r in results])
    by_uuid = {o.uuid: o for o in store.observations()}
    assert all(by_uuid[r[2]].participant_id == r[1] and by_uuid[r[2]].id == r[3] for r in results)
    if store.backend == "postgresql":  # the server queues writers; none is ever turned away
        assert sum(r[5] for r in results) == 0


def _measure(store: Store) -> int:
    return store.add_measure(make.measure_draft(), PLANNER)


def test_two_planners_saving_the_same_measure_one_is_told(store):
    mid = _measure(store)
    seen = store.measure(mid)
    barrier = threading.Barrier(2)

    def save(title: str):
        barrier.wait()
        try:
            return store.update_measure(mid, PLANNER, expected_version=seen.version, title=title)
        except Conflict as e:
            return e

    with ThreadPoolExecutor(2) as pool:
        a, b = pool.map(save, ["Två nya lampor", "LED-armatur och röjning"])
    conflicts = [r for r in (a, b) if isinstance(r, Conflict)]
    saved = [r for r in (a, b) if not isinstance(r, Conflict)]
    assert len(conflicts) == 1 and len(saved) == 1
    now = store.measure(mid)
    assert now.title == saved[0].title and now.version == seen.version + 1


def test_status_changes_at_once_are_taken_in_turn(store, monkeypatch):
    """Without a version (the command line, say), two changes are both kept, one after the
    other: the history chains from one status to the next, and nothing is lost."""
    mid = _measure(store)
    slowed(monkeypatch, workflow, "check_measure_change")  # between reading and writing
    barrier = threading.Barrier(2)

    def change(new: str):
        barrier.wait()
        try:
            return store.set_measure_status(mid, new, PLANNER, comment="beslut i nämnden")
        except Invalid as e:  # 'cancelled' first leaves no way to 'decided': refused, named
            return e

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(change, ["decided", "cancelled"]))
    applied = [r for r in results if not isinstance(r, Invalid)]
    history = store.history("measure", mid)
    assert len(history) == 1 + len(applied)
    assert [h.from_status for h in history[1:]] == [h.to_status for h in history[:-1]]
    assert store.measure(mid).status == history[-1].to_status
    assert store.measure(mid).version == 1 + len(applied)
    for refused in (r for r in results if isinstance(r, Invalid)):
        assert refused.values["current"] == "cancelled"


def test_two_leaders_merging_the_same_pins_at_once(store, monkeypatch):
    code = open_walk(store)
    walk_id = store.walk_by_code(code).id
    ids = store.add_observations([pin(n, walk_id) for n in range(3)], PLANNER).ids
    slowed(monkeypatch, workflow, "text_problem")  # between reading the pins and merging
    barrier = threading.Barrier(2)

    def merge(_n: int):
        barrier.wait()
        try:
            return store.merge_observations(ids[0], ids[1:], PLANNER)
        except Exception as e:
            return e

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(merge, range(2)))
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(refused) == 1 and refused[0].errors == {"observation_ids": "protocol.already_merged"}
    kept = store.observation(ids[0])
    assert kept.flagged_by == 3  # counted once, not twice
    assert store.integrity_problems() == []
