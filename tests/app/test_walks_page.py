"""The walk leaders' page (pages/walks.py) through AppTest: create, validate, QR code, open,
close, follow on the map, and who may use it.

Each test gets its own copy of the demo database: these tests open and close walks, and the
other page tests rely on the demo's open walk staying open."""

from datetime import time, timedelta

import pytest
from streamlit.testing.v1 import AppTest

from geo import demo
from geo import walks as wl
from geo.i18n import local_today
from geo.model import SYSTEM, Actor, Role, WalkStatus
from geo.store import Store
from tests.app.conftest import APP, PLANNER, ROOT, open_app, run, sign_in

ADMIN = Actor(role=Role.ADMIN, name="Anna Admin", user_id=2)
FORBIDDEN = "Din roll får inte göra det här."


def walks_page(actor: Actor | None = PLANNER, **state) -> AppTest:
    return open_app(actor, "pages/walks.py", **state)


def click(at: AppTest, key: str) -> AppTest:
    at.button(key=key).click()
    return run(at)


def submit(at: AppTest) -> AppTest:
    next(b for b in at.button if b.label == "Skapa vandringen").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def captions(at: AppTest) -> str:
    return " ".join(c.value for c in at.caption)


def keys(at: AppTest) -> set[str]:
    return {b.key for b in at.button}


def planned_walk(store: Store):
    return wl.create_walk(store, PLANNER, district_id="vallas", date=local_today() + timedelta(days=14),
                          start_time=time(18, 30), leader="Pia Planerare",
                          activity_id="halmstad-2019.1.6")


def test_planner_creates_a_walk_and_it_gets_a_code(db):
    at = walks_page()
    assert at.title[0].value == "Vandringar"
    assert at.text_input(key="walks_leader_0").value == "Pia Planerare"  # the signed-in person
    district = at.selectbox(key="walks_district_0")
    district.select_index(next(i for i, d in enumerate(district.options) if d == "Halmstad · Vallås")).run()
    activity = at.selectbox(key="walks_activity_0_halmstad")
    assert activity.value == "halmstad-2019.1.6"  # the promise's walk activity, preselected
    at.text_input(key="walks_meeting_0").input("Vallås torg")
    at.multiselect(key="walks_groups_0").select("boende").select("polis").select("bostadsbolag")
    submit(at)
    walk = next(w for w in db.walks() if w.district_id == "vallas" and w.join_code)
    assert walk.title.startswith("Trygghetsvandring i Vallås")
    assert walk.status == WalkStatus.OPEN  # today: open at once
    assert walk.meeting_point == "Vallås torg" and walk.leader == "Pia Planerare"
    assert walk.groups == ("boende", "polis", "bostadsbolag")
    assert walk.activity_id == "halmstad-2019.1.6"
    assert any(walk.join_code in s.value for s in at.success)
    assert f"kod {walk.join_code}" in captions(at)
    assert at.text_input(key="walks_meeting_1").value == ""  # the form is empty again
    assert len(at.image) == 1  # open at once, so its QR code comes up at once
    assert at.code[0].value == f"http://localhost:8501/?kod={walk.join_code}"


def test_a_later_walk_is_planned_and_its_code_waits_for_the_button(db):
    at = walks_page()
    at.selectbox(key="walks_district_0").select_index(0).run()
    at.date_input(key="walks_date_0").set_value(local_today() + timedelta(days=7))
    at.text_input(key="walks_title_0").input("Kvällsvandring <b>[x](javascript:alert(1))</b>")
    submit(at)
    walk = next(w for w in db.walks() if w.title.startswith("Kvällsvandring"))
    assert walk.status == WalkStatus.PLANNED and not at.image
    assert walk.slug == f"kvallsvandring-b-x-javascript-alert-1-b-{walk.starts_at.date().isoformat()}"
    shown = [m.value for m in at.markdown if "Kvällsvandring" in m.value]
    assert shown and all("\\<b\\>" in v and "\\[x\\]" in v for v in shown)  # escaped, as typed


def test_a_missing_district_is_named_and_nothing_is_saved(db):
    before = len(db.walks())
    at = submit(walks_page())
    assert "Område: måste fyllas i" in [e.value for e in at.error]
    assert len(db.walks()) == before


def test_a_missing_leader_is_named(db):
    at = walks_page()
    at.selectbox(key="walks_district_0").select_index(0).run()
    at.text_input(key="walks_leader_0").input("")
    submit(at)
    assert "Vandringsledare: måste fyllas i" in [e.value for e in at.error]


def test_open_then_close_with_confirmation(db):
    walk = planned_walk(db)
    at = walks_page()
    assert walk.join_code in captions(at) and "Planerad" in captions(at)
    click(at, f"walks_open_{walk.id}")
    assert db.walk(walk.id).status == WalkStatus.OPEN
    click(at, f"walks_close_{walk.id}")
    assert db.walk(walk.id).status == WalkStatus.OPEN  # not yet: it asks first
    assert any("Stänga" in w.value for w in at.warning)
    click(at, f"walks_close_no_{walk.id}")
    assert not at.warning and db.walk(walk.id).status == WalkStatus.OPEN
    click(at, f"walks_close_{walk.id}")
    click(at, f"walks_close_yes_{walk.id}")
    assert db.walk(walk.id).status == WalkStatus.CLOSED
    assert any("är stängd" in s.value for s in at.success)
    assert f"walks_open_{walk.id}" not in keys(at)  # reopening is an admin's
    at = walks_page(ADMIN)
    click(at, f"walks_open_{walk.id}")  # "Öppna igen" for a walk closed by mistake
    assert db.walk(walk.id).status == WalkStatus.OPEN


def test_only_the_allowed_actions_are_shown(db):
    """Open and close for the walk's leader and an admin; reopen for an admin; a walk with no
    leader (the demo's) for any planner."""
    lo = db.add_user(SYSTEM, username="lo.ledare", role="planner", display_name="Lo Ledare")
    theirs = wl.create_walk(db, Actor(role=Role.PLANNER, name="Lo Ledare", user_id=lo.id), district_id="vallas",
                            date=local_today() + timedelta(days=14), start_time=time(18, 30), leader="Lo Ledare")
    mine = planned_walk(db)
    demo_open = db.walk_by_code(demo.DEMO_JOIN_CODE)
    demo_closed = next(w for w in db.walks() if w.status == WalkStatus.CLOSED)
    assert theirs.leader_id == lo.id and mine.leader_id == PLANNER.user_id and demo_open.leader_id is None
    at = walks_page()
    shown = keys(at)
    assert f"walks_open_{mine.id}" in shown and f"walks_close_{demo_open.id}" in shown
    assert f"walks_open_{theirs.id}" not in shown and f"walks_open_{demo_closed.id}" not in shown
    assert "Bara vandringens ledare eller en administratör får öppna och stänga den." in captions(at)
    assert all(f"walks_qr_{w.id}" in shown and f"walks_follow_{w.id}" in shown for w in (theirs, mine))
    shown = keys(walks_page(ADMIN))
    assert {f"walks_open_{theirs.id}", f"walks_open_{mine.id}", f"walks_close_{demo_open.id}",
            f"walks_open_{demo_closed.id}"} <= shown


def test_open_walks_come_first(db):
    walk = planned_walk(db)
    lines = [c.value for c in walks_page().caption if " · kod " in c.value]
    assert "DEMO24" in lines[0] and walk.join_code in lines[1] and "Avslutad" in lines[-1]


def test_qr_dialog_shows_the_code_and_the_root_link(db):
    at = walks_page()
    demo_walk = db.walk_by_code(demo.DEMO_JOIN_CODE)
    click(at, f"walks_qr_{demo_walk.id}")
    assert len(at.image) == 1
    assert any(demo.DEMO_JOIN_CODE in m.value for m in at.markdown)
    assert at.code[0].value == f"http://localhost:8501/?kod={demo.DEMO_JOIN_CODE}"


def test_qr_link_uses_public_url(db, monkeypatch):
    monkeypatch.setenv("PUBLIC_URL", "https://trygg.example.se/karta/")
    at = walks_page()
    click(at, f"walks_qr_{db.walk_by_code(demo.DEMO_JOIN_CODE).id}")
    assert at.code[0].value == f"https://trygg.example.se/karta/?kod={demo.DEMO_JOIN_CODE}"


def test_follow_on_the_map_chooses_the_walk(db):
    demo_walk = db.walk_by_code(demo.DEMO_JOIN_CODE)
    at = walks_page()
    at.button(key=f"walks_follow_{demo_walk.id}").click().run()
    # pages/walk.py (the live map) belongs to another change; here only the hand-over counts
    assert at.session_state["walk_id"] == demo_walk.id


def test_admin_may_use_the_page_in_english(db):
    at = walks_page(ADMIN, lang="en")
    assert at.title[0].value == "Walks"
    assert any(b.label == "Create the walk" for b in at.button)


def test_participant_and_visitor_cannot(db):
    participant = db.join_walk(demo.DEMO_JOIN_CODE, "Lisa", "boende")
    for actor in (participant, None):
        nav = AppTest.from_file(APP, default_timeout=60)
        if actor is not None:
            sign_in(nav, actor)
        nav.run()
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            nav.switch_page("pages/walks.py")
        alone = AppTest.from_file(str(ROOT / "pages" / "walks.py"), default_timeout=60)
        if actor is not None:
            sign_in(alone, actor)
        alone.run()
        assert [e.value for e in alone.error] == [FORBIDDEN]
        assert not alone.selectbox and not alone.button
