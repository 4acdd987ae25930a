"""Map builders rendered to HTML, no browser: layers, colours, escaped text, no CDN."""

import json
import re
from datetime import UTC, datetime

import pytest

from geo import catalog, districts, hotspots
from geo.mapview import walk_map, walk_pins
from geo.model import Category, Observation, Walk
from geo.plannermap import compact_rows, planner_map

XSS = ["<img src=x onerror=alert(1)>", "${alert(1)}", "`;alert(1);`", "It's \\ \"quoted\"",
       "<script>alert('x')</script>", "javascript:alert(1)"]


T = datetime(2019, 10, 15, 16, 40, tzinfo=UTC)
WALK = Walk(1, "w", "andersberg", "halmstad-2019.1.6", "Kvällsvandring", T, None, "", (), "", None,
            "open", None, False, "ABC234")


def obs(i: int, text: str, category: str = "belysning", status: str = "new") -> Observation:
    return Observation(id=i, uuid=f"u{i}", walk_id=1, district_id="andersberg",
                       activity_id="halmstad-2019.1.6", category=category, description=text,
                       feeling=4, lon=12.90123 + i * 1e-5, lat=56.66063, observed_at=T, status=status,
                       status_reason="", reported_by="", group="", is_demo=False, created_at=T,
                       updated_at=T, version=1)


OBSERVATIONS = [obs(i, text) for i, text in enumerate(XSS)] + [obs(99, "Bra ljus", "trygg_plats", "resolved")]


@pytest.fixture(scope="module", params=["planner", "walk"])
def html(request):
    """The planner's map (with hot spots) and a participant's walk map, rendered."""
    cat = catalog.load()
    if request.param == "planner":
        m = planner_map(districts.load(), "andersberg", observations=OBSERVATIONS, measures=[], walks=[],
                        categories=list(cat.categories), measure_types=list(cat.measure_types), lang="sv",
                        spots=hotspots.hot_spots(OBSERVATIONS), heat=True, draw=True)
    else:
        m = walk_map(districts.load(), WALK, "sv", night=True)
        walk_pins(OBSERVATIONS, list(cat.categories), WALK, "sv", mine={1},
                  pending=(12.9, 56.66), accuracy_m=15).add_to(m)
    return m.get_root().render()


def has(html: str, text: str) -> bool:
    """``text`` is in the page, as HTML or as JSON inside the script."""
    return text in html or json.dumps(text)[1:-1] in html


def test_layers_colours_and_legend(html):
    cat = catalog.load()
    assert has(html, "tk-outline") and has(html, "tk-obs")
    assert cat.category("belysning").colour in html and cat.category("trygg_plats").colour in html


def test_planner_map_has_every_layer_and_no_observation_text():
    cat = catalog.load()
    spots = hotspots.hot_spots(OBSERVATIONS)
    html = planner_map(districts.load(), "andersberg", observations=OBSERVATIONS, measures=[], walks=[],
                       categories=list(cat.categories), measure_types=list(cat.measure_types), lang="sv",
                       spots=spots, draw=True).get_root().render()
    for layer in ("Iakttagelser", "Värmekarta", "Hot spots (täta kluster)", "Åtgärder",
                  "Statistiska hot spots (Getis-Ord Gi*)", "Teckenförklaring"):
        assert has(html, layer), layer
    assert len(spots) == 1 and has(html, f"Hot spot 1: {spots[0].count} iakttagelser")
    assert "L.heatLayer" in html and "L.Control.Draw" in html and "tk-hotspot" in html
    # the points travel as one compact array; their texts are fetched on click, never sent
    assert json.dumps(compact_rows(OBSERVATIONS, list(cat.categories)), separators=(",", ":")) in html
    assert "Bra ljus" not in html


def test_compact_rows_index_categories_and_statuses():
    cats = [Category("a", "A", "A", "", "", "#111111", "x", "x"), Category("b", "B", "B", "", "", "#222222", "y", "y")]
    rows = compact_rows([obs(1, "", "b", "resolved"), obs(2, "", "zz")], cats)
    assert rows == [[56.66063, 12.90124, 1, 4, 4], [56.66063, 12.90125, -1, 0, 4]]


def test_walk_map_marks_own_pins_and_the_pin_being_placed():
    cat = catalog.load()
    m = walk_map(districts.load(), WALK, "sv", night=True)
    fg = walk_pins(OBSERVATIONS, list(cat.categories), WALK, "sv", mine={1}, pending=(12.9, 56.66), accuracy_m=15)
    fg.add_to(m)
    html = m.get_root().render()
    assert "tk-pending" in html and "invert(1)" in html and '"mine": true' in html
    assert '"bubblingMouseEvents": false' in html  # a tap on a pin is not a tap on the map


@pytest.mark.parametrize("payload", [p for p in XSS if set(p) & set("<>$`'\\")])
def test_user_text_is_escaped(html, payload):
    assert payload not in html and json.dumps(payload)[1:-1] not in html
    for dangerous in ("${alert", "<img src=x", "<script>alert('x')"):
        assert dangerous not in html


def test_no_cdn_only_tiles(html):
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", html))
    allowed = ("https://tile.openstreetmap.org/", "https://www.openstreetmap.org/copyright")
    assert {u for u in urls if not u.startswith(allowed)} == set()


def test_without_tiles_there_is_no_tile_layer():
    cat = catalog.load()
    m = planner_map(districts.load(), "vallas", observations=[], measures=[], walks=[],
                    categories=list(cat.categories), measure_types=list(cat.measure_types),
                    lang="en", tiles=False)
    out = m.get_root().render()
    assert "tile.openstreetmap.org" not in out and has(out, "District boundary")


def test_unknown_district_is_named():
    with pytest.raises(ValueError, match="'nowhere'"):
        planner_map(districts.load(), "nowhere", observations=[], measures=[], walks=[],
                    categories=[], measure_types=[], lang="sv")


def test_markdown_text_is_literal():
    from geo.safe import markdown_text

    assert markdown_text("[x](javascript:alert(1))") == "\\[x\\]\\(javascript\\:alert\\(1\\)\\)"
    assert markdown_text("<b>Kim</b>") == "\\<b\\>Kim\\</b\\>"
    assert markdown_text("Åsa") == "Åsa"
