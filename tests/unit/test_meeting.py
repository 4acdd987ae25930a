"""One tally for every figure of the follow-up meeting (geo/followup.py meeting_tally, and
geo/meeting.py for the documents): the page's figures, the meeting PDF (read with pypdf), the
Excel action list (openpyxl) and the GeoPackage (pyogrio), made for the same selection from
a real store with data, count the same — on both backends."""

from __future__ import annotations

import io
import re
from datetime import date

import pyogrio
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from geo import catalog, followup, hotspots, meeting
from geo.i18n import local_today
from geo.model import SYSTEM, MeasureDraft

LAST = date(2019, 10, 1)  # Andersberg since 2019-10-01: the page said 50 waiting, the PDF 4
SECTIONS = {"new": "Nytt sedan förra mötet", "resolved": "Åtgärdat sedan förra mötet",
            "overdue": "Försenade åtgärder", "waiting": "Väntar på beslut",
            "guldkorn": "Guldkorn – platser som känns trygga"}
FIGURE_LINE = re.compile(r"^(\d+) (\d+|–) (–|\d+ %) (\d+) (\d+) (\d+) (\d+) (\d+)$", re.M)


def tally_for(store, district_id: str) -> followup.MeetingTally:
    d = store.districts()
    family = d.family(district_id)
    obs, ms, ws = (store.observations(district_ids=family), store.measures(district_ids=family),
                   store.walks(district_ids=family))
    history = store.histories("observation", [o.id for o in obs]) + store.histories("measure", [m.id for m in ms])
    return followup.meeting_tally(obs, ms, ws, history, catalog=catalog.load(), last_meeting=LAST,
                                  today=local_today(), municipality_id="halmstad", districts=d,
                                  district_ids=[district_id])


@pytest.fixture
def meeting_store(demo_store):
    """The demo, plus two proposed measures in Andersberg: one answering an undecided
    observation, one answering none — so that "waiting" holds both kinds."""
    store = demo_store
    cat = catalog.load()
    undecided = [o for o in store.observations(district_ids=store.districts().family("andersberg"))
                 if o.status in ("new", "assessed") and o.category not in cat.positive_ids()]
    o = undecided[0]
    for answers in ((o.id,), ()):
        store.add_measure(MeasureDraft(
            type="belysning_ny", title=f"Ny belysning {len(answers)}", responsible="kommun",
            geometry={"type": "Point", "coordinates": [o.lon, o.lat]}, activity_id="halmstad-2019.1.6",
            observation_ids=answers), SYSTEM)
    return store


def section(text: str, key: str) -> str:
    """The text of one list of the PDF, from its heading to the next."""
    start = text.index(f"{SECTIONS[key]} (")
    ends = [text.find(f"{h} (", start + 1) for h in SECTIONS.values()] + [
        text.find("Medborgarlöftet: framsteg", start)]
    return text[start:min(e for e in ends if e > start)]


def refs(text: str) -> set[str]:
    return {f"{kind} {n}" for kind, n in re.findall(r"^(I|Å) (\d+) ", text, re.M)}


def test_page_pdf_excel_and_geopackage_count_the_same(meeting_store, tmp_path):
    store, cat = meeting_store, catalog.load()
    tally = tally_for(store, "andersberg")
    figures = tally.figures()
    assert figures["proposed"] == 2 and figures["undecided"] > 2 and figures["guldkorn"] > 0
    assert figures["waiting"] == figures["undecided"] + figures["proposed"]

    # the page: its metrics and its chart are the tally's
    page = {k: v for k, _label, v in meeting.figure_rows(tally, "sv", meeting.HEADLINE)}
    assert page == {k: figures[k] for k in meeting.HEADLINE}
    since_rows = meeting.progress_rows(tally.since, cat, "sv")[0]
    promise_rows = meeting.progress_rows(tally.promise, cat, "sv")[0]
    assert meeting.chart_rows(tally.since, cat, "sv") == [r for r in since_rows if r.level == 2]
    by_activity = {a.id: a.total for p in tally.since for a in p.activities}
    assert sum(f.observations for f in by_activity.values()) <= figures["new"]

    # the PDF
    spots = hotspots.hot_spots(tally.observations, positive_categories=cat.positive_ids())
    pdf = meeting.meeting_pdf(tally, cat, store.districts(), area_name="Andersberg",
                              map_ids="andersberg", spots=spots, lang="sv")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    summary = re.search(r"Nytt: (\d+) · Åtgärdat: (\d+) · Försenade åtgärder: (\d+) · "
                        r"Väntar på beslut: (\d+) · Guldkorn: (\d+)", text)
    assert summary and [int(x) for x in summary.groups()] == [figures[k] for k in meeting.HEADLINE]
    for key, heading in SECTIONS.items():
        assert f"{heading} ({figures[key]})" in text, key
    listed = {
        "new": {f"I {o.id}" for o in tally.new}, "resolved": {f"I {o.id}" for o in tally.resolved},
        "overdue": {f"Å {m.id}" for m in tally.overdue}, "guldkorn": {f"I {o.id}" for o in tally.guldkorn},
        "waiting": {f"I {o.id}" for o in tally.undecided} | {f"Å {m.id}" for m in tally.proposed}}
    for key, expected in listed.items():
        assert refs(section(text, key)) == expected, key
    since_text = text[text.index("Sedan förra mötet ("):text.index("Under löftets period (")]
    promise_text = text[text.index("Under löftets period ("):text.index("Beslut att fatta")]
    for part, rows in ((since_text, since_rows), (promise_text, promise_rows)):
        printed = [tuple(m.groups()) for m in FIGURE_LINE.finditer(part)]
        assert len(rows) >= 3 and printed == [(str(f.observations), str(f.resolved),
                            "–" if f.resolved_share is None else f"{round(100 * f.resolved_share)} %",
                            str(f.measures_planned), str(f.measures_in_progress), str(f.measures_done),
                            str(f.measures_overdue), str(f.walks)) for f in (r.figures for r in rows)]
    assert "None" not in text and "halmstad-2019." not in text

    # the Excel action list and its summary sheet
    wb = load_workbook(io.BytesIO(meeting.action_list_xlsx(tally, cat, area_name="Andersberg", lang="sv")))
    assert wb.sheetnames == ["Åtgärdslista", "Sammanfattning"]
    actions = [[c.value for c in row] for row in wb["Åtgärdslista"].iter_rows(min_row=2)]
    assert len(actions) == len(tally.measures)
    assert sum(r[10] == "ja" for r in actions) == figures["overdue"]
    assert all(r[9] and "halmstad-" not in r[9] for r in actions)
    assert any(r[9].startswith("1.6 Trygghetsvandringar") for r in actions)
    sheet = [[c.value for c in row] for row in wb["Sammanfattning"].iter_rows()]
    blocks, block = [], []
    for row in sheet:
        if all(v is None for v in row):
            blocks.append(block)
            block = []
        else:
            block.append([v for v in row if v is not None])
    blocks = [b for b in [*blocks, block] if b]
    assert {label: value for label, value in blocks[0][2:]} == {
        label: value for _k, label, value in meeting.figure_rows(tally, "sv")}
    assert len(blocks) == 3
    for block, reports_ in ((blocks[1], tally.since), (blocks[2], tally.promise)):
        rows = meeting.progress_rows(reports_, cat, "sv", show_empty=True)[0]
        assert len(rows) >= 8 and [r[:3] + r[4:] for r in block[2:]] == [
            [r.label, r.figures.observations, r.figures.resolved, r.figures.measures_planned,
             r.figures.measures_in_progress, r.figures.measures_done, r.figures.measures_overdue,
             r.figures.walks] for r in rows]

    # the GeoPackage: its summary table and fields that let QGIS count the same
    path = tmp_path / "uppfoljning.gpkg"
    written = meeting.followup_gpkg(path, tally, cat, spots=spots, lang="sv")
    assert written["sammanfattning"] == len(followup.FIGURES)
    table = pyogrio.read_dataframe(path, layer="sammanfattning")
    obs = pyogrio.read_dataframe(path, layer="iakttagelser")
    ms = pyogrio.read_dataframe(path, layer="atgarder")
    assert dict(zip(table["nyckel"], table["antal"], strict=True)) == figures
    assert {"new": int(obs["ny_sedan_motet"].sum()), "resolved": int(obs["atgardad_sedan_motet"].sum()),
            "overdue": int(ms["forsenad"].sum()), "guldkorn": int(obs["guldkorn"].sum()),
            "waiting": int(obs["vantar_pa_beslut"].sum() + ms["vantar_pa_beslut"].sum()),
            "undecided": int(obs["vantar_pa_beslut"].sum()), "proposed": int(ms["vantar_pa_beslut"].sum()),
            } == figures
    for a, f in by_activity.items():
        here = obs[obs["aktivitet"] == a]
        assert (int(here["ny_sedan_motet"].sum()), int(here["atgardad_sedan_motet"].sum())) == (
            f.observations, f.resolved), a
    assert set(obs.loc[obs["aktivitet"] != "", "aktivitet_namn"].str[:4]) <= {"1.4 ", "1.6 ", "1.7 ", "1.1 "}


def test_the_documents_are_in_one_language(meeting_store):
    cat = catalog.load()
    tally = tally_for(meeting_store, "andersberg")
    report = meeting.meeting_report(tally, cat, area_name="Andersberg", lang="en", charts=False)
    assert report.title == "Follow-up of safety walks – Andersberg"
    swedish = {"Ny", "Bedömd", "Åtgärdad", "Pågår", "Föreslagen", "Verifierad vid uppföljning"}
    items = [*report.new, *report.resolved, *report.overdue, *report.waiting, *report.guldkorn]
    assert items and not {i.status for i in items} & swedish
    assert {i.ref.split()[0] for i in items} <= {"O", "M"}
    assert [s.title for s in report.sections] == ["Since the last meeting", "Over the promise's period"]
    rows = meeting.action_rows(tally, cat, "en")
    assert rows and all(not r.activity.startswith("halmstad") for r in rows)
    assert any(r.activity.startswith("1.6 Safety walks") for r in rows)
