"""Pins made offline, sent by the walk map's outbox to ``POST /api/walk/pins`` (:mod:`ui.api`,
:mod:`geo.offline`), on both backends through the real route and the real store: who may
send, what is refused with which message, that a pin sent twice is stored once; the page's
check that knows an offline tap again (:func:`geo.capture.sent_offline`); and the outbox
element the walk map carries (:mod:`geo.outbox`)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, time, timedelta

import pytest
from starlette.applications import Starlette

from geo import capture, i18n
from geo import walks as wl
from geo.mapview import walk_map
from geo.model import SYSTEM, Category, WalkStatus
from geo.offline import MAX_BODY
from geo.outbox import Outbox, script_json
from tests import asgi
from tests.factories import observation
from ui.api import PINS_PATH, pin_route

HERE = (12.8985, 56.6612)  # a footpath in Andersberg
OUTSIDE = (12.8600, 56.6740)  # Halmstad, but not Andersberg


def call(app, body: bytes | dict | None = None, *, token: str | None = None,
         headers: dict[str, str] | None = None, chunked: bool = False) -> tuple[int, dict]:
    """POST ``body`` to the pins route of ``app`` as a browser would (ASGI, no network)."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode() if body is not None else b""
    sent = {"content-type": "application/json", **(headers or {})}
    if token is not None:
        sent["authorization"] = f"Bearer {token}"
    if not chunked:
        sent["content-length"] = str(len(raw))
    request = asgi.scope("127.0.0.1", method="POST", path=PINS_PATH, headers=sent)
    parts = [raw[i:i + 1024] for i in range(0, len(raw), 1024)] if chunked else [raw]
    out = asgi.call(app, request, [{"type": "http.request", "body": p, "more_body": i < len(parts) - 1}
                                   for i, p in enumerate(parts)])
    status = next(m["status"] for m in out if m["type"] == "http.response.start")
    data = b"".join(m.get("body", b"") for m in out if m["type"] == "http.response.body")
    return status, json.loads(data)


@pytest.fixture
def app(store):
    return Starlette(routes=[pin_route(lambda: store)])


def open_walk(store, district: str = "andersberg"):
    now = datetime.now(UTC)
    return wl.create_walk(store, SYSTEM, district_id=district, date=i18n.local_date(now),
                          start_time=time(18, 0), meeting_point="Centrum", groups=["boende"],
                          leader="Pia", open_now=True)


def pin(walk, **fields) -> dict:
    body = {"uuid": str(uuid.uuid4()), "walk": walk.id, "lat": HERE[1], "lng": HERE[0],
            "category": "belysning", "feeling": 4, "text": "Lampan är trasig", "outside_ok": False,
            "at": datetime.now(UTC).isoformat(), "lang": "sv"}
    return {**body, **fields}


def joined(store, walk, name: str = "Kim", group: str = "boende"):
    kim = store.join_walk(walk.join_code, name, group)
    return kim, store.reconnect_token(kim)


def test_a_pin_is_saved_as_the_pin_form_saves_it_and_a_repeat_is_the_same_pin(store, app):
    walk = open_walk(store)
    kim, token = joined(store, walk)
    at = datetime.now(UTC) - timedelta(minutes=20)  # tapped offline twenty minutes ago
    body = pin(walk, at=at.isoformat())
    status, first = call(app, body, token=token)
    assert status == 201, first
    assert first["added"] is True and first["message"] == "Sparad: Belysning"
    status, again = call(app, body, token=token)  # the answer was lost: sent once more
    assert status == 200 and again["id"] == first["id"] and again["added"] is False
    [saved] = store.observations(walk_id=walk.id)
    assert saved.id == first["id"] and saved.uuid == body["uuid"]
    assert (saved.category, saved.feeling, saved.description) == ("belysning", 4, "Lampan är trasig")
    assert (saved.lon, saved.lat) == capture.click_point({"lat": HERE[1], "lng": HERE[0]})
    assert saved.participant_id == kim.participant_id and saved.reported_by == "Kim" and saved.group == "boende"
    assert saved.district_id == "andersberg" and saved.activity_id == walk.activity_id
    assert abs((saved.observed_at - at).total_seconds()) < 1


def test_a_safe_place_needs_no_feeling_and_a_clock_ahead_is_now(store, app):
    walk = open_walk(store)
    _, token = joined(store, walk)
    safe = next(c for c in store_categories() if c.positive)
    ahead = datetime.now(UTC) + timedelta(hours=3)
    status, answer = call(app, pin(walk, category=safe.id, feeling=None, text="", at=ahead.isoformat(),
                                   lang="en"), token=token)
    assert status == 201 and answer["message"] == f"Saved: {safe.en}"
    [saved] = store.observations(walk_id=walk.id)
    assert saved.feeling == 1 and saved.observed_at <= datetime.now(UTC)


def store_categories() -> list[Category]:
    from geo import catalog

    return list(catalog.load().categories)


@pytest.mark.parametrize("header", [None, "Bearer ", "Basic a2ltOmxvc2Vu", "Bearer not-a-link"])
def test_without_a_valid_link_nothing_is_saved(store, app, header):
    walk = open_walk(store)
    status, answer = call(app, pin(walk), headers={"authorization": header} if header else None)
    assert status == 401
    assert answer["error"] == "Länken till vandringen gäller inte längre – gå med igen med koden."
    assert store.observations(walk_id=walk.id) == []


def test_a_link_that_was_signed_out_is_refused(store, app):
    walk = open_walk(store)
    kim, token = joined(store, walk)
    store.sign_out_participant(kim.participant_id)
    assert call(app, pin(walk), token=token)[0] == 401


def test_another_walk_and_a_closed_walk_are_refused_with_a_message(store, app):
    walk, other = open_walk(store), open_walk(store, "vallas")
    _, token = joined(store, walk)
    status, answer = call(app, pin(other), token=token)
    assert status == 403 and answer["error"] == "Nålen hör till en annan vandring än den du gått med i."
    body = pin(walk)
    store.set_walk_status(walk.id, WalkStatus.CLOSED, SYSTEM)
    status, answer = call(app, body, token=token)
    assert status == 403 and answer["error"] == "Vandringen är avslutad – nya nålar tas inte emot."
    assert store.observations(walk_id=walk.id) == [] and store.observations(walk_id=other.id) == []


@pytest.mark.parametrize("chunked", [False, True])
def test_a_body_over_the_limit_is_refused(store, app, chunked):
    walk = open_walk(store)
    _, token = joined(store, walk)
    body = json.dumps(pin(walk, text="x" * MAX_BODY)).encode()
    status, answer = call(app, body, token=token, chunked=chunked)
    assert status == 413 and "8 kB" in answer["error"]
    assert store.observations(walk_id=walk.id) == []


@pytest.mark.parametrize(("fields", "field", "reason"), [
    ({"category": "ufo"}, "Kategori", "okänd kategori"),
    ({"category": None}, "Kategori", None),
    ({"category": 7}, "Kategori", "okänd kategori"),
    ({"feeling": None}, "Otrygghet", None),
    ({"feeling": 9}, "Otrygghet", None),
    ({"uuid": "nope"}, "Id (UUID)", None),
    ({"lat": "56.66"}, "Plats", None),
    ({"at": "igår"}, "Tidpunkt", "är ingen tidpunkt med tidszon"),
    ({"text": "x" * 1001}, "Beskrivning", "är för lång (högst 1000 tecken utan anslutning)"),
])
def test_a_bad_field_is_refused_naming_the_field(store, app, fields, field, reason):
    walk = open_walk(store)
    _, token = joined(store, walk)
    status, answer = call(app, pin(walk, **fields), token=token)
    assert status == 422, answer
    assert any(line.startswith(f"{field}: ") for line in answer["fields"].values()), answer
    if reason:
        assert f"{field}: {reason}" in answer["error"]
    assert store.observations(walk_id=walk.id) == []


def test_a_place_outside_the_district_needs_the_confirmation_the_form_asks_for(store, app):
    walk = open_walk(store)
    _, token = joined(store, walk)
    outside = {"lat": OUTSIDE[1], "lng": OUTSIDE[0]}
    status, answer = call(app, pin(walk, **outside), token=token)
    assert status == 422 and "place" in answer["fields"]
    assert call(app, pin(walk, **outside, outside_ok=True), token=token)[0] == 201


def test_not_json_is_refused(store, app):
    walk = open_walk(store)
    _, token = joined(store, walk)
    for raw in (b"{", b"[1, 2]", "ö".encode("latin-1")):
        status, answer = call(app, raw, token=token)
        assert status == 422 and answer["error"] == "Nålen kom inte fram i rätt form."


# --- the page: a tap sent again by Streamlit when the connection is back ----------------------
def test_a_tap_exactly_at_a_pin_of_ones_own_was_sent_offline():
    tap = capture.click_point({"lat": 56.66123456789, "lng": 12.89851234567})
    mine = observation(1, participant_id=7, lon=tap[0], lat=tap[1])
    assert capture.sent_offline(tap, [mine], 7)
    assert not capture.sent_offline(tap, [mine], 8)  # someone else's pin at that place
    assert not capture.sent_offline(tap, [mine], None)
    assert not capture.sent_offline(None, [mine], 7)
    beside = (tap[0] + 1e-7, tap[1])  # a centimetre away: a new tap
    assert not capture.sent_offline(beside, [mine], 7)
    assert not capture.sent_offline(tap, [], 7)


# --- the map's element -----------------------------------------------------------------------
def test_the_walk_map_carries_the_outbox_with_texts_in_the_pages_language(store):
    walk = open_walk(store)
    html = walk_map(store.districts(), walk, "en").get_root().render()
    assert "trygghetskartan-outbox-" in html and '"/api/walk/pins"' in html
    assert "No connection – {n} pins waiting" in html and "Ingen anslutning" not in html
    assert '"accepting": true' in html
    sv = walk_map(store.districts(), walk, "sv").get_root().render()
    assert "Ingen anslutning – {n} nålar väntar" in sv and "Ingen anslutning – 1 nål väntar" in sv


def test_texts_cannot_break_out_of_the_outbox_script(store):
    walk = open_walk(store)
    evil = Category(id="x", sv="</script><script>alert(1)</script>&amp;", en="e", description_sv="",
                    description_en="", colour="#123456", icon="", material_icon="")
    m = walk_map(store.districts(), walk, "sv")
    Outbox(walk, "sv", [evil]).add_to(m)
    html = m.get_root().render()
    assert "<script>alert(1)" not in html and "\\u003c/script\\u003e" in html
    assert json.loads(script_json({"a": "</script>\u2028&"})) == {"a": "</script>\u2028&"}


def test_a_closed_walk_takes_no_pins_offline(store):
    walk = open_walk(store)
    closed = store.set_walk_status(walk.id, WalkStatus.CLOSED, SYSTEM)
    html = walk_map(store.districts(), closed, "sv").get_root().render()
    assert '"accepting": false' in html

