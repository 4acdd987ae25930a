"""Map builders rendered to HTML, no browser: layers, colours, escaped text, no CDN."""

import json
import re
from datetime import UTC, datetime

import pytest

from geo import catalog, districts, hotspots
from geo.mapview import observation_layer, walk_map, walk_pins
from geo.model import Category, Observation, Walk
from geo.plannermap import compact_rows, planner_map
from tests import factories as make

XSS = ["<img src=x onerror=alert(1)>", "${alert(1)}", "`;alert(1);`", "It's \\ \"quoted\"",
       "<script>alert('x')</script>", "javascript:alert(1)"]


T = datetime(2019, 10, 15, 16, 40, tzinfo=UTC)
WALK = Walk(1, "w", "andersberg", "halmstad-2019.1.6", "Kvällsvandring", T, None, "", (), "", None,
            "open", None, False, "ABC234")


def obs(i: int, text: str, category: str = "belysning", status: str = "new") -> Observation:
    return make.observation(i, at=T, activity_id="halmstad-2019.1.6", category=category, description=text,
                            feeling=4, lon=12.90123 + i * 1e-5, lat=56.66063, status=status)


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
    assert rows == [[56.66063, 12.90124, 1, 4, 4, 0], [56.66063, 12.90125, -1, 0, 4, 0]]
    # how many seconded a pin ("Jag håller med") travels last, for the tooltip
    assert compact_rows([make.replace(obs(1, "", "b"), supporters=3)], cats)[0][-1] == 3


def test_walk_map_marks_own_pins_and_the_pin_being_placed():
    cat = catalog.load()
    m = walk_map(districts.load(), WALK, "sv", night=True)
    fg = walk_pins(OBSERVATIONS, list(cat.categories), WALK, "sv", mine={1}, pending=(12.9, 56.66), accuracy_m=15)
    fg.add_to(m)
    html = m.get_root().render()
    assert "tk-pending" in html and "invert(1)" in html and '"mine": true' in html
    # a tap on a pin is a tap on the map: the page offers the pins near it, no popup on top
    assert '"interactive": false' in html and "GeoJsonPopup" not in html and "bindPopup" not in html


def test_the_walk_map_is_a_field_map():
    cat = catalog.load()
    html = walk_map(districts.load(), WALK, "sv", categories=list(cat.categories)).get_root().render()
    assert "imperial: false" in html and "control.scale()" not in html  # metres only
    assert "width:44px;height:44px" in html  # zoom buttons for a gloved finger
    assert "height:100vh!important" in html  # the map fills the frame the page sizes
    assert '"zoomSnap": 0.25' in html  # fitted closely to the district
    assert "Teckenförklaring" in html and cat.categories[0].label("sv") in html  # the legend
    assert "disableClickPropagation" in html  # a tap on the legend places no pin


def test_a_rough_gps_reading_is_a_circle_without_a_pin():
    cat = catalog.load()
    fg = walk_pins([], list(cat.categories), WALK, "sv", rough=(12.9, 56.66, 350))
    html = walk_map(districts.load(), WALK, "sv").add_child(fg).get_root().render()
    assert "tk-rough" in html and '"radius": 350.0' in html and "tk-pending" not in html


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


# --------------------------------------------------------------------------- safe places


def _geojsons(fg) -> list:
    import folium

    return [c for c in fg._children.values() if isinstance(c, folium.GeoJson)]


def test_walk_map_draws_safe_places_as_shields_apart_from_the_problems():
    cat = catalog.load()
    fg = walk_pins(OBSERVATIONS, list(cat.categories), WALK, "sv", mine={99})
    dots, shields = _geojsons(fg)
    assert [f["properties"]["id"] for f in dots.data["features"]] == list(range(len(XSS)))
    assert [f["properties"]["id"] for f in shields.data["features"]] == [99]
    assert dots.marker._name == "CircleMarker" and shields.marker._name == "Marker"
    # the shield: its own shape and class, the category's colour, the heavy ring of one's own pin
    icon = shields.style_function(shields.data["features"][0])["html"]
    assert 'class="tk-safe"' in icon and cat.category("trygg_plats").colour in icon
    assert 'stroke="#111111"' in icon and 'aria-label="Trygg plats"' in icon
    assert 'stroke="#ffffff" stroke-width="2"' in shields.style_function(
        {"properties": {**shields.data["features"][0]["properties"], "mine": False}})["html"]
    # its popup (where pins have one) does not ask how unsafe a safe place felt; a problem's does
    def popup(g):
        return next(c for c in g._children.values() if type(c).__name__ == "GeoJsonPopup")

    layer = observation_layer(OBSERVATIONS, {c.id: c for c in cat.categories}, {WALK.id: WALK}, "sv")
    dots_p, shields_p = _geojsons(layer)
    assert "feeling" not in popup(shields_p).fields and "feeling" in popup(dots_p).fields
    html = walk_map(districts.load(), WALK, "sv").add_child(fg).get_root().render()
    assert "tk-safe-icon" in html and ".DivIcon(iconOptions)" in html


def test_walk_map_without_safe_places_has_no_shield_layer():
    cat = catalog.load()
    fg = walk_pins(OBSERVATIONS[:2], list(cat.categories), WALK, "sv")
    html = walk_map(districts.load(), WALK, "sv").add_child(fg).get_root().render()
    assert len(_geojsons(fg)) == 1 and "tk-safe" not in html


def test_planner_map_puts_safe_places_in_a_layer_and_legend_entry_of_their_own():
    cat = catalog.load()
    cats = list(cat.categories)
    m = planner_map(districts.load(), "andersberg", observations=OBSERVATIONS, measures=[], walks=[],
                    categories=cats, measure_types=list(cat.measure_types), lang="sv")
    layers = {type(c).__name__ + ":" + str(getattr(c, "layer_name", "")): c for c in m._children.values()}
    points, safe = layers["PointLayer:Iakttagelser"], layers["PointLayer:Trygga platser"]
    assert (points.positive, safe.positive) == (False, True) and safe.control and safe.show
    html = m.get_root().render()
    # one shield per status, made once, for the positive categories only
    safe_index = next(i for i, c in enumerate(cats) if c.positive)
    icons = json.loads(re.search(r"safeIcons: (\{.*\})\n", html).group(1))
    assert list(icons) == [str(safe_index)] and all('class="tk-safe"' in i for i in icons[str(safe_index)])
    assert "if (!cat[2]) { continue; }" in html and "if (cat[2]) { continue; }" in html
    assert "return !(cat && cat[2]);" in html  # the heat map is of problems only
    legend = html[html.index('class="tk-legend"'):]
    legend = legend[:legend.index("</details>")]
    safe_label = cat.category("trygg_plats").label("sv")
    row = next(r for r in legend.split("<div>") if safe_label in r)
    assert "<svg" in row and "border-radius:50%" not in row  # a shield, not a dot
    lighting = next(r for r in legend.split("<div>") if cat.category("belysning").label("sv") in r)
    assert "<svg" not in lighting and "border-radius:50%" in lighting


def test_planner_map_in_english_names_the_safe_places_layer():
    cat = catalog.load()
    html = planner_map(districts.load(), "andersberg", observations=OBSERVATIONS, measures=[], walks=[],
                       categories=list(cat.categories), measure_types=list(cat.measure_types),
                       lang="en").get_root().render()
    assert has(html, "Safe places") and 'aria-label=\\"Safe place\\"' in html


def test_a_hot_spot_count_sits_above_the_shields_and_chooses_its_spot():
    import folium

    from geo.plannermap import hot_spot_layer

    cat = catalog.load()
    spots = hotspots.hot_spots(OBSERVATIONS)
    labels = [c for c in hot_spot_layer(spots, list(cat.categories), "sv")._children.values()
              if isinstance(c, folium.Marker)]
    assert len(labels) == len(spots) == 1
    (label,) = labels
    # clickable (a click reports the spot's centre, inside its area), drawn above the markers
    assert label.options.get("interactive", True) and label.options["z_index_offset"] == 1000
    assert "pointer-events:none" not in label.icon.options["html"]
    assert [round(v, 9) for v in label.location] == [round(v, 9) for v in reversed(spots[0].centre)]
