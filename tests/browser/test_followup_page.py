"""The follow-up meeting in Chromium with no internet: the promise's chart at the top (drawn
by Streamlit's own chart library, nothing from a CDN); a resolved spot is verified with an
after photo, the verify view stays and the next resolved spot is shown; the meeting's
reports download."""

import io
import re
from urllib.parse import urlparse

import pytest
from PIL import Image
from playwright.sync_api import expect

from geo import followup
from geo.store import Store
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


def jpeg(colour) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), colour).save(out, "JPEG")
    return out.getvalue()


def view(page, name: str) -> None:
    """Choose a view of the follow-up page (its label carries a count: "Nytt sedan mötet (70)")."""
    page.get_by_role("radio", name=re.compile(rf"^{re.escape(name)}( \(\d+\))?$")).click()


def test_the_promise_chart_is_drawn_without_any_outside_host(app_url, page):
    sign_in(page, app_url)
    page.get_by_role("link", name="Uppföljning").click()
    page.get_by_text("Vad har medborgarlöftet åstadkommit?").wait_for(timeout=30_000)
    page.get_by_role("radio", name="Under löftets period").click()
    chart = page.locator('[data-testid="stVegaLiteChart"]').first
    chart.wait_for(timeout=30_000)
    chart.locator("canvas, svg").first.wait_for(timeout=30_000)
    box = chart.bounding_box()
    assert box and box["height"] > 100 and box["width"] > 200
    assert [u for u in page.outside if urlparse(u).hostname != "tile.openstreetmap.org"] == []


def test_a_spot_is_verified_with_an_after_photo(app_url, app_db, page, tmp_path):
    store = Store(app_db)
    order = [o for o in followup.verify_order(store.observations(district_ids=store.districts().family("andersberg")))
             if o.status == "resolved"]
    spot, following = order[0], order[1]  # the newest is chosen first
    sign_in(page, app_url)
    page.get_by_role("link", name="Uppföljning").click()
    view(page, "Verifiera eller öppna igen")
    page.get_by_text("Vad mötet beslutar").first.wait_for(timeout=30_000)  # a rerun may show it twice
    expect(page.get_by_role("combobox", name="Plats")).to_have_value(re.compile(rf"^#{spot.id} "))
    page.get_by_text("Verifierad på plats").click()
    page.get_by_label("Kommentar", exact=True).and_(page.get_by_role("textbox")).fill(
        "Ny lampa sitter uppe, kontrollerat 2026-11-20")
    after = tmp_path / "efter.jpg"
    after.write_bytes(jpeg((200, 200, 120)))
    page.locator('input[type="file"]').last.set_input_files(str(after))
    page.get_by_text("Fotot bifogas").wait_for(timeout=20_000)  # received and cleaned
    page.get_by_role("button", name="Spara beslutet").click()
    page.get_by_text(re.compile(rf"#{spot.id} är nu: ")).wait_for(timeout=30_000)
    # still on the verify view, with the next resolved spot chosen
    page.get_by_text("Vad mötet beslutar").first.wait_for(timeout=30_000)  # a rerun may show it twice
    expect(page.get_by_role("combobox", name="Plats").last).to_have_value(
        re.compile(rf"^#{following.id} "), timeout=30_000)

    assert store.observation(spot.id).status == "verified"
    assert store.history("observation", spot.id)[-1].comment.startswith("Ny lampa sitter uppe")
    assert [p["kind"] for p in store.photos(spot.id)][-1] == "after"
    assert [u for u in page.outside if urlparse(u).hostname != "tile.openstreetmap.org"] == []


def test_the_meetings_reports_download(app_url, page, tmp_path):
    from io import BytesIO

    import pyogrio
    from openpyxl import load_workbook
    from pypdf import PdfReader

    sign_in(page, app_url)
    page.get_by_role("link", name="Uppföljning").click()
    view(page, "Rapporter")
    got = {}
    for label in ("Mötesrapport (PDF)", "Åtgärdslista (Excel)", "Kartlager för QGIS (GeoPackage)"):
        with page.expect_download(timeout=60_000) as info:
            page.get_by_role("button", name=label).click()
        path = tmp_path / info.value.suggested_filename
        info.value.save_as(path)
        got[path.suffix] = path
    text = "\n".join(p.extract_text() for p in PdfReader(got[".pdf"]).pages)
    assert "Uppföljning av trygghetsvandringar – Andersberg" in text and "Medborgarlöfte" in text
    sheet = load_workbook(BytesIO(got[".xlsx"].read_bytes())).active
    assert sheet.title == "Åtgärdslista" and sheet.max_row >= 2
    assert "Guldkorn – platser som känns trygga" in text and "Sedan förra mötet (" in text
    assert load_workbook(BytesIO(got[".xlsx"].read_bytes())).sheetnames == ["Åtgärdslista", "Sammanfattning"]
    assert {name for name, _ in pyogrio.list_layers(got[".gpkg"])} == {
        "iakttagelser", "atgarder", "hot_spots", "sammanfattning"}
