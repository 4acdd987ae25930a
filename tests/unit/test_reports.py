"""Follow-up reports: the map image, the meeting PDF, the walk protocol, the Excel action list
and the GeoPackage — each read back (pypdf, Pillow, openpyxl, pyogrio) and checked."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, date, datetime

import numpy as np
import pyogrio
import pytest
from openpyxl import load_workbook
from PIL import Image
from pypdf import PdfReader

from geo import catalog, crs, districts, reports
from geo.hotspots import hot_spots
from geo.model import Measure, Observation
from geo.progress import Figures
from geo.reports import (
    ActionRow,
    ItemRow,
    MeetingReport,
    ProgressRow,
    ProtocolRow,
    action_list_xlsx,
    followup_gpkg,
    map_image,
    meeting_pdf,
    walk_protocol_pdf,
)
from tests import factories as make

E0, N0 = crs.to_metric(12.90123, 56.660631)  # Andersberg's centre, SWEREF 99 TM
T = datetime(2019, 10, 15, 16, 42, tzinfo=UTC)  # 18:42 Swedish summer time
CREATED = datetime(2020, 1, 20, 9, 0, tzinfo=UTC)
HOSTILE = "<script>alert(1)</script>"
A4 = (595.28, 841.89)


def obs(i: int, dx: float, dy: float, category: str = "belysning", status: str = "new",
        description: str = "", walk_id: int | None = None) -> Observation:
    return make.observation(i, at=T, metric=(E0 + dx, N0 + dy), uuid=f"00000000-0000-4000-8000-{i:012d}",
                            walk_id=walk_id, activity_id="halmstad-2019.1.1", category=category,
                            description=description, feeling=4, status=status)


def measure(i: int, geometry: dict, status: str = "decided", due: date | None = None,
            cost: int | None = None, type_: str = "belysning_ny",
            observation_ids: tuple[int, ...] = ()) -> Measure:
    return make.measure(i, at=T, type=type_, title=f"Åtgärd {i} – ny belysning",
                        activity_id="halmstad-2019.1.1", geometry=geometry,
                        responsible_name="Teknik- och fritidsförvaltningen", due=due, cost_sek=cost,
                        status=status, observation_ids=observation_ids)


def figures(observations: int, planned: int, in_progress: int, done: int, share: float | None,
            overdue: int, walks: int, resolved: int = 0) -> Figures:
    """A table line's figures in the order the table prints them (resolved aside)."""
    return Figures(observations=observations, resolved=resolved, resolved_share=share,
                   measures_planned=planned, measures_in_progress=in_progress, measures_done=done,
                   measures_overdue=overdue, walks=walks)


def lonlat(dx: float, dy: float) -> list[float]:
    return list(crs.to_wgs84(E0 + dx, N0 + dy))


def sample() -> tuple[list[Observation], list[Measure]]:
    observations = [
        obs(1, 0, 0), obs(2, 10, 5, "belysning", "resolved"), obs(3, -8, 6, "vegetation"),
        obs(4, 5, -10, "klotter", "verified"), obs(5, 150, 120, "trygg_plats"),
        obs(6, -160, -90, "trafik", "closed"), obs(7, 160, -140, "nedskrapning"),
    ]
    measures = [
        measure(1, {"type": "Point", "coordinates": lonlat(20, 20)}, due=date(2019, 12, 1),
                cost=12_500, observation_ids=(1, 2)),
        measure(2, {"type": "LineString", "coordinates": [lonlat(-100, 0), lonlat(100, 30)]},
                status="done", type_="belysning_ny"),
        measure(3, {"type": "Polygon", "coordinates": [[lonlat(-60, -60), lonlat(-20, -60),
                                                        lonlat(-20, -20), lonlat(-60, -60)]]},
                status="in_progress", type_="vegetation", due=date(2020, 3, 1), cost=4000),
    ]
    return observations, measures


# --------------------------------------------------------------------------- map image


def png_size(png: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(png)) as im:
        return im.size


def test_map_image_is_a_deterministic_png_of_the_asked_width():
    observations, measures = sample()
    spots = hot_spots(observations, radius_m=20, min_count=3)
    assert spots, "the sample should form a hot spot"
    d = districts.load()
    png = map_image(d, "andersberg", observations, measures, width_px=900, spots=spots)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    w, h = png_size(png)
    assert w == 900
    assert 0.55 * 900 < h < 1.8 * 900  # map part 0.55–1.3 × width, plus the legend
    again = map_image(d, "andersberg", list(observations), list(measures), width_px=900,
                      spots=spots)
    assert again == png
    without = map_image(d, "andersberg", [], [], width_px=900)
    assert without[:8] == b"\x89PNG\r\n\x1a\n" and png_size(without)[0] == 900
    assert without != png


def test_map_image_draws_open_dots_filled_and_resolved_dots_hollow():
    # One observation and no district: the extent is centred on the dot and square, so the
    # dot is at the centre of the map part, whose height equals the width.
    d = districts.load()
    colour = catalog.load().category("belysning").colour
    rgb = tuple(int(colour[k:k + 2], 16) for k in (1, 3, 5))
    for status, expected in (("new", rgb), ("resolved", (255, 255, 255))):
        png = map_image(d, None, [obs(1, 0, 0, status=status)], [], width_px=800)
        with Image.open(io.BytesIO(png)) as im:
            pixel = im.convert("RGB").getpixel((400, 400))
        assert all(abs(a - b) <= 12 for a, b in zip(pixel, expected)), (status, pixel)


def test_map_image_labels_and_refusals():
    d = districts.load()
    observations, _ = sample()
    plain = map_image(d, "andersberg", observations, [], width_px=600)
    labelled = map_image(d, "andersberg", observations, [], width_px=600,
                         labels={1: "1", 3: "$x$"})
    assert labelled != plain
    with pytest.raises(ValueError, match="nowhere"):
        map_image(d, "nowhere", [], [])
    with pytest.raises(ValueError, match="width_px"):
        map_image(d, "andersberg", [], [], width_px=50)
    with pytest.raises(ValueError):
        map_image(d, None, [], [])


# --------------------------------------------------------------------------- meeting PDF


def pdf_text(data: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(data))
    return reader, "\n".join(p.extract_text() for p in reader.pages)


def has_image(page) -> bool:
    xobjects = page["/Resources"].get("/XObject")
    if xobjects is None:
        return False
    xobjects = xobjects.get_object()
    return any(xobjects[k].get_object().get("/Subtype") == "/Image" for k in xobjects)


def meeting(map_png: bytes | None = None, **changes) -> MeetingReport:
    values = dict(
        title="Trygghetsvandringar i Andersberg – höstens uppföljning",
        last_meeting=date(2019, 10, 15), meeting=date(2020, 1, 20),
        districts=("Andersberg", "Vallås"), map_png=map_png,
        new=(ItemRow("I 7", "Nedskräpning och underhåll", "Andersberg", "Ny",
                     date(2019, 11, 2), "", "Soptunnor välter"),
             ItemRow("I 8", "Belysning", "Vallås östra", "Bedömd", date(2019, 11, 3),
                     "Kommunen", HOSTILE)),
        resolved=(ItemRow("I 2", "Belysning", "Andersberg", "Åtgärdad", date(2019, 12, 5),
                          "Kommunen", "Ny lampa uppsatt"),),
        overdue=(ItemRow("Å 1", "Ny belysning längs gång- och cykelvägen", "Andersberg",
                         "Beslutad", date(2019, 12, 1), "Kommunen", "50 dagar sen"),),
        waiting=(),
        progress=(ProgressRow("Medborgarlöfte Halmstad 2019", figures(229, 5, 3, 8, 0.4, 2, 4),
                              level=0),
                  ProgressRow("1.1 Trygghetsvandringar på prioriterade platser",
                              figures(74, 1, 1, 2, None, 0, 2), district="Andersberg")),
        decisions=("Besluta om ny belysning längs gång- och cykelvägen (Å 1)",
                   f"Ta ställning till {HOSTILE} och {{nb}} **inte fet**"),
        promise="Medborgarlöfte Halmstad 2019", progress_period="2019-01-01 – 2019-12-31",
        created=CREATED)
    values.update(changes)
    return MeetingReport(**values)


def test_meeting_pdf_has_the_swedish_headings_figures_and_plain_text():
    d = districts.load()
    observations, measures = sample()
    png = map_image(d, "andersberg", observations, measures, width_px=800)
    data = meeting_pdf(meeting(png))
    assert data[:5] == b"%PDF-"
    reader, text = pdf_text(data)
    for expected in (
        "Uppföljningsmöte", "Trygghetsvandringar i Andersberg – höstens uppföljning",
        "Sedan förra mötet 2019-10-15 till och med 2020-01-20",
        "Områden: Andersberg, Vallås", "Medborgarlöfte: Medborgarlöfte Halmstad 2019",
        "Underlaget skapades 2020-01-20 10:00",
        "Nytt: 2 · Åtgärdat: 1 · Försenade åtgärder: 1 · Väntar på beslut: 0",
        "Nytt sedan förra mötet (2)", "Åtgärdat sedan förra mötet (1)",
        "Försenade åtgärder (1)", "Väntar på beslut (0)", "Inget att redovisa.",
        "Medborgarlöftet: framsteg per aktivitet", "Beslut att fatta (2)",
        "Soptunnor välter", "Ny lampa uppsatt", "2019-12-01", "40 %", "229",
        f"Ta ställning till {HOSTILE} och {{nb}} **inte fet**",
    ):
        assert expected in text, expected
    assert HOSTILE in text.replace("\n", "")  # also in the narrow table cell
    pages = len(reader.pages)
    assert f"Sida 1 av {pages}" in text and f"Sida {pages} av {pages}" in text
    for page in reader.pages:
        assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx(A4)
    assert has_image(reader.pages[0])
    fonts = reader.pages[0]["/Resources"]["/Font"].get_object()
    assert any("DejaVuSans" in str(fonts[k].get_object()["/BaseFont"]) for k in fonts)
    assert meeting_pdf(meeting(png)) == data  # same report, same bytes


def test_meeting_pdf_without_map_has_no_image_and_checks_its_input():
    reader, text = pdf_text(meeting_pdf(meeting(None, decisions=(), new=())))
    assert not any(has_image(p) for p in reader.pages)
    assert "Beslut att fatta (0)" in text and "Nytt sedan förra mötet (0)" in text
    with pytest.raises(ValueError, match="before last_meeting"):
        meeting_pdf(meeting(None, meeting=date(2019, 1, 1)))
    with pytest.raises(ValueError, match="map_png"):
        meeting_pdf(meeting(b"GIF89a not a png"))
    with pytest.raises(ValueError, match=r"new\[0\]"):
        meeting_pdf(meeting(None, new=("I 1",)))
    with pytest.raises(ValueError, match="resolved_share"):
        meeting_pdf(meeting(None, progress=(ProgressRow("x", Figures(resolved_share=40)),)))


def test_page_count_alias_in_user_text_stays_as_typed():
    rows = tuple(ItemRow(f"I {i}", "Belysning", "{nb}") for i in range(60))
    reader, text = pdf_text(meeting_pdf(meeting(None, title="Möte {nb} i Vallås", new=rows)))
    pages = len(reader.pages)
    assert pages >= 2
    assert text.count("Möte {nb} i Vallås") == pages + 1  # the heading and every footer
    assert text.count("{nb}") >= pages + 1 + 60
    assert f"Sida {pages} av {pages}" in text


def test_meeting_pdf_breaks_long_lists_over_pages_and_cleans_text():
    rows = tuple(ItemRow(f"I {i}", "Belysning", "Andersberg", "Ny", date(2019, 11, 1),
                         "Kommunen", f"Rad {i}\x00\x07 med\ttabb och 漢") for i in range(150))
    reader, text = pdf_text(meeting_pdf(meeting(None, new=rows)))
    assert len(reader.pages) >= 4
    assert "Rad 149 med tabb och ?" in text  # control characters gone, missing glyph "?"
    # the heading row is repeated on every page the table continues on
    assert sum("Inkommen" in p.extract_text() for p in reader.pages) >= 3


# --------------------------------------------------------------------------- walk protocol


def test_walk_protocol_keeps_the_route_order_and_the_texts():
    d = districts.load()
    observations, _ = sample()
    png = map_image(d, "andersberg", observations, [], width_px=700,
                    labels={o.id: str(k) for k, o in enumerate(observations, start=1)})
    rows = [
        ProtocolRow(1, "Belysning", "Gångtunneln under Vallåsleden", 3,
                    ("Mörkt i tunneln", "Lampan trasig sedan i våras", HOSTILE),
                    "Kommunen", "Hög", date(2020, 3, 1)),
        {"number": 2, "category": "Vegetation och skymd sikt", "place": "56.6606 N 12.9012 E",
         "flagged_by": 1, "texts": "Buskarna skymmer", "responsible": "HFAB",
         "priority": "Medel", "deadline": "2020-05-01"},
    ]
    data = walk_protocol_pdf("Kvällsvandring i Andersberg", date(2019, 10, 15), "Andersberg",
                             rows, png, created=CREATED)
    reader, text = pdf_text(data)
    for expected in ("Protokoll från trygghetsvandring", "Vandring: Kvällsvandring i Andersberg",
                     "Datum: 2019-10-15", "Område: Andersberg", "2 punkter",
                     "Punkter längs rutten", "– Mörkt i tunneln", "– Lampan trasig sedan i våras",
                     "Buskarna skymmer", "2020-03-01", "2020-05-01", "HFAB", "Prioritet"):
        assert expected in text, expected
    assert HOSTILE in text.replace("\n", "")
    assert text.index("Gångtunneln") < text.index("Buskarna skymmer")
    assert has_image(reader.pages[0])
    for page in reader.pages:
        assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx(A4)
    with pytest.raises(ValueError, match="rows\\[0\\]: unknown fields"):
        walk_protocol_pdf("x", date(2019, 10, 15), "y", [{"nummer": 1}], None)


# --------------------------------------------------------------------------- Excel


def test_action_list_reads_back_with_types_header_filter_and_no_formulas():
    rows = [
        ActionRow(1, "Ny belysning", "Belysning längs gång- och cykelvägen", "Beslutad",
                  "Kommunen", "Teknik- och fritidsförvaltningen", date(2019, 12, 1), 12_500,
                  (1, 2), "1.1 Trygghetsvandringar", True),
        ActionRow(2, "Röjning av växtlighet", "=HYPERLINK(\"http://x\",\"klicka\")", "Utförd",
                  "Fastighetsägare", "HFAB\x00", None, None, "", "", False),
    ]
    data = action_list_xlsx(rows)
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["Åtgärdslista"]
    ws = wb["Åtgärdslista"]
    assert ws.max_row == 3 and ws.max_column == 11
    assert [c.value for c in ws[1]] == [
        "Id", "Typ", "Rubrik", "Status", "Ansvarig", "Vem", "Klart senast", "Kostnad (kr)",
        "Kopplade iakttagelser", "Aktivitet i medborgarlöftet", "Försenad"]
    assert all(c.font.bold for c in ws[1])
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:K3"
    first = [c.value for c in ws[2]]
    assert first[0] == 1 and isinstance(first[0], int)
    assert isinstance(first[6], datetime) and first[6] == datetime(2019, 12, 1)
    assert ws.cell(2, 7).number_format == "yyyy-mm-dd"
    assert first[7] == 12_500 and isinstance(first[7], (int, float))
    assert first[8] == "1, 2" and first[10] == "ja"
    second = [c.value for c in ws[3]]
    assert second[6] is None and second[7] is None and second[10] == "nej"
    assert second[2].startswith("=HYPERLINK") and ws.cell(3, 3).data_type == "s"
    assert second[5] == "HFAB"
    sheet_xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml  # stored as text, never as a formula
    widths = [ws.column_dimensions[col].width for col in "ABCDEFGHIJK"]
    assert all(8 <= w <= 62 for w in widths) and widths[2] > widths[0]
    with pytest.raises(ValueError, match=r"rows\[0\]\.due"):
        action_list_xlsx([ActionRow(1, "t", "x", "s", due="2019-12-01")])
    empty = load_workbook(io.BytesIO(action_list_xlsx([])))["Åtgärdslista"]
    assert empty.max_row == 1 and empty.auto_filter.ref == "A1:K1"


# --------------------------------------------------------------------------- GeoPackage


def test_followup_gpkg_layers_types_crs_and_labels(tmp_path):
    import geopandas as gpd

    observations, measures = sample()
    spots = hot_spots(observations, radius_m=20, min_count=3)
    path = tmp_path / "uppfoljning.gpkg"
    counts = followup_gpkg(path, observations, measures, spots, catalog.load())
    assert counts == {"iakttagelser": 7, "atgarder": 3, "hot_spots": len(spots)}
    layers = {name: kind for name, kind in pyogrio.list_layers(path)}
    assert layers == {"iakttagelser": "Point", "atgarder": "Unknown", "hot_spots": "Polygon"}

    info = pyogrio.read_info(path, layer="iakttagelser")
    types = dict(zip(info["fields"], info["ogr_types"]))
    assert info["crs"] == "EPSG:3006" and info["features"] == 7
    assert types["id"] == "OFTInteger64" and types["otrygghet"] == "OFTInteger64"
    assert types["observerad"] == "OFTDateTime" and types["datum"] == "OFTDate"
    assert types["status"] == types["status_namn"] == "OFTString"

    o = gpd.read_file(path, layer="iakttagelser")
    assert o.crs.to_epsg() == 3006
    assert str(o["id"].dtype) == "int64" and list(o["id"]) == [1, 2, 3, 4, 5, 6, 7]
    assert str(o["datum"].dtype).startswith("datetime64")
    assert o.loc[1, "status"] == "resolved" and o.loc[1, "status_namn"] == "Åtgärdad"
    assert o.loc[0, "lokal_tid"] == "2019-10-15 18:42"
    assert o.loc[0, "datum"] == np.datetime64("2019-10-15")
    assert o.loc[0, "observerad"] == np.datetime64("2019-10-15T16:42:00") or \
        o.loc[0, "observerad"].tz_convert("UTC").hour == 16
    assert o.geometry.iloc[0].x == pytest.approx(E0, abs=0.01)
    assert o.geometry.iloc[0].y == pytest.approx(N0, abs=0.01)
    assert bool(o.loc[4, "positiv"]) is True

    m_info = pyogrio.read_info(path, layer="atgarder")
    m_types = dict(zip(m_info["fields"], m_info["ogr_types"]))
    assert m_types["klart_senast"] == "OFTDate" and m_types["kostnad_kr"] == "OFTInteger64"
    m = gpd.read_file(path, layer="atgarder")
    assert list(m.geometry.geom_type) == ["Point", "LineString", "Polygon"]
    assert list(m["geometri"]) == ["punkt", "linje", "yta"]
    assert m.loc[0, "kostnad_kr"] == 12_500 and np.isnan(m.loc[1, "kostnad_kr"])
    assert m.loc[1, "status_namn"] == "Utförd" and m.loc[0, "ansvarig_namn"] == "Kommunen"
    assert m.loc[0, "iakttagelser"] == "1, 2" and m.loc[0, "antal_iakttagelser"] == 2
    assert m.loc[1, "langd_m"] == pytest.approx((200 ** 2 + 30 ** 2) ** 0.5, abs=0.1)
    assert m.loc[2, "yta_m2"] == pytest.approx(800, abs=1)

    s = gpd.read_file(path, layer="hot_spots")
    assert str(s["antal"].dtype) == "int64" and s.loc[0, "antal"] == spots[0].count
    assert "Belysning" in s.loc[0, "huvudkategorier"]


def test_followup_gpkg_with_no_rows_still_has_three_typed_layers(tmp_path):
    path = tmp_path / "tom.gpkg"
    assert followup_gpkg(path, [], [], [], catalog.load()) == {
        "iakttagelser": 0, "atgarder": 0, "hot_spots": 0}
    info = pyogrio.read_info(path, layer="atgarder")
    assert info["features"] == 0 and info["crs"] == "EPSG:3006"
    assert dict(zip(info["fields"], info["ogr_types"]))["klart_senast"] == "OFTDate"
    assert sorted(name for name, _ in pyogrio.list_layers(path)) == sorted(reports.GPKG_LAYERS)


def test_followup_gpkg_is_all_or_nothing(tmp_path, monkeypatch):
    path = tmp_path / "uppfoljning.gpkg"
    path.write_bytes(b"the earlier export")
    real = pyogrio.write_dataframe
    calls = []

    def failing(df, target, layer, **kw):
        calls.append(layer)
        if layer == "atgarder":
            raise OSError("disk full")
        return real(df, target, layer=layer, **kw)

    monkeypatch.setattr(pyogrio, "write_dataframe", failing)
    observations, measures = sample()
    with pytest.raises(OSError, match="disk full"):
        followup_gpkg(path, observations, measures, [], catalog.load())
    assert calls == ["iakttagelser", "atgarder"]
    assert path.read_bytes() == b"the earlier export"
    assert [p.name for p in tmp_path.iterdir()] == ["uppfoljning.gpkg"]  # no leftovers
    with pytest.raises(ValueError, match=".gpkg"):
        followup_gpkg(tmp_path / "x.shp", [], [], [], catalog.load())


# --------------------------------------------------------------------------- the meeting's tally


def test_activity_chart_is_a_deterministic_png_and_refuses_nothing():
    rows = [ProgressRow("1.4 Åtgärder i trafikmiljön", figures(3, 0, 1, 0, None, 1, 0, resolved=0)),
            ProgressRow("1.6 Trygghetsvandringar $x$ på prioriterade platser – med efterföljande",
                        figures(67, 0, 0, 4, None, 0, 3, resolved=16))]
    png = reports.activity_chart(rows, width_px=700)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png_size(png)[0] == 700
    assert reports.activity_chart(rows, width_px=700) == png
    assert png_size(reports.activity_chart(rows * 3, width_px=700))[1] > png_size(png)[1]
    with pytest.raises(ValueError, match="nothing to draw"):
        reports.activity_chart([])
    with pytest.raises(ValueError, match="width_px"):
        reports.activity_chart(rows, width_px=10)


def test_meeting_pdf_lists_guldkorn_waiting_of_both_kinds_and_the_periods():
    chart = reports.activity_chart([ProgressRow("1.6 Trygghetsvandringar", Figures(5, resolved=2))], width_px=600)
    sections = (
        reports.ProgressSection("Sedan förra mötet", "2019-10-16 – 2020-01-20", (
            ProgressRow("Medborgarlöfte Halmstad 2019", Figures(5, resolved=2), level=0),
            ProgressRow("1.6 Trygghetsvandringar", Figures(5, resolved=2))), chart_png=chart, hidden=6),
        reports.ProgressSection("Under löftets period", "2019-01-01 – 2019-12-31"))
    data = meeting_pdf(meeting(
        None, waiting=(ItemRow("I 9", "Belysning", "Andersberg", "Bedömd"),
                       ItemRow("Å 4", "Ny belysning", "Ny belysning", "Föreslagen")),
        guldkorn=(ItemRow("I 5", "Trygg plats – guldkorn", "Andersberg", "Bedömd",
                          date(2019, 10, 15), "", "Biblioteket är en trygg punkt"),),
        sections=sections))
    reader, text = pdf_text(data)
    for expected in ("Nytt: 2 · Åtgärdat: 1 · Försenade åtgärder: 1 · Väntar på beslut: 2 · Guldkorn: 1",
                     "Väntar på beslut (2)", "I 9", "Å 4", "Guldkorn – platser som känns trygga (1)",
                     "Sedd", "Biblioteket är en trygg punkt",
                     "Sedan förra mötet (2019-10-16 – 2020-01-20)", "Åtgärdade",
                     "6 aktiviteter utan något att redovisa visas inte.",
                     "Under löftets period (2019-01-01 – 2019-12-31)", "Inget att redovisa."):
        assert expected in " ".join(text.split()), expected  # cells wrap
    assert "5 2 – 0 0 0 0 0" in text  # the figures, with "–" for no share
    assert "Område" not in text.split("Sedan förra mötet (")[1]  # no district column without districts
    assert "None" not in text
    assert sum(has_image(p) for p in reader.pages) >= 1  # the chart
    with pytest.raises(ValueError, match=r"sections\[0\]"):
        meeting_pdf(meeting(None, sections=("x",)))


def test_action_list_has_a_summary_sheet_with_typed_values():
    summary = [reports.SummaryTable("Mötets siffror", ("Vad", "Antal"),
                                    (("Nytt sedan mötet", 70), ("Guldkorn", 4))),
               reports.SummaryTable("Sedan förra mötet", ("Aktivitet", "Iakttagelser", "Andel"),
                                    (("1.6 Trygghetsvandringar", 67, None), ("=1+1", 3, 0.25)))]
    wb = load_workbook(io.BytesIO(action_list_xlsx([], summary=summary)))
    assert wb.sheetnames == ["Åtgärdslista", "Sammanfattning"]
    rows = [[c.value for c in r] for r in wb["Sammanfattning"].iter_rows()]
    assert rows[0][0] == "Mötets siffror" and rows[1][:2] == ["Vad", "Antal"]
    assert rows[2][:2] == ["Nytt sedan mötet", 70] and isinstance(rows[2][1], int)
    assert rows[4] == [None, None, None]  # an empty row between the tables
    assert rows[7] == ["1.6 Trygghetsvandringar", 67, "–"] and rows[8] == ["=1+1", 3, 0.25]
    assert wb["Sammanfattning"].cell(9, 1).data_type == "s"  # text, never a formula
    assert wb["Sammanfattning"].cell(9, 3).number_format == "0%"
    assert load_workbook(io.BytesIO(action_list_xlsx([]))).sheetnames == ["Åtgärdslista"]
    with pytest.raises(ValueError, match=r"summary\[0\]"):
        action_list_xlsx([], summary=[("x", 1)])


def test_followup_gpkg_marks_and_summary_let_qgis_count_the_meeting(tmp_path):
    observations, measures = sample()
    path = tmp_path / "m.gpkg"
    counts = followup_gpkg(path, observations, measures, [], catalog.load(),
                           marks={"ny_sedan_motet": [1, 3], "guldkorn": [5]},
                           measure_marks={"forsenad": [1]},
                           summary=[("new", "Nytt sedan mötet", 2), ("guldkorn", "Guldkorn", 1)])
    assert counts["sammanfattning"] == 2
    assert {name for name, _ in pyogrio.list_layers(path)} == {*reports.GPKG_LAYERS, reports.SUMMARY_LAYER}
    o = pyogrio.read_dataframe(path, layer="iakttagelser")
    assert list(o.loc[o["ny_sedan_motet"], "id"]) == [1, 3] and list(o.loc[o["guldkorn"], "id"]) == [5]
    info = pyogrio.read_info(path, layer="iakttagelser")
    types = dict(zip(info["fields"], info["ogr_types"]))
    assert (types["ny_sedan_motet"] == "OFTInteger"
            and info["ogr_subtypes"][list(info["fields"]).index("guldkorn")] == "OFSTBoolean")
    assert o.loc[0, "aktivitet_namn"].startswith("1.1 ")
    m = pyogrio.read_dataframe(path, layer="atgarder")
    assert list(m["forsenad"]) == [True, False, False]
    table = pyogrio.read_dataframe(path, layer="sammanfattning")
    assert list(table["nyckel"]) == ["new", "guldkorn"] and list(table["antal"]) == [2, 1]
    assert pyogrio.read_info(path, layer="sammanfattning")["geometry_type"] is None
