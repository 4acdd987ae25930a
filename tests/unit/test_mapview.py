"""Map builders rendered to HTML, no browser: layers, colours, escaped text, no CDN."""

import json
import re
from datetime import UTC, datetime

import pytest

from geo import catalog, districts
from geo.mapview import district_map
from geo.model import Observation

XSS = ["<img src=x onerror=alert(1)>", "${alert(1)}", "`;alert(1);`", "It's \\ \"quoted\"",
       "<script>alert('x')</script>", "javascript:alert(1)"]


def obs(i: int, text: str, category: str = "belysning") -> Observation:
    t = datetime(2019, 10, 15, 16, 40, tzinfo=UTC)
    return Observation(id=i, uuid=f"u{i}", walk_id=None, district_id="andersberg",
                       activity_id="halmstad-2019.1.6", category=category, description=text,
                       feeling=4, lon=12.90123, lat=56.66063, observed_at=t, status="new",
                       status_reason="", reported_by="", group="", is_demo=False, created_at=t,
                       updated_at=t, version=1)


@pytest.fixture(scope="module")
def html():
    cat = catalog.load()
    m = district_map(districts.load(), "andersberg",
                     observations=[obs(i, text) for i, text in enumerate(XSS)] + [obs(99, "Bra ljus", "trygg_plats")],
                     measures=[], walks=[], categories=list(cat.categories),
                     measure_types=list(cat.measure_types), lang="sv")
    return m.get_root().render()


def has(html: str, text: str) -> bool:
    """``text`` is in the page, as HTML or as JSON inside the script."""
    return text in html or json.dumps(text)[1:-1] in html


def test_layers_colours_and_legend(html):
    cat = catalog.load()
    assert has(html, "Områdesgräns") and has(html, "Iakttagelser") and has(html, "Teckenförklaring")
    assert cat.category("belysning").colour in html and cat.category("trygg_plats").colour in html
    assert "tk-obs" in html


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
    m = district_map(districts.load(), "vallas", observations=[], measures=[], walks=[],
                     categories=list(cat.categories), measure_types=list(cat.measure_types),
                     lang="en", tiles=False)
    out = m.get_root().render()
    assert "tile.openstreetmap.org" not in out and has(out, "District boundary")


def test_unknown_district_is_named():
    with pytest.raises(ValueError, match="'nowhere'"):
        district_map(districts.load(), "nowhere", observations=[], measures=[], walks=[],
                     categories=[], measure_types=[], lang="sv")


def test_markdown_text_is_literal():
    from geo.safe import markdown_text

    assert markdown_text("[x](javascript:alert(1))") == "\\[x\\]\\(javascript\\:alert\\(1\\)\\)"
    assert markdown_text("<b>Kim</b>") == "\\<b\\>Kim\\</b\\>"
    assert markdown_text("Åsa") == "Åsa"
