"""Walk leaders' walks (geo/walks.py) against a real SQLite store: codes, titles, slugs,
times, the suggested promise activity, the join link and its QR code."""

import random
import re
import struct
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest

from geo import catalog, i18n
from geo import walks as wl
from geo.model import Actor, ObservationDraft, Role, WalkStatus
from geo.roles import Forbidden
from geo.store import Invalid

PLANNER = Actor(role=Role.PLANNER, name="Pia Planerare", user_id=1)
ANDERSBERG = (12.90123, 56.660631)
TODAY = date(2026, 10, 24)
NOW = datetime(2026, 10, 24, 9, 0, tzinfo=UTC)


def create(store, **kw):
    base = dict(district_id="andersberg", date=TODAY, start_time=time(18, 0),
                meeting_point="Andersbergs centrum", groups=["boende", "polis"],
                activity_id="halmstad-2019.1.6", leader="Pia Planerare", now=NOW)
    base.update(kw)
    return wl.create_walk(store, PLANNER, **base)


class Scripted:
    """A fake rng whose ``choice`` spells out the given codes, one after the other."""

    def __init__(self, *codes: str) -> None:
        self.letters = iter("".join(codes))

    def choice(self, alphabet: str) -> str:
        letter = next(self.letters)
        assert letter in alphabet
        return letter


# --- join code ----------------------------------------------------------------------------
def test_join_code_alphabet_and_length():
    codes = {wl.new_join_code() for _ in range(500)}
    assert len(codes) > 490
    for code in codes:
        assert re.fullmatch(r"[A-Z2-9]{6}", code), code
        assert not set(code) & set("0O1IL"), code
    assert wl.new_join_code(random.Random(7)) == wl.new_join_code(random.Random(7))


def test_join_code_collision_draws_again(store):
    first = create(store, rng=Scripted("ABC234"))
    assert first.join_code == "ABC234"
    second = create(store, rng=Scripted("ABC234", "ABC234", "XYZ789"))
    assert second.join_code == "XYZ789"
    assert store.walk_by_code("xyz789").id == second.id


def test_join_code_taken_between_check_and_insert_is_retried(store, monkeypatch):
    create(store, rng=Scripted("RACE22"))
    real = store.walk_by_code
    answers = iter([None])  # the first look-up misses the walk that holds RACE22

    def stale(code):
        return next(answers, real(code)) if code == "RACE22" else real(code)

    monkeypatch.setattr(store, "walk_by_code", stale)
    walk = create(store, rng=Scripted("RACE22", "FRESH3"))
    assert walk.join_code == "FRESH3"


# --- title, slug, time ----------------------------------------------------------------------
def test_built_title_slug_and_stored_fields(store):
    walk = create(store)
    assert walk.title == "Trygghetsvandring i Andersberg 24 okt 2026"
    assert walk.slug == "andersberg-2026-10-24"
    assert walk.district_id == "andersberg" and walk.activity_id == "halmstad-2019.1.6"
    assert walk.groups == ("boende", "polis") and walk.leader == "Pia Planerare"
    assert walk.meeting_point == "Andersbergs centrum"


def test_slug_is_ascii_and_numbered_when_taken(store):
    walks = [create(store, district_id="vallas", title="Kvällsvandring på Vallås – Östra!")
             for _ in range(3)]
    assert [w.slug for w in walks] == ["kvallsvandring-pa-vallas-ostra-2026-10-24",
                                       "kvallsvandring-pa-vallas-ostra-2026-10-24-2",
                                       "kvallsvandring-pa-vallas-ostra-2026-10-24-3"]
    assert walks[0].title == "Kvällsvandring på Vallås – Östra!"
    assert all(w.slug.isascii() for w in walks)
    assert len({w.join_code for w in walks}) == 3
    long = create(store, title="Å" * 150)
    assert len(long.slug) <= 80 and long.slug.endswith("-2026-10-24")


def test_many_walks_on_one_day_and_a_slug_taken_meanwhile(store, monkeypatch):
    slugs = [create(store).slug for _ in range(22)]
    assert len(set(slugs)) == 22 and slugs[-1] == "andersberg-2026-10-24-22"
    real = store.walk_by_slug
    monkeypatch.setattr(store, "walk_by_slug", lambda slug: None if slug.endswith("-22") else real(slug))
    assert create(store).slug == "andersberg-2026-10-24-23"  # -22 was refused by the store


def test_every_message_key_exists():
    src = (Path(wl.__file__)).read_text(encoding="utf-8")
    keys = set(re.findall(r'"((?:validation|walks)\.[a-z_]+)"', src))
    assert {"walks.unknown_group", "walks.unknown_district", "validation.required"} <= keys
    for key in keys:
        assert i18n.has(key), key


@pytest.mark.parametrize(("day", "at", "utc"), [
    (date(2026, 10, 24), time(18, 0), datetime(2026, 10, 24, 16, 0, tzinfo=UTC)),  # summer time
    (date(2026, 11, 3), time(18, 30), datetime(2026, 11, 3, 17, 30, tzinfo=UTC)),   # winter time
    (date(2026, 10, 25), time(18, 0), datetime(2026, 10, 25, 17, 0, tzinfo=UTC)),   # the day it changes
])
def test_local_date_and_time_become_utc(store, day, at, utc):
    walk = create(store, date=day, start_time=at)
    assert walk.starts_at == utc and walk.starts_at.tzinfo is not None
    assert i18n.local_time(walk.starts_at) == f"{day.isoformat()} {at.strftime('%H:%M')}"


def test_another_time_zone():
    assert wl.local_start(date(2026, 1, 5), time(9, 0), "UTC") == datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


# --- open or planned -------------------------------------------------------------------------
def test_a_walk_today_opens_at_once_a_later_one_is_planned(store):
    assert create(store).status == WalkStatus.OPEN
    later = create(store, date=date(2026, 11, 7))
    assert later.status == WalkStatus.PLANNED
    assert create(store, date=date(2026, 11, 7), open_now=True).status == WalkStatus.OPEN
    assert create(store, open_now=False).status == WalkStatus.PLANNED
    assert store.set_walk_status(later.id, WalkStatus.OPEN, PLANNER).status == WalkStatus.OPEN


def test_today_is_the_swedish_date(store):
    late = datetime(2026, 10, 24, 22, 30, tzinfo=UTC)  # already 00:30 on the 25th in Sweden
    assert create(store, date=date(2026, 10, 25), now=late).status == WalkStatus.OPEN
    assert create(store, date=date(2026, 10, 24), now=late).status == WalkStatus.PLANNED


# --- validation and roles ------------------------------------------------------------------
def test_validation_names_each_field(store):
    before = store.snapshot()
    with pytest.raises(Invalid) as e:
        wl.create_walk(store, PLANNER, district_id=None, date=None, start_time=None,
                       meeting_point="x" * 201, groups=["boende", "marsianer"],
                       activity_id="nope", leader="  ", title="t" * 201)
    assert e.value.errors == {
        "district": "validation.required", "date": "validation.required",
        "start_time": "validation.required", "meeting_point": "validation.too_long",
        "groups": "walks.unknown_group", "activity": "validation.unknown_activity",
        "leader": "validation.required", "title": "validation.too_long"}
    for key in e.value.errors.values():
        assert i18n.has(key), key
    assert store.snapshot() == before


def test_unknown_district_and_an_activity_of_another_municipality(store):
    with pytest.raises(Invalid) as e:
        create(store, district_id="atlantis")
    assert e.value.errors == {"district": "walks.unknown_district"}
    with pytest.raises(Invalid) as e:
        create(store, district_id="barnangen")  # Hallstahammar, but Halmstad's activity
    assert e.value.errors == {"activity": "walks.activity_elsewhere"}


def test_activity_and_meeting_point_are_optional(store):
    walk = create(store, activity_id=None, meeting_point="", groups=[])
    assert walk.activity_id is None and walk.meeting_point == "" and walk.groups == ()


def test_only_planners_and_admins_create(store):
    participant = Actor(role=Role.PARTICIPANT, name="Lisa", participant_id=1, walk_id=1)
    for actor in (participant, None):
        with pytest.raises(Forbidden):
            wl.create_walk(store, actor, district_id="andersberg", date=TODAY,
                           start_time=time(18, 0), leader="x")
    admin = Actor(role=Role.ADMIN, name="Anna", user_id=2)
    assert wl.create_walk(store, admin, district_id="andersberg", date=TODAY,
                          start_time=time(18, 0), leader="Anna").id


# --- the promise activity ------------------------------------------------------------------
def test_suggested_activity_for_halmstad():
    cat = catalog.load()
    expected = "halmstad-2019.1.6"
    assert cat.activity(expected).text.startswith("Trygghetsvandringar på prioriterade platser")
    assert wl.suggested_activity(cat, "halmstad", date(2019, 10, 1)) == expected
    assert wl.suggested_activity(cat, "halmstad", date(2026, 10, 24)) == expected  # the latest
    assert wl.suggested_activity(cat, "halmstad", date(2018, 5, 1)) is None  # 2017–2018: no walks


def test_no_suggestion_without_a_walk_activity_or_a_promise():
    cat = catalog.load()
    assert wl.suggested_activity(cat, "hallstahammar", date(2019, 10, 1)) is None
    assert wl.suggested_activity(cat, "nowhere") is None


def test_activities_for_a_municipality_current_first():
    cat = catalog.load()
    pairs = wl.activities_for(cat, "halmstad", date(2018, 5, 1))
    assert pairs[0][0].id == "halmstad-2017"
    assert {m.id for m, _a in pairs} == {"halmstad-2017", "halmstad-2019"}
    assert wl.activities_for(cat, "halmstad", date(2026, 1, 1))[0][0].id == "halmstad-2019"


# --- the list --------------------------------------------------------------------------------
def test_ordered_open_planned_closed_newest_first(store):
    old_open = create(store, date=date(2026, 10, 1), open_now=True)
    new_open = create(store, date=date(2026, 10, 20), open_now=True)
    planned = create(store, date=date(2026, 12, 1))
    closed = create(store, date=date(2026, 12, 24), open_now=True)
    store.set_walk_status(closed.id, WalkStatus.CLOSED, PLANNER)
    order = [w.id for w in wl.ordered(store.walks())]
    assert order == [new_open.id, old_open.id, planned.id, closed.id]


def test_counts_pins_and_the_people_who_placed_them(store):
    walk = create(store)
    assert wl.walk_counts(store, walk) == wl.WalkCounts(participants=0, pins=0)
    lisa = store.join_walk(walk.join_code, "Lisa", "boende")
    omar = store.join_walk(walk.join_code, "Omar", "ungdomar")
    for who in (lisa, lisa, omar):
        store.add_observation(ObservationDraft(category="belysning", lon=ANDERSBERG[0], lat=ANDERSBERG[1],
                                               feeling=4, walk_id=walk.id, observed_at=walk.starts_at), who)
    assert wl.walk_counts(store, walk) == wl.WalkCounts(participants=2, pins=3)


# --- the join link and the QR code -----------------------------------------------------------
@pytest.mark.parametrize(("base", "url"), [
    ("http://localhost:8501/vandringar", "http://localhost:8501/?kod=ABC234"),
    ("https://trygg.example.se/vandringar?x=1#top", "https://trygg.example.se/?kod=ABC234"),
    ("https://trygg.example.se", "https://trygg.example.se/?kod=ABC234"),
    ("192.168.1.20:8501", "http://192.168.1.20:8501/?kod=ABC234"),
])
def test_join_url_is_the_root_with_the_code(base, url):
    assert wl.join_url(base, "abc234") == url


def test_join_url_keeps_the_servers_base_path():
    assert (wl.join_url("https://kommun.se/trygg/vandringar", "ABC234", "/trygg/")
            == "https://kommun.se/trygg/?kod=ABC234")


def test_public_url_wins_over_the_browser():
    browser = "http://localhost:8501/vandringar"
    assert wl.public_join_url("ABC234", browser, environ={}) == "http://localhost:8501/?kod=ABC234"
    assert (wl.public_join_url("ABC234", browser, "trygg", environ={})
            == "http://localhost:8501/trygg/?kod=ABC234")
    public = {"PUBLIC_URL": " https://trygg.example.se "}
    assert wl.public_join_url("ABC234", browser, environ=public) == "https://trygg.example.se/?kod=ABC234"
    # PUBLIC_URL names the root as the tablets reach it, a proxy's path included
    behind_proxy = {"PUBLIC_URL": "https://kommun.example.se/trygg/?x=1"}
    assert (wl.public_join_url("ABC234", None, environ=behind_proxy)
            == "https://kommun.example.se/trygg/?kod=ABC234")
    assert wl.public_join_url("ABC234", None, environ={}) is None


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_qr_png_is_a_png_that_grows_with_content_and_scale():
    short = _png_size(wl.qr_png("http://a.se/?kod=ABC234", scale=4))
    long = _png_size(wl.qr_png("https://trygghetskartan.kommun.example.se/?kod=ABC234&" + "x" * 120, scale=4))
    bigger = _png_size(wl.qr_png("http://a.se/?kod=ABC234", scale=8))
    assert short[0] == short[1] and long[0] > short[0]
    assert bigger[0] == 2 * short[0]


def test_qr_svg():
    svg = wl.qr_svg("http://a.se/?kod=ABC234")
    assert svg.startswith("<svg") and "</svg>" in svg
