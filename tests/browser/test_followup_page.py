"""The follow-up meeting in Chromium with no internet: a resolved spot is verified with an
after photo, and shows before and after side by side."""

import io
import re
from urllib.parse import urlparse

import pytest
from PIL import Image

from geo.store import Store
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


def jpeg(colour) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), colour).save(out, "JPEG")
    return out.getvalue()


def test_a_spot_is_verified_with_an_after_photo(app_url, app_db, page, tmp_path):
    store = Store(app_db)
    resolved = [o for o in store.observations(district_ids=store.districts().family("andersberg"))
                if o.status == "resolved"]
    spot = resolved[-1]  # the newest is chosen first
    sign_in(page, app_url)
    page.get_by_role("link", name="Uppföljning").click()
    page.get_by_role("tab", name="Verifiera eller öppna igen").click()
    page.get_by_text("Vad mötet beslutar").wait_for(timeout=30_000)
    page.get_by_text("Verifierad på plats").click()
    page.get_by_label("Kommentar", exact=True).and_(page.get_by_role("textbox")).fill("Ny lampa sitter uppe, kontrollerat 2026-11-20")
    after = tmp_path / "efter.jpg"
    after.write_bytes(jpeg((200, 200, 120)))
    page.locator('input[type="file"]').last.set_input_files(str(after))
    page.get_by_text("Fotot bifogas").wait_for(timeout=20_000)  # received and cleaned
    page.get_by_role("button", name="Spara beslutet").click()
    page.get_by_text(re.compile(rf"#{spot.id} är nu: ")).wait_for(timeout=30_000)

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
    page.get_by_role("tab", name="Rapporter").click()
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
    assert {name for name, _ in pyogrio.list_layers(got[".gpkg"])} == {"iakttagelser", "atgarder", "hot_spots"}
