"""What a participant hears after the walk (geo/outcomes.py): own pins only, the kept pin's
status and measures for a merged pin (along a chain of merges), and the plain words in
Swedish and English, with reasons given as codes or typed by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from geo import i18n
from geo.model import Measure, MeasureStatus, Observation, ObservationStatus
from geo.outcomes import (
    EMPTY,
    MeasureOutcome,
    kept_chain,
    linked_measures,
    measure_status_text,
    observation_status_text,
    participant_outcomes,
    reason_text,
    responsible_text,
)
from geo.safe import markdown_text
from tests import factories as make

T0 = datetime(2025, 10, 15, 17, 0, tzinfo=UTC)
KIM, LO = 7, 8


def obs(i: int, who: int | None, *, status: str = "new", reason: str = "", text: str = "",
        merged_into: int | None = None, minutes: int = 0) -> Observation:
    at = T0 + timedelta(minutes=minutes)
    return make.observation(i, at=at, description=text, status=status, status_reason=reason,
                            participant_id=who, merged_into=merged_into)


def measure(i: int, answers: tuple[int, ...], status: str = "proposed", **kw) -> Measure:
    return make.measure(i, at=T0, district_id=None, status=status, observation_ids=answers, **kw)


def test_only_own_pins_oldest_first_with_their_own_status_and_measures():
    pins = [obs(1, KIM, minutes=5, status="in_progress", text="Mörkt"), obs(2, LO),
            obs(3, KIM, minutes=1), obs(4, None)]
    rows = participant_outcomes(KIM, pins, [measure(10, (1,), "in_progress"), measure(11, (2,))])
    assert [(r.observation_id, r.status, r.merged) for r in rows] == [(3, "new", False),
                                                                     (1, "in_progress", False)]
    assert rows[0].measures == () and [m.id for m in rows[1].measures] == [10]
    assert rows[1].description == "Mörkt" and rows[1].status_key == "outcome.observation.in_progress"
    assert participant_outcomes(None, pins, []) == []  # a planner has no own pins here
    assert participant_outcomes(99, pins, []) == []


def test_a_merged_pin_tells_the_kept_pins_status_and_measures_but_keeps_its_own_text():
    pins = [obs(1, LO, status="measure_planned", text="Lampan\n— Mörkt här"),
            obs(2, KIM, text="Mörkt här", merged_into=1)]
    [row] = participant_outcomes(KIM, pins, [measure(10, (1,), "decided"), measure(11, (1, 2))])
    assert (row.observation_id, row.kept_id, row.merged) == (2, 1, True)
    assert (row.status, row.description) == ("measure_planned", "Mörkt här")
    assert [m.id for m in row.measures] == [10, 11]  # each once, by id


def test_a_chain_of_merges_is_followed_and_a_loop_ends():
    pins = [obs(1, KIM, merged_into=2), obs(2, LO, merged_into=3), obs(3, LO, status="resolved")]
    [row] = participant_outcomes(KIM, pins, [measure(10, (2,))])
    assert (row.kept_id, row.status, [m.id for m in row.measures]) == (3, "resolved", [10])
    looped = {1: obs(1, KIM, merged_into=2), 2: obs(2, LO, merged_into=1)}
    assert [o.id for o in kept_chain(looped[1], looped)] == [1, 2]
    # the kept pin is not among the observations given: the last known pin speaks
    [row] = participant_outcomes(KIM, [obs(1, KIM, merged_into=5, status="assessed")], [])
    assert (row.kept_id, row.status) == (1, "assessed")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([KIM, LO, None]), st.integers(0, 12),
                          st.sampled_from(list(ObservationStatus))), min_size=1, max_size=12),
       st.lists(st.sets(st.integers(1, 12), max_size=4), max_size=6))
def test_every_own_pin_once_ending_at_an_unmerged_pin(spec, links):
    # pin i may be merged into a pin with a larger id (as the store does: no loops)
    pins = [obs(i, who, status=s, merged_into=(t if i < t <= len(spec) else None))
            for i, (who, t, s) in enumerate(spec, start=1)]
    by_id = {p.id: p for p in pins}
    ms = [measure(100 + k, tuple(sorted(ids))) for k, ids in enumerate(links)]
    rows = participant_outcomes(KIM, pins, ms)
    assert sorted(r.observation_id for r in rows) == sorted(p.id for p in pins if p.participant_id == KIM)
    for r in rows:
        kept = by_id[r.kept_id]
        assert kept.merged_into is None and r.status == kept.status
        chain = {p.id for p in kept_chain(by_id[r.observation_id], by_id)}
        assert {m.id for m in r.measures} == {m.id for m in ms if chain & set(m.observation_ids)}
        assert [m.id for m in r.measures] == sorted(m.id for m in r.measures)
    assert {m.id for m in linked_measures([p.id for p in pins], ms)} == {
        m.id for m in ms if set(m.observation_ids) & set(by_id)}


def test_every_status_has_plain_words_in_both_languages():
    for s in ObservationStatus:
        for lang in ("sv", "en"):
            text = observation_status_text(s, "duplicate", lang)
            assert text and s.value not in text and "{" not in text
    for s in MeasureStatus:
        for lang in ("sv", "en"):
            text = measure_status_text(s, "other", lang)
            assert text and "{" not in text and "None" not in text
    assert observation_status_text("new", lang="sv") == "Inte behandlad ännu"
    assert observation_status_text("assessed", lang="sv") == "Bedömd – ingen åtgärd beslutad ännu"
    assert observation_status_text("measure_planned", lang="sv") == "En åtgärd är planerad"
    assert observation_status_text("in_progress", lang="sv") == "Åtgärden pågår"
    assert observation_status_text("resolved", lang="sv") == "Åtgärdad – kontrolleras vid nästa uppföljning"
    assert observation_status_text("verified", lang="sv") == "Åtgärdad och kontrollerad på plats"
    assert observation_status_text("in_progress", lang="en") == "The measure is under way"
    assert observation_status_text("no_such_status", lang="sv") == EMPTY


def test_a_reason_code_is_put_into_words_and_a_typed_reason_stays_as_typed():
    assert observation_status_text("closed", "duplicate", "sv") == "Stängd utan åtgärd: Dubblett"
    assert observation_status_text("closed", "felanmalan", "en") == (
        "Closed without a measure: Reported to the fault report service")
    assert observation_status_text("closed", "Gatan är privat", "sv") == "Stängd utan åtgärd: Gatan är privat"
    assert observation_status_text("closed", "  ", "sv") == "Stängd utan åtgärd"
    for code, sv in [("duplicate", "Dubblett"), ("not_physical", "Inte en fysisk brist"),
                     ("felanmalan", "Anmäld till felanmälan"), ("other_owner", "Annan ägares ansvar"),
                     ("other", "Annat skäl")]:
        assert reason_text(code, "sv") == sv and i18n.has(f"close_reason.{code}")
    assert reason_text("heading", "sv") == "heading"  # only close_reason.* keys count
    assert reason_text(None) == ""
    # typed text is escaped where the page shows it, the catalogue's words are not
    assert measure_status_text("cancelled", "[x](javascript:y)", "sv", markdown_text) == (
        "Avbruten: \\[x\\]\\(javascript\\:y\\)")
    assert measure_status_text("cancelled", "", "en") == "Cancelled"


def test_responsible_and_due_show_a_dash_when_empty_never_none():
    def m(**kw) -> MeasureOutcome:
        base = dict(id=1, title="t", type="x", status="proposed", status_reason="",
                    responsible="kommun", responsible_name="", due=None)
        return MeasureOutcome(**{**base, **kw})
    assert responsible_text(m(), "sv") == "Kommunen"
    assert responsible_text(m(responsible_name="Gatukontoret"), "en") == "Municipality (Gatukontoret)"
    assert responsible_text(m(responsible="", responsible_name=""), "sv") == EMPTY
    assert responsible_text(m(responsible="no_such"), "sv") == EMPTY
    from geo.outcomes import due_text
    assert due_text(m()) == EMPTY and due_text(m(due=date(2025, 11, 30))) == "2025-11-30"
