"""The walk protocol page through AppTest: merging suggested pins, saving the protocol's
columns, and who may use it."""

from __future__ import annotations

from datetime import UTC, datetime

from streamlit.testing.v1 import AppTest

from geo.model import ObservationDraft
from tests.app.conftest import PLANNER, open_app, run

WHEN = datetime(2026, 10, 20, 18, 30, tzinfo=UTC)



def protocol_page(actor=PLANNER, **state) -> AppTest:
    return open_app(actor, "pages/protocol.py", **state)


def a_walk_with_two_tablets(db):
    walk = db.add_walk(PLANNER, slug="proto", district_id="andersberg", title="Protokollvandring",
                       starts_at=WHEN, status="open", join_code="PRO234")
    ids = []
    for name, lon, text in (("Kim", 12.90120, "Lampan är trasig"), ("Lo", 12.90125, "Mörkt här"),
                            ("Mo", 12.90300, "Klotter")):
        actor = db.join_walk("PRO234", name)
        ids.append(db.add_observation(ObservationDraft(
            category="belysning" if name != "Mo" else "klotter", lon=lon, lat=56.6606, feeling=4,
            description=text, walk_id=walk.id, observed_at=WHEN), actor))
    return walk, ids


def test_suggested_pins_are_merged_and_the_protocol_saved(db):
    walk, (a, b, c) = a_walk_with_two_tablets(db)
    at = protocol_page(protocol_walk=walk.id)
    assert any(f"#{a}, #{b}" in m.value for m in at.markdown)  # same category, 3 m apart
    next(b_ for b_ in at.button if b_.label == "Slå samman").click()
    run(at)
    assert any(s.value.startswith("2 nålar är sammanslagna") for s in at.success)
    kept = db.observation(a)
    assert kept.flagged_by == 2 and db.observation(b).merged_into == a
    assert [o.id for o in db.observations(walk_id=walk.id)] == [a, c]

    table = at.get("arrow_data_frame") or at.dataframe
    assert table  # the points, in the walk's order
    next(b_ for b_ in at.button if b_.label == "Spara protokollet").click()
    run(at)
    assert any(s.value == "Protokollet är sparat (2 punkter)." for s in at.success)
    assert db.observation(a).version == kept.version + 1


def test_only_planners_and_admins_see_the_protocol(db):
    from tests.app.test_roles_pages import FORBIDDEN, not_a_page_for, page_alone, start

    participant = db.join_walk("DEMO24", "Kim")
    assert not_a_page_for(start(participant), "pages/protocol.py")
    alone = page_alone("pages/protocol.py", participant)
    assert [e.value for e in alone.error] == [FORBIDDEN] and not alone.selectbox
