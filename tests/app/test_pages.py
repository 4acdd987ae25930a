"""Page logic through Streamlit's AppTest: each page renders, choices change what is shown."""

import re

import pytest
from streamlit.testing.v1 import AppTest

from geo.model import Actor, Role
from tests.app.conftest import APP, sign_in
from tests.conftest import BACKENDS

pytestmark = pytest.mark.backends(*BACKENDS)  # every page on both backends

PLANNER = Actor(role=Role.PLANNER, name="Planerare", user_id=1)
ADMIN = Actor(role=Role.ADMIN, name="Admin", user_id=2)


def run(page: str | None = None, actor: Actor | None = PLANNER, **state) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    if actor is not None:
        sign_in(at, actor)
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_map_page_defaults_to_a_district_with_demo_pins(app_env):
    at = run()
    assert at.title[0].value == "Trygghetskartan"
    assert at.selectbox(key="map_muni").value.name == "Halmstad"
    caption = " ".join(c.value for c in at.caption)
    assert "SCB" in caption
    assert _count(at) >= 50
    assert any("Demodata" in i.value for i in at.info)


def test_choosing_a_walk_narrows_the_observations(app_env):
    at = run()
    all_count = _count(at)
    walks = at.multiselect(key="f_walks").options
    assert len(walks) >= 2
    at.multiselect(key="f_walks").select(walks[-1]).run()  # the first walk
    assert 0 < _count(at) < all_count


def test_switching_district_and_municipality(app_env):
    at = run()
    muni = at.selectbox(key="map_muni")
    muni.select_index(muni.options.index("Hallstahammar")).run()
    assert at.selectbox(key="map_district").value.id == "barnangen"
    assert _count(at) >= 20


def test_english_is_a_choice(app_env):
    at = run(lang="en")
    caption = " ".join(c.value for c in at.caption)
    assert "observations" in caption
    assert at.selectbox(key="map_muni").label == "Municipality"


def test_about_page_lists_promises_and_sources(app_env):
    at = run("pages/about.py")
    text = " ".join(m.value for m in at.markdown)
    assert "halmstad-2019.1.6" in text and "SCB" in text and "OpenStreetMap" in text
    assert any("Medborgarlöfte Halmstad 2019" in e.label for e in at.expander)


def _count(at: AppTest) -> int:
    """The number of observations the map caption reports."""
    caption = " ".join(c.value for c in at.caption)
    return int(re.search(r"(\d+) (?:av|of) \d+ (?:iakttagelser|observations)", caption).group(1))


@pytest.fixture(autouse=True)
def _fresh(app_env):
    yield
