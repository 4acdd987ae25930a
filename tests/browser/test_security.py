"""Security as a person meets it in Chromium: sign-in per role, hostile text imported and
rendered (no dialog, no script), and no request to a third party from any page."""

import json
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import map_frame, sign_in

pytestmark = pytest.mark.browser

TILE_HOST = "tile.openstreetmap.org"
# Each payload, if it ever ran, would set a flag on the top window or open a dialog.
XSS = [
    '<script>window.top.__xss = 1</script>',
    '<img src=x onerror="window.top.__xss = 2">',
    '<svg onload="window.top.__xss = 3"></svg>',
    '"><iframe src="javascript:window.top.__xss = 4"></iframe>',
    "${window.top.__xss = 5}",
    "`; window.top.__xss = 6; `",
    "</div><a href=\"javascript:alert('x')\">klicka</a>",
    "<b onmouseover=alert(7)>fet",
    "It's a \\ backslash and a 'quote'",
    "<<script>alert(8)//<</script>",
]


def feature(i: int, text: str) -> dict:
    return {"type": "Feature",
            "geometry": {"type": "Point", "coordinates": [12.9010 + i * 0.0003, 56.6600 + i * 0.0002]},
            "properties": {"category": "belysning", "description": text, "feeling": 3,
                           "observed_at": "2019-10-15T19:30:00+02:00", "status": "new"}}


def third_party(urls):
    return [u for u in urls if urlparse(u).hostname != TILE_HOST]


@pytest.mark.slow
def test_xss_corpus_imported_and_rendered_runs_nothing(own_app, page, tmp_path):
    app_url = own_app  # the hostile pins stay out of the other tests' database
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    sign_in(page, app_url, "demo-admin", "demo-admin-2019")
    page.get_by_role("link", name="Administration").click()
    path = tmp_path / "fientlig.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection",
                                "features": [feature(i, t) for i, t in enumerate(XSS)]}), encoding="utf-8")
    page.locator('input[type="file"]').set_input_files(str(path))
    page.get_by_role("button", name="Importera", exact=True).click()
    page.wait_for_selector(f"text=Importerade {len(XSS)} iakttagelser", timeout=30_000)

    page.get_by_role("link", name="Karta").click()
    frame = map_frame(page)
    frame.wait_for_selector("path.tk-obs")
    # open every hostile pin's popup and hover its tooltip
    pins = frame.locator("path.tk-obs")
    for i in range(pins.count()):
        pins.nth(i).dispatch_event("click")
        pins.nth(i).dispatch_event("mouseover")
    page.get_by_text("Iakttagelser i listform").click()
    page.wait_for_timeout(1500)
    assert dialogs == []
    assert page.evaluate("window.__xss") is None
    frame = map_frame(page)  # the map is drawn afresh when its data changes (the import)
    assert frame.evaluate("window.__xss") is None
    # a hostile pin's details (text, history) are shown as text
    for i in range(frame.locator("path.tk-obs").count()):
        frame.locator("path.tk-obs").nth(i).dispatch_event("click")
        page.wait_for_timeout(300)
    page.get_by_text("Detaljer").wait_for()
    page.wait_for_timeout(1500)
    assert dialogs == [] and page.evaluate("window.__xss") is None
    assert page.locator("img[src=x], svg[onload], iframe[src^=javascript], b[onmouseover]").count() == 0
    assert third_party(page.outside) == []


@pytest.mark.parametrize("who", ["visitor", "participant", "planner", "admin"])
def test_no_page_asks_a_third_party(app_url, page, who):
    if who == "visitor":
        page.goto(f"{app_url}/")
        page.wait_for_selector("text=Demokonton", timeout=30_000)
        page.get_by_role("link", name="Gå med i en vandring").first.click()
        page.wait_for_selector("text=Vandringskod", timeout=30_000)
    elif who == "participant":
        page.goto(f"{app_url}/?kod=DEMO24")
        page.get_by_label("Förnamn eller smeknamn").fill("Kim")
        page.get_by_role("button", name="Gå med", exact=True).click()
        map_frame(page)
        assert page.get_by_role("link", name="Karta").count() == 0  # no planner pages offered
    else:
        sign_in(page, app_url, f"demo-{'planerare' if who == 'planner' else 'admin'}",
                f"demo-{'planerare' if who == 'planner' else 'admin'}-2019")
        map_frame(page)
        page.get_by_role("link", name="Om och källor").click()
        page.wait_for_selector("text=Källor och licenser", timeout=30_000)
        if who == "admin":
            page.get_by_role("link", name="Administration").click()
            page.wait_for_selector("text=Användare", timeout=30_000)
    page.wait_for_timeout(1000)
    assert third_party(page.outside) == [], page.outside


def test_wrong_password_and_sign_out(app_url, page):
    page.goto(f"{app_url}/")
    page.get_by_label("Användarnamn").fill("demo-planerare")
    page.get_by_label("Lösenord").fill("inte-rätt")
    page.get_by_role("button", name="Logga in", exact=True).click()
    page.wait_for_selector("text=Fel användarnamn eller lösenord.", timeout=30_000)
    sign_in(page, app_url)
    page.get_by_role("button", name="Logga ut").click()
    page.wait_for_selector("text=Demokonton", timeout=30_000)
    expect(page.get_by_role("link", name="Karta")).to_have_count(0)  # once the run has finished


def test_hostile_participant_name_is_shown_as_text(app_url, page):
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    name = '<img src=x onerror=alert(1)>[klicka](javascript:alert(2))'
    page.goto(f"{app_url}/?kod=DEMO24")
    page.get_by_label("Förnamn eller smeknamn").fill(name)
    page.get_by_role("button", name="Gå med", exact=True).click()
    map_frame(page)
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_text("Inloggad:").wait_for(timeout=30_000)
    assert "<img src=x onerror=alert(1)>" in sidebar.inner_text()
    assert sidebar.locator("img[src='x'], a[href^='javascript']").count() == 0
    page.wait_for_timeout(500)
    assert dialogs == []
