""""Jag håller med" where planners see it: the walk protocol (rows, PDF) counts everyone who
flagged a spot, the planner map's tooltip and the observation features carry the count."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from datetime import UTC, datetime

from pypdf import PdfReader

from geo import catalog, districts
from geo.mapview import observation_features
from geo.model import Actor, Role
from geo.plannermap import compact_rows, planner_map
from geo.protocol import protocol_rows, walk_protocol_pdf
from geo.reports import walk_protocol_pdf as protocol_pdf
from geo.reports.rows import ProtocolRow
from tests import factories as make

WHEN = datetime(2026, 10, 20, 18, 30, tzinfo=UTC)
PLANNER = Actor(role=Role.PLANNER, name="Ledare", user_id=1)
CAT = catalog.load()


def text_of(pdf: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)


def test_the_protocol_counts_pins_and_seconds_as_people(store):
    walk = store.add_walk(PLANNER, slug="kvall", district_id="andersberg", title="Kväll", starts_at=WHEN,
                          status="open", join_code="KVL234")
    kim, lo, mo, bo = (store.join_walk("KVL234", n) for n in ("Kim", "Lo", "Mo", "Bo"))
    a = store.add_observation(make.draft(walk_id=walk.id, observed_at=WHEN, description="Mörkt"), kim)
    b = store.add_observation(make.draft(walk_id=walk.id, observed_at=WHEN, description="Mörkt här"), lo)
    for who in (mo, bo):
        store.second(b, who)
    store.merge_observations(a, [b], PLANNER)
    rows = protocol_rows(walk, store.observations(walk_id=walk.id), list(CAT.categories), "sv")
    assert [(r.flagged_by, r.supporters, r.people) for r in rows] == [(2, 2, 4)]
    data = walk_protocol_pdf(walk, store.observations(walk_id=walk.id), CAT, districts.load(), lang="en")
    text = text_of(data)
    assert "People" in text and "pressed Me too" in text.replace("\n", " ")


def test_the_protocol_pdf_heads_the_column_as_people_in_both_languages():
    rows = [ProtocolRow(1, "Belysning", "56.66060, 12.90120", 2, ("Mörkt",), supporters=40),
            {"number": 2, "category": "Vegetation", "flagged_by": 1, "texts": "Buskar"}]
    assert rows[0].people == 42
    sv = text_of(protocol_pdf("Kväll", "2026-10-20", "Andersberg", rows, None, lang="sv"))
    assert "Antal pers." in sv and "42" in sv and "Jag håller med" in sv.replace("\n", " ")
    en = text_of(protocol_pdf("Evening", "2026-10-20", "Andersberg", rows, None, lang="en"))
    assert "People" in en and "42" in en and "Antal" not in en


def test_the_planner_map_tooltip_says_how_many_agree():
    seconded = make.observation(1, supporters=3)
    alone = make.observation(2, lon=12.9013)
    rows = compact_rows([seconded, alone], list(CAT.categories))
    assert [r[-1] for r in rows] == [3, 0]
    html = planner_map(districts.load(), "andersberg", observations=[seconded, alone], measures=[], walks=[],
                       categories=list(CAT.categories), measure_types=list(CAT.measure_types),
                       lang="sv").get_root().render()
    assert json.dumps(rows, separators=(",", ":")) in html
    assert 'support: ["", " håller med"]' in html and "r[5] > 0" in html
    en = planner_map(districts.load(), "andersberg", observations=[seconded], measures=[], walks=[],
                     categories=list(CAT.categories), measure_types=list(CAT.measure_types),
                     lang="en").get_root().render()
    assert 'support: ["", " agree"]' in en


def test_observation_features_carry_the_count_in_words():
    cats = {c.id: c for c in CAT.categories}
    features = observation_features([make.observation(1, supporters=2), make.observation(2)], cats, {}, "sv")
    props = [f["properties"] for f in features["features"]]
    assert [(p["supporters"], p["support"]) for p in props] == [(2, "2 håller med"), (0, "")]
    assert replace(make.observation(3), supporters=1).people == 2
