"""The "Här är jag" button in headless Chromium: a tap gives the emulated position, or
"denied" when the page has no permission ("insecure", "unsupported" when the page is made
so); the busy label shows while waiting; the button stands out in the light and the dark
theme; and nothing is asked of another host."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import block_outside, serve

pytestmark = pytest.mark.browser

LABEL = "Här är jag <b>nu</b>"  # as tests/browser/apps/gps_probe.py passes them
BUSY = "Söker position …"
HERE = {"latitude": 56.6712, "longitude": 12.8623, "accuracy": 25}


@pytest.fixture(scope="module")
def probe_url():
    with serve("tests/browser/apps/gps_probe.py") as url:  # the project's themes: light, or dark on a dark device
        yield url


@pytest.fixture
def open_probe(browser):
    """Opens the probe on a touch page; other hosts are blocked and recorded in ``outside``."""
    contexts: list = []
    outside: list[str] = []

    def open_(url: str, init_script: str | None = None, **context_args):
        context = browser.new_context(has_touch=True, viewport={"width": 800, "height": 900},
                                      **context_args)
        contexts.append(context)
        block_outside(context, outside)
        if init_script:
            context.add_init_script(init_script)
        page = context.new_page()
        page.goto(url)
        page.get_by_text("NONE", exact=True).wait_for(timeout=30_000)
        return page

    yield open_
    for context in contexts:
        context.close()
    assert outside == [], outside


def here(page):
    """The button: the component's shadow root is open, so Playwright's locators reach in."""
    button = page.get_by_role("button", name=LABEL, exact=True)
    button.wait_for(timeout=30_000)
    return button


def result_text(page, pattern: str) -> str:
    text = page.get_by_text(re.compile(pattern))
    text.wait_for(timeout=30_000)
    return text.inner_text()


def test_tap_gives_the_position(open_probe, probe_url):
    page = open_probe(probe_url, permissions=["geolocation"], geolocation=HERE)
    button = here(page)
    box = button.bounding_box()
    assert box["height"] >= 56 and box["width"] > 600  # big and full width
    assert button.inner_text() == LABEL  # the label is text, not markup
    assert button.locator("b").count() == 0 and button.locator("svg").count() == 1
    button.tap()
    first = result_text(page, r"^FIX ")
    assert re.fullmatch(r"FIX 56\.6712 12\.8623 acc=25 at=\d+", first), first
    assert button.inner_text() == LABEL and button.is_enabled()  # no longer busy
    button.tap()  # the same place again is still a new reading
    at = first.split(" at=")[1]
    second = result_text(page, rf"^FIX .* at=(?!{at}$)\d+$")
    assert second.split(" at=")[0] == first.split(" at=")[0]


@pytest.mark.parametrize("reason, init_script", [
    ("denied", None),  # not granted: headless Chromium denies the request at once
    ("insecure", "Object.defineProperty(window, 'isSecureContext', { value: false });"),
    ("unsupported", "delete Navigator.prototype.geolocation;"),
])
def test_tap_without_a_position_gives_the_reason(open_probe, probe_url, reason, init_script):
    page = open_probe(probe_url, init_script=init_script)
    here(page).tap()
    assert re.fullmatch(rf"ERROR {reason} at=\d+", result_text(page, r"^ERROR "))


# Holds every request for a position, so the test sees the button wait and then answers.
HOLD = """
window.__asked = [];
navigator.geolocation.getCurrentPosition = (ok, fail, options) =>
  window.__asked.push({ ok, fail, options });
"""


def luminance(css_rgb: str) -> float:
    def channel(c: int) -> float:
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (int(x) for x in re.findall(r"\d+", css_rgb)[:3])
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_busy_while_waiting_and_high_contrast(open_probe, probe_url, theme):
    page = open_probe(probe_url, init_script=HOLD, color_scheme=theme)
    button = here(page)
    colours = button.evaluate("""b => [getComputedStyle(b).color, getComputedStyle(b).backgroundColor,
        getComputedStyle(document.querySelector('.stApp')).backgroundColor]""")
    text, background, app = colours
    assert contrast(text, background) >= 7, colours
    assert contrast(background, app) >= 7, colours  # the button stands out from the page
    assert (luminance(app) > 0.5) == (theme == "light"), colours

    button.tap()
    busy = page.get_by_role("button", name=BUSY, exact=True)
    busy.wait_for(timeout=10_000)
    assert busy.is_disabled() and busy.get_attribute("aria-busy") == "true"
    assert page.evaluate("window.__asked.map(a => a.options)") == [
        {"enableHighAccuracy": True, "timeout": 15000, "maximumAge": 0}]
    page.evaluate("window.__asked[0].fail({ code: 3 })")
    assert re.fullmatch(r"ERROR timeout at=\d+", result_text(page, r"^ERROR "))
    assert here(page).is_enabled()
