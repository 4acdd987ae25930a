"""Streamlit's and Leaflet's own texts in the app's language (ui/chrome.py, LeafletLanguage in
geo/mapassets.py): the generated style sheet and script, the first HTML's ``<html lang>``, and
the map's Leaflet texts, without a browser (tests/browser/test_swedish_chrome.py has one)."""

from __future__ import annotations

import gzip
import json
import re

import folium
import folium.plugins
import pytest

from geo import districts, i18n, mapview
from geo.mapassets import _DRAW_KEYS, leaflet_texts
from tests import asgi
from ui import chrome


def test_css_strings_cannot_end_the_string_or_the_sheet():
    for nasty in ['a"b', "a'b", "a\\b", "a\nb", "</style><script>x</script>", "a;}b{"]:
        quoted = chrome.css_string(nasty)
        inner = quoted[1:-1]
        assert quoted[0] == quoted[-1] == '"'
        assert not re.search(r"[\"'\n<>;{}]", inner), quoted
        # CSS unescapes \HHHHHH back to the text
        assert re.sub(r"\\([0-9a-f]{6})", lambda m: chr(int(m.group(1), 16)), inner) == nasty
    assert chrome.css_string("Högst 16 MB") == '"Högst 16 MB"'


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_style_sheet_shows_the_catalogue_texts(lang):
    sheet = chrome.css(lang)
    for key in ("skip_to_content", "upload", "stop", "stopping"):
        assert chrome.css_string(i18n.t(f"chrome.{key}", lang)) in sheet
    assert chrome.css_string(i18n.t("chrome.upload_limit", lang, mb=16)) in sheet  # config.toml: 16 MB
    assert "</style" not in sheet.lower()
    assert '[data-testid="InputInstructions"]>span:not([data-tk-count]){display:none}' in sheet


def test_script_config_is_the_catalogue_in_the_language():
    sv, en = chrome.script_config("sv"), chrome.script_config("en")
    assert sv["lang"] == "sv" and en["lang"] == "en"
    assert sv["attrs"]["Close"] == "Stäng" and en["attrs"]["Close"] == "Close"
    assert sv["texts"]["Select all"] == "Välj alla"
    help_rx, help_text = next(p for p in sv["patterns"] if "Help for" in p[0])
    assert re.match(help_rx, "Help for Mörk karta").group(1) == "Mörk karta"
    assert help_text.replace("{}", "Mörk karta") == "Hjälp: Mörk karta"
    page_rx, page_text = sv["textPatterns"][0]
    assert re.match(page_rx, "You have requested page /x, but no corresponding file was found in the "
                             "app's pages/ directory. Running the app's main page.")
    assert page_text == i18n.t("chrome.page_not_found_text", "sv")
    limit_rx, limit_text = sv["textPatterns"][1]
    assert re.match(limit_rx, "16MB per file • JPG, PNG, WEBP, GIF") and limit_text == "Högst 16 MB per fil"


def test_script_data_cannot_end_the_script(monkeypatch):
    monkeypatch.setitem(i18n.strings()["chrome.close"], "sv", "</script><script>alert(1)</script>&")
    script = chrome.script("sv")
    assert script.startswith(f'<script id="{chrome.SCRIPT_ID}">') and script.count("</script>") == 1
    data = script[script.rindex("})(") + 3:script.rindex(");")]
    assert json.loads(data)["attrs"]["Close"] == "</script><script>alert(1)</script>&"


PAGE = b'<!DOCTYPE html>\n<html lang="en">\n  <head><title>Streamlit</title></head></html>'


def _serve(body: bytes, headers: list[tuple[bytes, bytes]], lang: str | None = None,
           chunks: int = 1) -> tuple[dict[bytes, bytes], bytes]:
    async def app(scope, receive, send):
        await send({"type": "http.response.start", "status": 200,
                    "headers": [*headers, (b"content-length", str(len(body)).encode())]})
        step = max(1, len(body) // chunks)
        parts = [body[i:i + step] for i in range(0, len(body), step)] or [b""]
        for i, part in enumerate(parts):
            await send({"type": "http.response.body", "body": part, "more_body": i < len(parts) - 1})

    sent = asgi.call(chrome.HtmlLang(app, lang), asgi.scope())
    start = sent[0]
    return dict(start["headers"]), b"".join(m.get("body", b"") for m in sent[1:])


@pytest.mark.parametrize("chunks", [1, 3])
def test_first_html_says_the_default_language(monkeypatch, chunks):
    monkeypatch.delenv("TRYGG_LANG", raising=False)
    headers, body = _serve(PAGE, [(b"content-type", b"text/html; charset=utf-8")], chunks=chunks)
    assert b'<html lang="sv">' in body and b'lang="en"' not in body
    assert int(headers[b"content-length"]) == len(body)
    _, english = _serve(PAGE, [(b"content-type", b"text/html")], lang="en")
    assert b'<html lang="en">' in english


def test_gzipped_html_is_rewritten_and_other_responses_pass():
    packed = gzip.compress(PAGE)
    headers, body = _serve(packed, [(b"content-type", b"text/html"), (b"content-encoding", b"gzip")], lang="sv")
    assert b'<html lang="sv">' in gzip.decompress(body) and int(headers[b"content-length"]) == len(body)
    script = b'var s = "<html lang=\\"en\\">";'
    _, same = _serve(script, [(b"content-type", b"application/javascript")], lang="sv")
    assert same == script


def _map_html(lang: str) -> str:
    m = mapview.base_map(next(iter(districts.load())), lang=lang, tiles=True)
    folium.plugins.Draw(export=False).add_to(m)
    folium.LayerControl().add_to(m)
    return m.get_root().render()


def test_leaflet_texts_come_before_the_controls_that_read_them():
    html = _map_html("sv")
    texts = html.index("window.tkLeafletTexts")
    assert html.index("L.map(") < texts < html.index("new L.Control.Draw") and texts < html.index("L.control.layers")
    for text in ("Zooma in", "Zooma ut", "Kartlager", "Rita en linje", "Rita en yta", "Placera en punkt",
                 "OpenStreetMap-bidragsgivare"):
        assert text in html, text
    for english in ("Draw a polyline", "Zoom in", "contributors", "Cancel drawing"):
        assert english not in html, english


def test_leaflet_draw_texts_cover_the_plugin_tree_in_both_languages():
    def leaves(tree, path=()):
        for key, value in tree.items():
            yield from leaves(value, (*path, key)) if isinstance(value, dict) else [((*path, key), value)]

    keys = [path for path, _ in leaves(_DRAW_KEYS)]
    for lang in i18n.LANGUAGES:
        got = dict(leaves(leaflet_texts(lang)["draw"]))
        assert list(got) == keys and all(got.values())
    sv, en = dict(leaves(leaflet_texts("sv")["draw"])), dict(leaves(leaflet_texts("en")["draw"]))
    assert sv[("draw", "toolbar", "buttons", "polygon")] == "Rita en yta"
    assert en[("draw", "toolbar", "buttons", "polygon")] == "Draw an area"
