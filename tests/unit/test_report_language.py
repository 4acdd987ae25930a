"""The English report is English and the Swedish one Swedish: the meeting PDF and the walk
protocol PDF, assembled by the domain (geo/meeting.py, geo/protocol.py) from a store with
data and one ``lang``, read back with pypdf — headings, status names, category labels,
responsible and priority alike (user text, such as descriptions, stays as typed)."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime

import pytest
from pypdf import PdfReader

from geo import catalog, meeting, protocol
from geo.model import SYSTEM
from geo.store import ProtocolChange
from tests.unit.test_meeting import meeting_store, tally_for  # noqa: F401  (the fixture)

# The language of a document is the domain's and the PDF writer's: SQLite's data will do
# (tests/unit/test_meeting.py checks the same figures on both backends).
pytestmark = pytest.mark.backends("sqlite")

CREATED = datetime(2020, 1, 20, 9, 0, tzinfo=UTC)

# Distinctive words of each language: headings, status names and the words of the cells.
MEETING = {
    "sv": ("Uppföljningsmöte", "Nytt sedan förra mötet", "Åtgärdat sedan förra mötet", "Väntar på beslut (",
           "Medborgarlöftet: framsteg per aktivitet", "Beslut att fatta", "Sida 1 av", "Bedömd", "Åtgärdad",
           "Inkommen", "Andel åtgärdade", "Underlaget skapades"),
    "en": ("Follow-up meeting", "New since the last meeting", "Resolved since the last meeting",
           "Waiting for a decision (", "The citizen promise: progress per activity", "Decisions to take",
           "Page 1 of", "Assessed", "Resolved", "Received", "Share resolved", "Prepared"),
}
PROTOCOL = {
    "sv": ("Protokoll från trygghetsvandring", "Vandring:", "Datum:", "Punkter längs rutten",
           "Vad deltagarna skrev", "Klart senast", "Prioritet", "Sida 1 av", "1 – hög", "Polisen"),
    "en": ("Safety walk protocol", "Walk:", "Date:", "Points along the route", "What the participants wrote",
           "Deadline", "Priority", "Page 1 of", "1 – high", "Police"),
}


def text_of(pdf: bytes) -> str:
    """The PDF's text with every run of white space as one space (table cells wrap)."""
    return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())


def labels(ids: set[str], lang: str) -> set[str]:
    return {c.label(lang) for c in catalog.load().categories if c.id in ids}


@pytest.mark.parametrize("lang, other", [("en", "sv"), ("sv", "en")])
def test_the_meeting_pdf_is_in_one_language(meeting_store, lang, other):  # noqa: F811
    cat = catalog.load()
    tally = tally_for(meeting_store, "andersberg")
    assert tally.new and tally.undecided
    text = text_of(meeting.meeting_pdf(tally, cat, meeting_store.districts(), area_name="Andersberg",
                                       map_ids="andersberg", lang=lang, created=CREATED))
    for word in MEETING[lang]:
        assert word in text, word
    for word in MEETING[other]:
        assert word not in text, word
    categories = {o.category for o in tally.new}  # a row: "O 12 <category> Andersberg <status> …"
    mine, theirs = labels(categories, lang), labels(categories, other)
    dense = text.replace(" ", "")  # a narrow cell may break a word

    def in_a_row(label: str) -> bool:
        return f"{label}Andersberg".replace(" ", "") in dense

    assert mine and all(in_a_row(label) for label in mine)
    assert not [label for label in theirs - mine if in_a_row(label)]


@pytest.mark.parametrize("lang, other", [("en", "sv"), ("sv", "en")])
def test_the_walk_protocol_pdf_is_in_one_language(meeting_store, lang, other):  # noqa: F811
    store, cat = meeting_store, catalog.load()
    walk = sorted(store.walks(), key=lambda w: w.starts_at)[0]
    first = protocol.protocol_rows(walk, store.observations(walk_id=walk.id), cat.categories, "sv")[0]
    point = next(o for o in store.observations(walk_id=walk.id) if o.id == first.observation_id)
    store.set_protocols(SYSTEM, [ProtocolChange(point.id, point.version, "polis", 1, date(2019, 11, 30))])
    observations = store.observations(walk_id=walk.id)
    text = text_of(protocol.walk_protocol_pdf(walk, observations, cat, store.districts(), lang=lang,
                                              created=CREATED))
    for word in PROTOCOL[lang]:
        assert word in text, word
    for word in PROTOCOL[other]:
        assert word not in text, word
    categories = {o.category for o in observations if o.merged_into is None}
    mine, theirs = labels(categories, lang), labels(categories, other)

    dense = text.replace(" ", "")  # a narrow cell may break a word

    def in_a_row(label: str) -> bool:  # a row: "<nr> <category> <lat>, <lon> <count> …"
        return re.search(rf"\d{re.escape(label.replace(' ', ''))}\d+\.\d+,", dense) is not None

    assert mine and all(in_a_row(label) for label in mine)
    assert not [label for label in theirs - mine if in_a_row(label)]
