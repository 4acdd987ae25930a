"""The loop the product exists for, live, on a database without demo data, as a municipality
would use it: a leader creates and opens a walk; two participants join on tablets and pin (the
same spot from both); the leader closes the walk, merges the two pins, closes one point with a
reason and plans a measure for the spot from the protocol; the measure is decided, started
and done from the planner map; the follow-up page counts the spot as resolved, and the meeting
PDF and the Excel list say the same numbers; the spot is verified with an after photo; and the
participant's own link shows it as verified, until they sign out on the shared tablet and the
link ends everywhere.  Nothing is set up behind the interface except
the database and the leader's account, made with the command line as the README says."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from urllib.parse import urlparse

import pytest
from PIL import Image
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from geo.store import Store
from tests.browser.conftest import ROOT, map_frame, serve, sign_in
from tests.browser.test_field_capture import tap_at

pytestmark = pytest.mark.browser

SPOT = (12.8985, 56.6612)  # a footpath in Andersberg
GRAFFITI = (12.9005, 56.6618)  # about 150 m away
TILE_HOST = "tile.openstreetmap.org"


@pytest.fixture(scope="module")
def empty_app(tmp_path_factory):
    """The app on a new database: migrated, the catalogue and districts, one planner account;
    no demo data."""
    url = f"sqlite:///{tmp_path_factory.mktemp('loop') / 'kommun.db'}"
    env = {**os.environ, "DATABASE_URL": url, "TRYGG_LANG": "sv"}
    subprocess.run([sys.executable, "-m", "geo", "init"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run([sys.executable, "-m", "geo", "user", "add", "lena", "--role", "planner",
                    "--display-name", "Lena Ledare", "--password-stdin"], cwd=ROOT, env=env, check=True,
                   capture_output=True, input="trygg-i-kvall-2026\n", text=True)
    store = Store(url)
    assert not store.has_demo() and store.counts()["observation"] == 0
    with serve("app.py", env=env) as app:
        yield app, store
    store.dispose()


def jpeg(colour) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), colour).save(out, "JPEG")
    return out.getvalue()


def choose(page, label: str, option: str, within=None) -> None:
    """Pick ``option`` in the Streamlit select box labelled ``label``."""
    scope = within or page
    scope.get_by_label(label, exact=True).click()
    page.get_by_role("option", name=option, exact=True).click()


def tap_to_pin(page, lon: float, lat: float) -> None:
    """Tap the map where a pin should go, until the pin form opens (a tap while the live map
    redraws its pins can be lost; a person taps again)."""
    frame = map_frame(page)
    for _ in range(3):
        tap_at(page, frame, lon, lat)
        try:
            page.get_by_role("dialog").get_by_text("Vad gäller det?").wait_for(timeout=10_000)
            return
        except PlaywrightTimeout:
            continue
    raise AssertionError("the pin form did not open")


def fill_pin(page, category: str, feeling: str, text: str) -> None:
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("radio", name=re.compile(category)).tap()
    dialog.get_by_role("radio", name=feeling, exact=True).tap()
    dialog.get_by_label("Beskriv kort").fill(text)
    dialog.get_by_role("button", name="Spara").tap()
    # the dialog closes when saved (the toast of an earlier save may still be showing)
    expect(page.get_by_role("dialog")).to_have_count(0, timeout=30_000)
    page.get_by_text("Sparad – nålen syns nu på kartan.").last.wait_for(timeout=30_000)


def settled(page) -> None:
    """Wait until the page's script run is over (Streamlit marks its app element)."""
    page.wait_for_timeout(300)
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(timeout=30_000)


def tick_row(page, row: int) -> None:
    """Tick the "Välj" box of a row in the protocol's table, until the triage bar says one
    is chosen: a click puts the grid's focus on the cell (a canvas grid: by position), the
    space bar ticks it, as with a keyboard.  A click that lands while the page is still being
    redrawn is lost; then it is tried again (only when nothing was chosen, so never untick)."""
    chosen = page.get_by_text("1 valda:")
    for _attempt in range(3):
        settled(page)
        grid = page.locator('[data-testid="stDataFrame"]').first
        grid.scroll_into_view_if_needed()
        box = grid.bounding_box()
        header = row_height = 35
        page.mouse.click(box["x"] + 22, box["y"] + header + row_height * row + row_height / 2)
        page.keyboard.press("Space")
        try:
            chosen.wait_for(timeout=12_000)
            return
        except PlaywrightTimeout:
            continue
    chosen.wait_for(timeout=1)  # fails, naming what was awaited


def flash(page, pattern: str) -> str:
    found = page.get_by_text(re.compile(pattern))
    found.wait_for(timeout=30_000)
    return found.inner_text()


def close_dialog(page) -> None:
    """Close the open dialog with Escape, as a keyboard user would (again if the key came
    before the dialog had taken the focus), and wait until it is gone."""
    dialog = page.get_by_role("dialog")
    dialog.wait_for(timeout=20_000)
    for _ in range(3):
        page.keyboard.press("Escape")
        try:
            dialog.wait_for(state="detached", timeout=5_000)
            return
        except PlaywrightTimeout:
            continue
    raise AssertionError("the dialog did not close on Escape")


def measure_dialog(page):
    """The measure form's dialog once its run is done: while Streamlit reruns, the previous
    run's fields can stand beside the new ones for a moment."""
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_label("Rubrik")).to_have_count(1, timeout=20_000)
    return dialog


def set_measure_status(page, measure_id: int, status: str) -> None:
    """From the pin's details on the planner map: open its measure and move it on."""
    page.get_by_role("button", name=f"Öppna åtgärd #{measure_id}").last.click()
    dialog = measure_dialog(page)
    choose(page, "Status", f"→ {status}", within=dialog)
    dialog.get_by_role("button", name="Spara åtgärden").click()
    flash(page, f"Åtgärd {measure_id} är sparad")
    page.get_by_role("dialog").wait_for(state="detached", timeout=20_000)


FIGURE_LABELS = {"Nytt sedan mötet": "new", "Åtgärdat sedan mötet": "resolved", "Försenade åtgärder": "overdue",
                 "Väntar på beslut": "waiting", "Guldkorn": "guldkorn"}


def follow_up_figures(page) -> tuple[dict[str, int], dict[str, int]]:
    """The follow-up page's figures as the meeting sees them: the meeting's headline, and what
    the promise achieved since the last meeting (by their labels)."""
    page.get_by_role("link", name="Uppföljning").click()
    page.get_by_text("Vad har medborgarlöftet åstadkommit?").wait_for(timeout=30_000)
    page.locator('[data-testid="stMetric"]').first.wait_for(timeout=30_000)
    page.wait_for_timeout(1000)  # the page's run is done: no stale figures
    headline, promise = {}, {}
    for metric in page.locator('[data-testid="stMetric"]').all():
        label = metric.locator('[data-testid="stMetricLabel"]').inner_text().strip()
        value = int(metric.locator('[data-testid="stMetricValue"]').inner_text())
        if label in FIGURE_LABELS:
            headline[FIGURE_LABELS[label]] = value
        else:
            promise[label] = value
    return headline, promise


def meeting_reports(page, tmp_path) -> tuple[dict[str, int], dict[str, int]]:
    """The figures the meeting PDF and the Excel list give, downloaded as a person would."""
    from openpyxl import load_workbook
    from pypdf import PdfReader

    page.get_by_role("radio", name=re.compile("^Rapporter")).click()
    got = {}
    for label in ("Mötesrapport (PDF)", "Åtgärdslista (Excel)"):
        with page.expect_download(timeout=90_000) as info:
            page.get_by_role("button", name=label).click()
        path = tmp_path / info.value.suggested_filename
        info.value.save_as(path)
        got[path.suffix] = path
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(got[".pdf"]).pages).split())
    summary = re.search(r"Nytt: (\d+) · Åtgärdat: (\d+) · Försenade åtgärder: (\d+) · "
                        r"Väntar på beslut: (\d+) · Guldkorn: (\d+)", text)
    pdf = dict(zip(("new", "resolved", "overdue", "waiting", "guldkorn"), map(int, summary.groups())))
    sheet = load_workbook(got[".xlsx"])["Sammanfattning"]
    xlsx = {FIGURE_LABELS[row[0]]: int(row[1]) for row in sheet.iter_rows(values_only=True)
            if row and row[0] in FIGURE_LABELS}
    return pdf, xlsx


def verify(page, observation_id: int, tmp_path) -> None:
    """The meeting verifies the spot on site, with an after photo."""
    page.get_by_role("radio", name=re.compile("^Verifiera eller öppna igen")).click()
    page.get_by_text("Vad mötet beslutar").first.wait_for(timeout=30_000)  # a rerun may show it twice
    page.get_by_text("Verifierad på plats").click()
    page.get_by_label("Kommentar", exact=True).and_(page.get_by_role("textbox")).fill("Ny lampa lyser, sett på plats")
    after = tmp_path / "efter.jpg"
    after.write_bytes(jpeg((200, 200, 120)))
    page.locator('input[type="file"]').last.set_input_files(str(after))
    page.get_by_text("Fotot bifogas").wait_for(timeout=20_000)
    page.get_by_role("button", name="Spara beslutet").click()
    flash(page, rf"#{observation_id} är nu: Verifierad")


@pytest.mark.slow
def test_from_a_pin_to_a_verified_spot(empty_app, browser, tablet, tmp_path):
    app, store = empty_app
    leader_ctx = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="sv-SE")
    from tests.browser.conftest import guarded_page

    leader = guarded_page(leader_ctx)

    # --- the leader creates the walk; dated today, it opens at once and shows its code
    sign_in(leader, app, "lena", "trygg-i-kvall-2026")
    leader.get_by_role("link", name="Vandringar").click()
    choose(leader, "Område", "Halmstad · Andersberg")
    leader.get_by_role("button", name="Skapa vandringen").click()
    code = re.search(r"Koden är (\w{6})", flash(leader, r"Koden är \w{6}")).group(1)
    close_dialog(leader)  # the QR code's

    # --- two participants join with the code and pin; both flag the same dark spot
    kim, lo = tablet(), tablet()
    for page, name in ((kim, "Kim"), (lo, "Lo")):
        page.goto(f"{app}/?kod={code}")
        page.get_by_label("Förnamn eller smeknamn").fill(name)
        page.get_by_role("button", name="Gå med", exact=True).tap()
        page.wait_for_selector("text=Tryck på kartan där det känns otryggt", timeout=30_000)
    kims_link = kim.url
    assert "t=" in kims_link  # the participant's own link
    # both stand at the dark lamp and tap it before either has saved
    tap_to_pin(kim, *SPOT)
    tap_to_pin(lo, SPOT[0] + 0.00005, SPOT[1])  # 3 m east
    fill_pin(kim, "Belysning", "4", "Lampan vid gångvägen är trasig")
    fill_pin(lo, "Belysning", "3", "Mörkt vid gångvägen")
    tap_to_pin(lo, *GRAFFITI)
    fill_pin(lo, "Klotter", "2", "Klotter på elskåpet")
    assert store.counts()["observation"] == 3

    # --- after the walk: the leader closes it and goes through the protocol
    leader.get_by_role("button", name="Stäng vandringen").click()
    leader.get_by_role("button", name="Ja, stäng vandringen").click()
    flash(leader, "är stängd")
    leader.get_by_role("link", name="Protokoll").click()
    leader.get_by_role("button", name="Slå samman").click()  # the two pins of one spot
    flash(leader, r"2 nålar är sammanslagna")
    [spot] = [o for o in store.observations() if o.category == "belysning"]
    [graffiti] = [o for o in store.observations() if o.category == "klotter"]
    assert spot.flagged_by == 2

    tick_row(leader, 1)  # the graffiti: reported to the fault service, not a walk measure
    leader.get_by_text("Stäng utan åtgärd").click()
    choose(leader, "Skäl", "Anmäld till felanmälan")
    leader.get_by_label("Kommentar", exact=True).fill("Ärende 2026-1234")
    leader.get_by_role("button", name="Stäng 1").click()
    flash(leader, "1 iakttagelser är stängda")
    assert store.observation(graffiti.id).status == "closed"

    tick_row(leader, 0)  # the dark spot: a new measure
    leader.get_by_text("Planera en ny åtgärd", exact=True).click()
    leader.get_by_role("button", name="Planera en ny åtgärd för 1").click()
    dialog = measure_dialog(leader)
    dialog.get_by_label("Rubrik").fill("Ny belysning längs gångvägen")
    dialog.get_by_label("Vem (t.ex. fastighetsägare)").fill("Gatukontoret")
    dialog.get_by_role("button", name="Spara åtgärden").click()
    measure_id = int(re.search(r"Åtgärd (\d+) är sparad", flash(leader, r"Åtgärd \d+ är sparad")).group(1))
    assert store.measure(measure_id).observation_ids == (spot.id,)
    assert store.observation(spot.id).status == "measure_planned"

    # --- the measure is decided, started and done, from the pin's details on the planner map
    leader.get_by_role("link", name="Karta").click()
    frame = map_frame(leader)
    frame.locator("path.tk-obs").first.dispatch_event("click")
    leader.get_by_role("button", name=f"Öppna åtgärd #{measure_id}").last.wait_for(timeout=30_000)
    for status, expected in (("Beslutad", "measure_planned"), ("Pågår", "in_progress"),
                             ("Utförd", "resolved")):
        set_measure_status(leader, measure_id, status)
        assert store.observation(spot.id).status == expected
    history = store.history("observation", spot.id)
    assert [h.to_status for h in history] == ["new", "measure_planned", "in_progress", "resolved"]
    assert {h.measure_id for h in history[1:]} == {measure_id}

    # --- the follow-up meeting: the spot counts as resolved; the page, the PDF and the Excel
    # list say the same; the spot is verified on site with an after photo
    figures, promise = follow_up_figures(leader)
    # two points since the last meeting (the merged pin counts once), the spot resolved, the
    # graffiti closed: nothing waits for a decision
    assert figures == {"new": 2, "resolved": 1, "overdue": 0, "waiting": 0, "guldkorn": 0}, figures
    # and what the promise achieved: the walk carried out its activity, so did the measure
    assert promise == {"Kopplade iakttagelser": 2, "Åtgärdade": 1, "Åtgärder utförda": 1, "Vandringar": 1}, promise
    pdf_figures, xlsx_figures = meeting_reports(leader, tmp_path)
    assert pdf_figures == figures and xlsx_figures == figures, (figures, pdf_figures, xlsx_figures)
    verify(leader, spot.id, tmp_path)
    assert store.observation(spot.id).status == "verified"
    assert [p["kind"] for p in store.photos(spot.id)] == ["after"]

    # --- the participant's own link: the pin, verified, and the measure that answered it
    later = tablet()
    later.goto(kims_link)
    later.get_by_text("Vad hände med dina iakttagelser?").wait_for(timeout=30_000)
    later.get_by_text("Åtgärdad och kontrollerad på plats").wait_for(timeout=20_000)
    later.get_by_text("Ny belysning längs gångvägen").wait_for(timeout=20_000)

    # --- done: Kim signs out on the shared tablet; the link ends everywhere
    later.locator('[data-testid="stExpandSidebarButton"]').click()
    sidebar = later.locator('[data-testid="stSidebar"]')
    sidebar.get_by_role("button", name="Logga ut").click()
    sidebar.get_by_role("button", name="Ja, logga ut").click()
    later.get_by_text("Du är utloggad från vandringen").wait_for(timeout=30_000)
    again = tablet()
    again.goto(kims_link)
    again.get_by_text("Länken gäller inte längre").wait_for(timeout=30_000)
    expect(again.get_by_text("Vad hände med dina iakttagelser?")).to_have_count(0)

    for page in (leader, kim, lo, later, again):
        assert [u for u in page.outside if urlparse(u).hostname != TILE_HOST] == []
    assert store.integrity_problems() == []
    leader_ctx.close()
