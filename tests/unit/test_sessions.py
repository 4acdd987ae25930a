"""Server-side sessions as the store keeps them (:mod:`geo.store.security`), on both backends:
a participant's link ends a grace period after its walk closed and at sign-out everywhere; an
account's ends when it is disabled, gets a new password, is idle too long or is removed with
the demo (the database deletes its sessions with it)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import func, select

from geo import demo
from geo import walks as wl
from geo.auth import hash_password
from geo.model import SYSTEM, Role, WalkStatus
from geo.store.schema import auth_session, walk
from geo.store.walks import LINK_GRACE
from ui.auth import IDLE_S

NOW = datetime(2026, 10, 24, 9, 0, tzinfo=UTC)


def open_walk(store):
    return wl.create_walk(store, SYSTEM, district_id="andersberg", date=NOW.date(), start_time=time(18, 0),
                          meeting_point="Andersbergs centrum", groups=["boende"], leader="Pia", now=NOW,
                          open_now=True)


def closed_at(store, walk_id: int) -> datetime:
    with store.engine.connect() as conn:
        return conn.scalar(select(walk.c.closed_at).where(walk.c.id == walk_id))


def sessions_of(store, user_id: int) -> int:
    with store.engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(auth_session).where(auth_session.c.user_id == user_id))


def test_a_link_works_through_the_grace_period_after_closing_and_not_after(store):
    walk = open_walk(store)
    kim = store.join_walk(walk.join_code, "Kim")
    token = store.reconnect_token(kim)
    assert store.session_holder(token, now=datetime.now(UTC) + timedelta(days=400)) is not None  # open: no end
    store.set_walk_status(walk.id, WalkStatus.CLOSED, SYSTEM)
    closed = closed_at(store, walk.id)
    assert store.session_holder(token, now=closed + timedelta(days=1)).participant_id == kim.participant_id
    assert store.session_holder(token, now=closed + LINK_GRACE - timedelta(seconds=1)) is not None
    assert store.session_holder(token, now=closed + LINK_GRACE + timedelta(seconds=1)) is None
    assert store.resume(token) == kim  # today: still within the grace period
    later = store.reconnect_token(kim)  # a new link replaces it, and ends at the same time
    assert store.resume(token) is None
    assert store.session_holder(later, now=closed + LINK_GRACE - timedelta(seconds=1)) is not None
    assert store.session_holder(later, now=closed + LINK_GRACE + timedelta(seconds=1)) is None


def test_a_walk_opened_again_gives_its_links_back_but_not_a_signed_out_one(store):
    """An admin reopens a closed walk: the links its closing set to expire work again with no
    end, but a link its participant signed out of stays ended."""
    walk = open_walk(store)
    kim, lo = store.join_walk(walk.join_code, "Kim"), store.join_walk(walk.join_code, "Lo")
    kims, los = store.reconnect_token(kim), store.reconnect_token(lo)
    store.sign_out_participant(lo.participant_id)
    store.set_walk_status(walk.id, WalkStatus.CLOSED, SYSTEM)
    past_grace = closed_at(store, walk.id) + LINK_GRACE + timedelta(days=1)
    assert store.session_holder(kims, now=past_grace) is None
    store.set_walk_status(walk.id, WalkStatus.OPEN, SYSTEM)
    assert store.session_holder(kims, now=past_grace).participant_id == kim.participant_id
    assert store.session_holder(los) is None


def test_a_participants_sign_out_ends_every_link_of_theirs_only(store):
    walk = open_walk(store)
    kim, lo = store.join_walk(walk.join_code, "Kim"), store.join_walk(walk.join_code, "Lo")
    tablet, los = store.reconnect_token(kim), store.reconnect_token(lo)
    assert store.sign_out_participant(kim.participant_id) == 1
    assert store.resume(tablet) is None
    assert store.resume(los) == lo
    again = store.join_walk(walk.join_code, "Kim")  # the same tablet, joining again: someone new
    assert again.participant_id not in (kim.participant_id, lo.participant_id)


def test_an_account_session_ends_when_disabled_or_its_password_changes(store):
    anna = store.add_user(SYSTEM, username="anna.p", role=Role.PLANNER, password_hash=hash_password("x" * 12))
    laptop, tablet = store.new_session(user_id=anna.id), store.new_session(user_id=anna.id)
    assert store.session_holder(laptop).user_id == anna.id
    store.set_password_hash(SYSTEM, "anna.p", hash_password("y" * 12))
    assert store.session_holder(laptop) is None and store.session_holder(tablet) is None
    fresh = store.new_session(user_id=anna.id)  # signed in with the new password
    assert store.session_holder(fresh).user_id == anna.id
    store.set_user_disabled(SYSTEM, "anna.p", True)
    assert store.session_holder(fresh) is None
    store.set_user_disabled(SYSTEM, "anna.p", False)
    assert store.session_holder(fresh) is None  # enabling again does not bring it back


def test_an_account_session_ends_after_the_idle_time(store):
    anna = store.add_user(SYSTEM, username="anna.p", role=Role.PLANNER)
    secret = store.new_session(user_id=anna.id)
    now = datetime.now(UTC)
    assert store.session_holder(secret, idle_s=IDLE_S, now=now + timedelta(seconds=IDLE_S - 60)) is not None
    # that run counted as use: idle is measured from it
    assert store.session_holder(secret, idle_s=IDLE_S, now=now + timedelta(seconds=2 * IDLE_S - 120)) is not None
    assert store.session_holder(secret, idle_s=IDLE_S, now=now + timedelta(seconds=3 * IDLE_S)) is None


def test_removing_the_demo_deletes_its_accounts_sessions(store):
    demo.load(store)
    planner = store.user("demo-planerare")
    secret = store.new_session(user_id=planner.id)
    kim = store.join_walk(demo.DEMO_JOIN_CODE, "Kim")
    link = store.reconnect_token(kim)
    assert sessions_of(store, planner.id) == 1
    demo.remove(store)
    assert store.session_holder(secret) is None and store.resume(link) is None
    assert sessions_of(store, planner.id) == 0  # ON DELETE CASCADE, on SQLite too


def test_housekeeping_forgets_ended_sessions(store):
    anna = store.add_user(SYSTEM, username="anna.p", role=Role.PLANNER)
    ended, open_ = store.new_session(user_id=anna.id), store.new_session(user_id=anna.id)
    store.revoke_session(ended)
    assert store.forget_old_sessions(datetime.now(UTC) + timedelta(seconds=1)) == 1
    assert sessions_of(store, anna.id) == 1 and store.session_holder(open_) is not None


def test_the_purge_command_forgets_ended_sessions_and_old_failed_tries(store, store_url, monkeypatch, capsys):
    from geo.__main__ import main

    anna = store.add_user(SYSTEM, username="anna.p", role=Role.PLANNER)
    ended, open_ = store.new_session(user_id=anna.id), store.new_session(user_id=anna.id)
    store.revoke_session(ended)
    store.claim_attempt("source:192.0.2.7", lambda n: 0, window_s=60, now=NOW - timedelta(days=30))
    tomorrow = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()
    monkeypatch.setenv("DATABASE_URL", store_url)
    assert main(["purge", "--before", tomorrow]) in (0, None)
    out = capsys.readouterr().out
    assert "Glömt 1 avslutade inloggningar och 1 räknade felförsök" in out
    assert sessions_of(store, anna.id) == 1 and store.session_holder(open_) is not None
