"""Swedish all the way: none of Streamlit's or Leaflet's English texts on the join page or on
the walk page with the pin form open (what is shown, what the style sheet puts in its place,
and the names a screen reader says), in the page and in the map's frame; ``<html lang>``
follows the language from the first byte; and every address of the app's own resolves for a
visitor, without Streamlit's "Page not found"."""

from __future__ import annotations

import ast
import re

import pytest
from playwright.sync_api import Frame, Page, expect

from tests.browser.conftest import ROOT, map_frame
from tests.browser.empty_walk import ipad, join, open_join, open_pin_form, settled, walk_app, walk_app_db  # noqa: F401

pytestmark = pytest.mark.browser


def _addresses() -> tuple[str, ...]:
    """``main.ADDRESSES`` (importing main.py would run the app)."""
    tree = ast.parse((ROOT / "main.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "ADDRESSES" for t in node.targets):
            return tuple(ast.literal_eval(node.value))
    raise AssertionError("main.py has no ADDRESSES")


ADDRESSES = _addresses()

#: Streamlit's and Leaflet's English texts (as whole words: "Stoppa" is Swedish).
ENGLISH = ["Upload", "Browse files", "Drag and drop", "per file", "Press Enter", "Ctrl+Enter", "apply",
           "Stop", "Stopping", "Running", "Select all", "Page not found", "Skip to main content", "Zoom in",
           "Zoom out", "Close", "Layers", "Main menu", "Sidebar", "Expand sidebar", "Collapse sidebar",
           "Help for", "Link to heading", "file upload", "Choose an option", "contributors",
           "A JavaScript library", "Open", "App pages", "submit form"]
ENGLISH_RE = re.compile(r"\b(" + "|".join(map(re.escape, ENGLISH)) + r")\b")

#: What a person sees and hears in a document: the text of every rendered element (not the
#: icon font's ligature names, such as "upload"), what ``::before``/``::after`` show, and the
#: aria-labels, titles, placeholders and alt texts.
READ = """() => {
  const out = [];
  const icon = el => el.closest('[data-testid="stIconMaterial"], [translate="no"]');
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let n;
  while ((n = walk.nextNode())) {
    const el = n.parentElement;
    if (!el || icon(el) || el.closest('script, style, noscript')) continue;
    const cs = getComputedStyle(el);
    if (!el.checkVisibility() || parseFloat(cs.fontSize) === 0) continue;
    if (n.nodeValue.trim()) out.push(n.nodeValue.trim());
  }
  for (const el of document.querySelectorAll('*')) {
    if (!el.checkVisibility || !el.checkVisibility()) continue;
    for (const pseudo of ['::before', '::after']) {
      const c = getComputedStyle(el, pseudo).content;
      if (c && c !== 'none' && c !== 'normal' && c !== '""') out.push(c);
    }
    for (const a of ['aria-label', 'title', 'placeholder', 'alt']) {
      const v = el.getAttribute(a);
      if (v && !(el.tagName === 'IFRAME' && a === 'title')) out.push(v);
    }
  }
  return out;
}"""


def english(frame: Page | Frame) -> list[str]:
    """The texts of ``frame`` with an English word of Streamlit's or Leaflet's."""
    return sorted({text for text in frame.evaluate(READ) if ENGLISH_RE.search(text)})


def test_join_page_is_swedish(walk_app, ipad):  # noqa: F811
    page = ipad()
    open_join(page, walk_app)
    page.get_by_label("Förnamn eller smeknamn").fill("Tova")  # the field's instructions show
    page.wait_for_timeout(300)
    assert english(page) == []
    assert page.locator('[data-testid="stSkipToContent"]').get_attribute("aria-label") == \
        "Hoppa till huvudinnehållet"


def test_walk_page_with_the_pin_form_is_swedish(walk_app, ipad):  # noqa: F811
    page = ipad()
    join(page, walk_app)
    frame = map_frame(page)
    assert english(frame) == []
    assert frame.locator(".leaflet-control-zoom-in").get_attribute("title") == "Zooma in"
    assert "OpenStreetMap-bidragsgivare" in frame.locator(".leaflet-control-attribution").inner_text()
    open_pin_form(page)
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Beskriv kort").fill("Lampan är trasig")  # "Press Ctrl+Enter to apply"
    page.wait_for_timeout(300)
    assert english(page) == []
    assert english(map_frame(page)) == []
    upload = dialog.locator('[data-testid="stFileUploaderDropzone"] button')
    assert upload.get_attribute("aria-label") == "Ladda upp"
    expect(dialog.get_by_text("Högst 16 MB per fil")).to_be_visible()
    # while the pin is saved (Streamlit's status widget: "Running...", "Stop")
    dialog.get_by_role("radio", name=re.compile("Belysning")).tap()
    dialog.get_by_role("button", name="Spara").tap()
    seen = set()
    for _ in range(10):
        seen.update(english(page))
        page.wait_for_timeout(100)
    assert seen == set()


def test_status_widget_is_swedish(walk_app, ipad):  # noqa: F811
    """Streamlit's status widget, as it is drawn during a run longer than half a second (its
    elements as Streamlit 1.67 makes them), says "Stoppa" and "Arbetar …"."""
    page = ipad()
    open_join(page, walk_app)
    page.evaluate("""() => {
      const w = document.createElement('div');
      w.setAttribute('data-testid', 'stStatusWidget');
      w.innerHTML = '<div><div role="img" aria-label="Running..."></div>'
        + '<span><button kind="header" data-testid="stBaseButton-header">Stop</button></span></div>';
      document.querySelector('[data-testid="stToolbar"]').appendChild(w);
    }""")
    widget = page.locator('[data-testid="stStatusWidget"]')
    expect(widget.get_by_role("button")).to_have_accessible_name("Stoppa")
    expect(widget.get_by_role("img")).to_have_attribute("aria-label", "Arbetar …")
    assert english(page) == []


def test_html_lang_follows_the_language(walk_app, ipad):  # noqa: F811
    page = ipad()
    first = page.request.get(f"{walk_app}/ga-med?kod=X", headers={"Accept-Encoding": "gzip"})
    assert '<html lang="sv"' in first.text()
    open_join(page, walk_app)
    assert page.evaluate("document.documentElement.lang") == "sv"
    page.get_by_role("radio", name="English").click()
    page.wait_for_function("document.documentElement.lang === 'en'", timeout=20_000)
    page.get_by_text("Join a safety walk").wait_for(timeout=20_000)
    expect(page.locator('[data-testid="stSkipToContent"]')).to_have_attribute("aria-label", "Skip to main content")
    page.get_by_role("radio", name="Svenska").click()
    page.wait_for_function("document.documentElement.lang === 'sv'", timeout=20_000)
    expect(page.locator('[data-testid="stSkipToContent"]')).to_have_attribute("aria-label",
                                                                              "Hoppa till huvudinnehållet")


@pytest.mark.parametrize("address", ADDRESSES)
def test_every_address_resolves_for_a_visitor(walk_app, ipad, address):  # noqa: F811
    page = ipad()
    page.goto(f"{walk_app}/{address}")
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(timeout=60_000)
    settled(page)
    page.wait_for_timeout(500)
    expect(page.get_by_text("Page not found")).to_have_count(0)
    expect(page.get_by_text("Sidan finns inte")).to_have_count(0)
    if address == "ga-med":
        expect(page.get_by_label("Förnamn eller smeknamn")).to_be_visible()
    else:  # the sign-in, at the address asked for: it opens once signed in
        expect(page.get_by_label("Användarnamn")).to_be_visible()
        assert page.url.rstrip("/").endswith(f"/{address}")


def test_an_unknown_address_says_so_in_swedish(walk_app, ipad):  # noqa: F811
    page = ipad()
    page.goto(f"{walk_app}/finns-inte")
    dialog = page.get_by_role("dialog")
    dialog.wait_for(timeout=60_000)
    expect(dialog).to_contain_text("Sidan finns inte")
    expect(dialog).to_contain_text("Startsidan visas i stället")
    assert english(page) == []
