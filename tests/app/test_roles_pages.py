"""Roles through the pages: what a visitor, a participant, a planner and an admin get."""

import pytest
from streamlit.testing.v1 import AppTest

from geo import demo
from geo.model import Actor, Role
from geo.store import Store
from tests.app.conftest import ADMIN, APP, ROOT, sign_in
from tests.conftest import BACKENDS

pytestmark = pytest.mark.backends(*BACKENDS)  # every page on both backends


def start(actor: Actor | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    if actor is not None:
        sign_in(at, actor)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(at: AppTest) -> str:
    return " ".join([*(m.value for m in at.markdown), *(t.value for t in at.title),
                     *(c.value for c in at.caption), *(e.value for e in at.error)])


def not_a_page_for(at: AppTest, page: str) -> bool:
    """The navigation does not even offer ``page`` to this session."""
    try:
        at.switch_page(page)
    except ValueError as e:
        return "Could not find a navigation page" in str(e)
    return False


def page_alone(page: str, actor: Actor | None) -> AppTest:
    """Run a page file directly, as if someone found a way round the navigation."""
    at = AppTest.from_file(str(ROOT / page), default_timeout=60)
    if actor is not None:
        sign_in(at, actor)
    return at.run()


FORBIDDEN = "Din roll får inte göra det här."


def test_visitor_sees_only_sign_in_and_join(app_env):
    at = start()
    assert at.title[0].value == "Logga in"
    assert "demo-planerare" in str(at.table[0].value)
    for page in ("pages/map.py", "pages/admin.py", "pages/walk.py", "pages/about.py"):
        assert not_a_page_for(at, page), page
    for page in ("pages/map.py", "pages/admin.py", "pages/walk.py"):
        alone = page_alone(page, None)
        assert [e.value for e in alone.error] == [FORBIDDEN] and not alone.selectbox, page


def test_wrong_password_then_right(app_env):
    at = start()
    at.text_input[0].input("demo-planerare")
    at.text_input[1].input("fel-losenord")
    at.button[0].click().run()
    assert "Fel användarnamn eller lösenord." in [e.value for e in at.error]
    at.text_input[1].input(demo.DEMO_ACCOUNTS[1][1])
    at.button[0].click().run()
    assert at.session_state["actor"].role == Role.PLANNER
    assert at.title[0].value == "Trygghetskartan"  # the map page


def test_join_with_code_lands_on_the_walk(app_env):
    at = start()
    at.switch_page("pages/join.py").run()
    at.text_input[0].input("FEL123")
    at.text_input[1].input("Kalle")
    at.button[0].click().run()
    assert any("ingen pågående vandring" in e.value for e in at.error)
    at.text_input[0].input(demo.DEMO_JOIN_CODE)
    at.button[0].click().run()
    actor = at.session_state["actor"]
    assert actor.role == Role.PARTICIPANT and actor.name == "Kalle"
    assert at.title[0].value.startswith("Demovandring i Andersberg")


def test_participant_cannot_open_planner_pages(app_env):
    store = Store(app_env)
    participant = store.join_walk(demo.DEMO_JOIN_CODE, "Lisa", "boende")
    at = start(participant)
    assert at.title[0].value.startswith("Demovandring")
    for page in ("pages/map.py", "pages/admin.py", "pages/about.py"):
        assert not_a_page_for(at, page), page
    for page in ("pages/map.py", "pages/admin.py"):
        alone = page_alone(page, participant)
        assert [e.value for e in alone.error] == [FORBIDDEN] and not alone.selectbox, page


def test_planner_cannot_open_admin(app_env):
    planner = Actor(role=Role.PLANNER, name="P", user_id=1)
    assert not_a_page_for(start(planner), "pages/admin.py")
    alone = page_alone("pages/admin.py", planner)
    assert [e.value for e in alone.error] == [FORBIDDEN] and not alone.dataframe


def test_admin_adds_a_user(app_env):
    at = start(ADMIN)
    at.switch_page("pages/admin.py").run()
    assert not at.exception
    form_inputs = at.text_input
    form_inputs[0].input("ny.planerare")
    form_inputs[1].input("Ny Planerare")
    form_inputs[3].input("ett-langt-losenord")
    next(b for b in at.button if b.label == "Lägg till användare").click().run()
    assert Store(app_env).user("ny.planerare").role == "planner"


def test_sign_out(app_env):
    at = start(Actor(role=Role.PLANNER, name="P", user_id=1))
    next(b for b in at.sidebar.button if b.label == "Logga ut").click().run()
    assert "actor" not in at.session_state
    assert at.title[0].value == "Logga in"
