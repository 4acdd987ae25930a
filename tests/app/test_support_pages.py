""""Jag håller med" on the planner's pages through AppTest: the details panel and the table
of the planner map, and the walk protocol's count of the people who flagged each spot (the
demo seconds a few pins through the store's own call)."""

from __future__ import annotations

from tests.app.conftest import PLANNER, open_app


def a_seconded_demo_pin(db):
    pins = [o for o in db.observations() if o.supporters]
    assert pins, "the demo seconds a few pins"
    return max(pins, key=lambda o: (o.supporters, -o.id))


def test_the_details_panel_says_how_many_agree(db):
    o = a_seconded_demo_pin(db)
    at = open_app(PLANNER, map_selected=[o.id])
    assert f"{o.supporters} håller med · {o.people} har pekat ut platsen" in [c.value for c in at.caption]
    [table] = [d.value for d in at.dataframe if "Håller med" in d.value.columns]
    assert table["Håller med"].sum() > 0 and set(table["Håller med"]) >= {0}


def test_the_protocol_counts_everyone_who_flagged_the_spot(db):
    o = a_seconded_demo_pin(db)
    at = open_app(PLANNER, "pages/protocol.py", protocol_walk=o.walk_id)
    [editor] = [e for e in at.dataframe if "flagged" in e.value.columns]
    row = editor.value[editor.value["id"] == o.id].iloc[0]
    assert row["flagged"] == o.flagged_by + o.supporters == o.people > o.flagged_by
