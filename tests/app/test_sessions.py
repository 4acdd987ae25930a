"""Sessions through the pages (AppTest, on both backends): every run checks the server-side
session, so a disabled account, a new password or removed demo accounts sign the person out
of every open session at once, saying why; an actor in the Streamlit session without a valid
session is no one; a participant's *Logga ut* (confirmed) ends their link everywhere, so Back
or the old address lands on the join page, and the next person joins as someone new."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update
from streamlit.testing.v1 import AppTest

from geo import demo
from geo.__main__ import main as cli
from geo.auth import hash_password
from geo.i18n import t
from geo.model import SYSTEM, Role
from geo.store.schema import auth_session
from tests.app.conftest import ADMIN, APP, PLANNER, open_app, run
from tests.app.test_walk_page import visitor
from ui import auth

PASSWORD, NEW_PASSWORD = "lenas-losenord-1", "lenas-nya-losenord-2"
SIGN_IN_TITLE, JOIN_TITLE = "Logga in", "Gå med i en trygghetsvandring"


def by_form(username: str, password: str = PASSWORD) -> AppTest:
    """A new browser session, signed in through the sign-in page as a person would."""
    at = run(AppTest.from_file(APP, default_timeout=60))
    at.text_input[0].input(username)
    at.text_input[1].input(password)
    next(b for b in at.button if b.label == "Logga in").click()
    run(at)
    assert at.session_state[auth.ACTOR_KEY].name and at.title[0].value == "Trygghetskartan"
    return at


def warnings(at: AppTest) -> list[str]:
    return [w.value for w in at.warning]


def signed_out(at: AppTest, title: str = SIGN_IN_TITLE) -> bool:
    """No one is signed in, and the page is the one a visitor lands on."""
    return (auth.ACTOR_KEY not in at.session_state and auth.SESSION_KEY not in at.session_state
            and at.title[0].value == title and not at.sidebar.button)


def lena(db) -> None:
    db.add_user(SYSTEM, username="lena.l", role=Role.PLANNER, display_name="Lena L",
                password_hash=hash_password(PASSWORD))


def test_an_actor_without_a_session_is_no_one(app_env):
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state[auth.ACTOR_KEY] = PLANNER  # as the app once kept a sign-in
    run(at)
    assert signed_out(at) and not at.selectbox


def test_the_account_is_read_again_on_every_run(db):
    at = open_app(PLANNER)
    assert at.session_state[auth.ACTOR_KEY] == PLANNER
    with db.engine.begin() as conn:  # e.g. an admin made Pia an admin meanwhile
        from geo.store.schema import user_account
        conn.execute(update(user_account).where(user_account.c.id == PLANNER.user_id)
                     .values(role="admin", display_name="Pia P"))
    run(at)
    assert at.session_state[auth.ACTOR_KEY].role == Role.ADMIN
    assert "Inloggad: Pia P (Administratör)" in [c.value for c in at.sidebar.caption]


def test_a_disabled_account_is_signed_out_of_every_open_session(db):
    lena(db)
    laptop, tablet = by_form("lena.l"), by_form("lena.l")
    admin = open_app(ADMIN, page="pages/admin.py")
    next(s for s in admin.selectbox if s.label == "Användarnamn").set_value("lena.l")
    admin.toggle[0].set_value(True)
    next(b for b in admin.button if b.label == "Spara").click()
    run(admin)
    assert db.user("lena.l").disabled
    for at in (laptop, tablet):
        run(at)  # the next click, or the next page
        assert signed_out(at)
        assert warnings(at) == [t("auth.ended_disabled", "sv")]
        run(at)
        assert signed_out(at) and not warnings(at)  # said once
    assert not admin.exception and admin.title[0].value == "Administration"  # the admin stays


def test_a_new_password_ends_the_sessions_signed_in_with_the_old_one(db):
    lena(db)
    laptop, tablet = by_form("lena.l"), by_form("lena.l")
    db.set_password_hash(SYSTEM, "lena.l", hash_password(NEW_PASSWORD))  # `python -m geo user password`
    for at in (laptop, tablet):
        run(at)
        assert signed_out(at) and warnings(at) == [t("auth.ended_password", "sv")]
    assert by_form("lena.l", NEW_PASSWORD).session_state[auth.ACTOR_KEY].name == "Lena L"


def test_a_planner_idle_too_long_is_signed_out(db):
    at = by_form("demo-planerare", "demo-planerare-2019")
    with db.engine.begin() as conn:  # the tab was left open overnight
        conn.execute(update(auth_session).values(
            last_seen=datetime.now(UTC) - timedelta(seconds=auth.IDLE_S + 60)))
    run(at)
    assert signed_out(at) and warnings(at) == [t("auth.ended_idle", "sv", hours=12)]


def test_removing_the_demo_signs_out_a_demo_planner(db, capsys):
    at = by_form("demo-planerare", "demo-planerare-2019")
    assert cli(["demo", "remove"]) in (0, None)  # python -m geo demo remove, on this database
    assert db.user("demo-planerare") is None
    run(at)
    assert signed_out(at) and warnings(at) == [t("auth.ended_gone", "sv")]


def test_a_planners_sign_out_ends_the_session_in_the_database(db):
    at = open_app(PLANNER)
    secret = at.session_state[auth.SESSION_KEY].secret
    next(b for b in at.sidebar.button if b.label == "Logga ut").click()
    run(at)
    assert signed_out(at) and at.info[0].value == t("auth.signed_out", "sv")
    assert db.session_holder(secret) is None


def test_a_participants_sign_out_asks_then_ends_the_link_everywhere(db):
    at = visitor(kod=demo.DEMO_JOIN_CODE)
    at.text_input[1].input("Kim")
    at.button[0].click()
    run(at)
    run(at)  # AppTest still sends the join page's hash once after the join (a browser does not)
    kim, token = at.session_state[auth.ACTOR_KEY], at.query_params["t"]
    other_tab = visitor(t=token)  # the same link open on a second tab
    assert other_tab.session_state[auth.ACTOR_KEY] == kim

    next(b for b in at.sidebar.button if b.label == "Logga ut").click()
    run(at)  # one more tap: the confirmation, with a big button
    assert warnings(at)[-1] == t("auth.leave_confirm", "sv")
    assert at.session_state[auth.ACTOR_KEY] == kim and db.resume(token) == kim  # not yet
    yes = next(b for b in at.sidebar.button if b.label == "Ja, logga ut")
    assert yes.proto.type == "primary"
    yes.click()
    run(at)
    assert signed_out(at, JOIN_TITLE) and "t" not in at.query_params
    assert at.info[0].value == t("auth.left_walk", "sv")
    assert db.resume(token) is None

    run(other_tab)  # the other tab's next run: out, with the reason
    assert signed_out(other_tab, JOIN_TITLE) and warnings(other_tab) == [t("auth.link_ended", "sv")]

    at.query_params["t"] = token  # Back: the old address, in the same browser session
    run(at)
    assert signed_out(at, JOIN_TITLE) and warnings(at) == [t("auth.link_ended", "sv")]
    assert "t" not in at.query_params and not at.title[0].value.startswith("Demovandring")

    fresh = visitor(t=token)  # the old address in a new browser
    assert signed_out(fresh, JOIN_TITLE) and warnings(fresh) == [t("auth.link_ended", "sv")]

    at.text_input[0].input(demo.DEMO_JOIN_CODE)  # the next person on the shared tablet
    at.text_input[1].input("Lo")
    at.button[0].click()
    run(at)
    lo = at.session_state[auth.ACTOR_KEY]
    assert lo.name == "Lo" and lo.participant_id != kim.participant_id
    assert at.title[0].value.startswith("Demovandring i Andersberg")


def test_a_participant_may_change_their_mind(db):
    kim = db.join_walk(demo.DEMO_JOIN_CODE, "Kim")
    at = open_app(kim)
    next(b for b in at.sidebar.button if b.label == "Logga ut").click()
    run(at)
    next(b for b in at.sidebar.button if b.label == "Avbryt").click()
    run(at)
    assert at.session_state[auth.ACTOR_KEY] == kim and at.title[0].value.startswith("Demovandring")
    assert [b.label for b in at.sidebar.button] == ["Logga ut", "Byt deltagare"]
    assert at.query_params["t"] == at.session_state[auth.SESSION_KEY].secret  # the link to come back
