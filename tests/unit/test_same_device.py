"""The participant stays themselves on their device (the store, on both backends): joining a
walk again from the same device (its key, :mod:`ui.device`) brings back the same participant
and their own pins; another device, another walk, no key, a device forgotten at *Byt
deltagare* or by the privacy purge: someone new.  The key never replaces the code.  Backup and
restore keep the device, so a restored installation still knows its tablets."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import select

from geo import roles
from geo import walks as wl
from geo.model import SYSTEM, ObservationDraft, Role, WalkStatus
from geo.store import Invalid
from geo.store.backup import backup, restore
from geo.store.schema import participant
from tests.factories import ANDERSBERG
from ui.device import (
    COOKIE,
    KEY_PATTERN,
    new_key,
    request_key,
    set_cookie_header,
    valid_key,
)

NOW = datetime(2026, 10, 24, 9, 0, tzinfo=UTC)
TABLET, PHONE = new_key(), new_key()


def open_walk(store, slug_day: int = 0):
    return wl.create_walk(store, SYSTEM, district_id="andersberg", date=NOW.date() + timedelta(days=slug_day),
                          start_time=time(18, 0), meeting_point="Andersbergs centrum", groups=["boende"],
                          leader="Pia", now=NOW, open_now=True)


def device_of(store, participant_id: int) -> str | None:
    with store.engine.connect() as conn:
        return conn.scalar(select(participant.c.device_hash).where(participant.c.id == participant_id))


def test_the_same_device_gets_the_same_participant_back_and_may_edit_their_pins(store):
    walk = open_walk(store)
    first = store.join_from_device(walk.join_code, "Kim", "boende", device_key=TABLET)
    assert not first.returned and first.actor.name == "Kim"
    assert device_of(store, first.actor.participant_id) == hashlib.sha256(TABLET.encode()).hexdigest()
    pin = store.observation(store.add_observation(ObservationDraft(
        category="belysning", lon=ANDERSBERG[0], lat=ANDERSBERG[1], feeling=3, description="Mörkt här",
        observed_at=walk.starts_at, walk_id=walk.id), first.actor))
    store.sign_out_participant(first.actor.participant_id)  # Logga ut: the device is kept

    again = store.join_from_device(walk.join_code.lower(), "Kim", device_key=TABLET)
    assert again.returned and again.actor == first.actor
    assert roles.allowed(again.actor, roles.Action.EDIT_OBSERVATION, observation=pin, walk=store.walk(walk.id))
    changed = store.update_observation(pin.id, again.actor, expected_version=pin.version,
                                       description="Mörkt och tomt")
    assert changed.description == "Mörkt och tomt"
    assert store.participant_counts([walk.id]) == {walk.id: 1}


def test_another_name_on_the_same_device_is_still_the_same_participant(store):
    walk = open_walk(store)
    kim = store.join_from_device(walk.join_code, "Kim", "boende", device_key=TABLET).actor
    lo = store.join_from_device(walk.join_code, "Lo", "personal", device_key=TABLET)
    assert lo.returned and lo.typed == "Lo" and lo.actor == kim
    assert store.participant(kim.participant_id).name == "Kim"  # the name and group stay
    assert store.participant(kim.participant_id).group == "boende"


def test_another_device_or_no_device_is_someone_new(store):
    walk = open_walk(store)
    kim = store.join_from_device(walk.join_code, "Kim", device_key=TABLET).actor
    other = store.join_from_device(walk.join_code, "Kim", device_key=PHONE)
    assert not other.returned and other.actor.participant_id != kim.participant_id
    nokey = [store.join_from_device(walk.join_code, "Kim", device_key=k) for k in (None, "", "x" * 101)]
    assert len({j.actor.participant_id for j in nokey} | {kim.participant_id}) == 4
    assert not any(j.returned for j in nokey)
    assert all(device_of(store, j.actor.participant_id) is None for j in nokey)
    plain = store.join_walk(walk.join_code, "Kim")  # the old call: no device at all
    assert plain.participant_id not in {kim.participant_id, other.actor.participant_id}


def test_the_device_is_remembered_per_walk(store):
    autumn, spring = open_walk(store), open_walk(store, slug_day=1)
    kim = store.join_from_device(autumn.join_code, "Kim", device_key=TABLET).actor
    there = store.join_from_device(spring.join_code, "Kim", device_key=TABLET)
    assert not there.returned and there.actor.walk_id == spring.id != kim.walk_id


def test_byt_deltagare_forgets_the_device_and_ends_the_links_in_one_go(store):
    walk = open_walk(store)
    kim = store.join_from_device(walk.join_code, "Kim", device_key=TABLET).actor
    link = store.reconnect_token(kim)
    assert store.sign_out_participant(kim.participant_id, forget_device=True) == 1
    assert store.resume(link) is None and device_of(store, kim.participant_id) is None
    lo = store.join_from_device(walk.join_code, "Lo", device_key=TABLET)
    assert not lo.returned and lo.actor.participant_id != kim.participant_id and lo.actor.name == "Lo"
    back = store.join_from_device(walk.join_code, "Lo", device_key=TABLET)  # the tablet is Lo's now
    assert back.returned and back.actor == lo.actor


def test_leaving_keeps_the_device_and_ends_only_that_participants_links(store):
    walk = open_walk(store)
    kim = store.join_from_device(walk.join_code, "Kim", device_key=TABLET).actor
    lo = store.join_from_device(walk.join_code, "Lo", device_key=PHONE).actor
    kims, los = store.reconnect_token(kim), store.reconnect_token(lo)
    assert store.sign_out_participant(kim.participant_id) == 1
    assert store.resume(kims) is None and store.resume(los) == lo
    assert device_of(store, kim.participant_id) is not None


def test_the_code_is_checked_as_for_anyone(store):
    walk = open_walk(store)
    store.join_from_device(walk.join_code, "Kim", device_key=TABLET)
    with pytest.raises(Invalid) as wrong:
        store.join_from_device("FEL123", "Kim", device_key=TABLET)
    assert wrong.value.errors == {"code": "join.unknown_code"}
    with pytest.raises(Invalid) as nameless:
        store.join_from_device(walk.join_code, "", device_key=TABLET)
    assert set(nameless.value.errors) == {"name"}
    store.set_walk_status(walk.id, WalkStatus.CLOSED, SYSTEM)
    with pytest.raises(Invalid) as closed:
        store.join_from_device(walk.join_code, "Kim", device_key=TABLET)
    assert closed.value.errors == {"code": "join.closed"}


def test_the_purge_forgets_the_device(store):
    walk = open_walk(store)
    kim = store.join_from_device(walk.join_code, "Kim", device_key=TABLET).actor
    store.purge_personal(SYSTEM, NOW + timedelta(days=1))  # the walk began before: Kim is purged
    assert device_of(store, kim.participant_id) is None
    assert store.participant(kim.participant_id).name == "–"


def test_backup_and_restore_keep_the_device(store, new_store, tmp_path):
    walk = open_walk(store)
    kim = store.join_from_device(walk.join_code, "Kim", device_key=TABLET).actor
    backup(store, tmp_path / "b.db")
    target = new_store("target")
    restore(target, tmp_path / "b.db")
    assert device_of(target, kim.participant_id) == device_of(store, kim.participant_id)
    assert target.join_from_device(walk.join_code, "Kim", device_key=TABLET).actor == kim


# --- the cookie (ui.device): pure parts; the middleware runs in tests/browser/test_same_device.py
def test_a_new_key_is_43_url_safe_characters_and_random():
    keys = {new_key() for _ in range(50)}
    assert len(keys) == 50 and all(KEY_PATTERN.fullmatch(k) for k in keys)
    assert valid_key(TABLET) == TABLET
    assert valid_key(None) is valid_key("kort") is valid_key(TABLET + "x") is valid_key(TABLET[:-1] + ";") is None


def test_the_cookie_is_http_only_lax_a_year_and_secure_over_https():
    plain, secure = set_cookie_header(TABLET, secure=False), set_cookie_header(TABLET, secure=True)
    assert plain == f"{COOKIE}={TABLET}; Max-Age=31536000; Path=/; HttpOnly; SameSite=Lax"
    assert secure == plain + "; Secure"


def test_the_request_key_is_read_from_the_cookie_header():
    from starlette.datastructures import Headers

    def key(cookie: str):
        return request_key(Headers(raw=[(b"cookie", cookie.encode())]))

    assert key(f"a=1; {COOKIE}={TABLET}; b=2") == TABLET
    assert key(f"{COOKIE}=inte-en-nyckel") is None
    assert key('"; ; =') is None and request_key(Headers(raw=[])) is None
    assert re.fullmatch(r"[A-Za-z0-9_-]+", TABLET)


def test_a_participant_actor_comes_back_whole(store):
    walk = open_walk(store)
    kim = store.join_from_device(walk.join_code, "Kim", device_key=TABLET).actor
    assert kim.role == Role.PARTICIPANT and kim.walk_id == walk.id


# --- the middleware (ui.device.DeviceKey), on a bare ASGI app --------------------------------
def set_cookies(client: str = "192.168.1.7", *, scheme: str = "http", headers: dict[str, str] | None = None,
                trusted: str = "", content_type: str = "text/html; charset=utf-8") -> list[str]:
    """The Set-Cookie headers the middleware gives a request from ``client``."""
    from geo.source import parse_proxies
    from tests import asgi
    from ui.device import DeviceKey

    page = asgi.answering([(b"content-type", content_type.encode())], b"<html></html>")
    sent = asgi.call(DeviceKey(page, trusted=parse_proxies(trusted)),
                     asgi.scope(client, scheme=scheme, headers=headers))
    return asgi.response_headers(sent).get("set-cookie", [])


def test_a_page_without_a_key_gives_one_and_a_page_with_one_keeps_it():
    [given] = set_cookies()
    key = re.match(rf"{COOKIE}=([^;]+);", given).group(1)
    assert valid_key(key) and given == set_cookie_header(key, secure=False)
    assert set_cookies(headers={"cookie": f"{COOKIE}={key}"}) == []
    assert set_cookies(headers={"cookie": f"{COOKIE}=kort"}) != []  # no key of ours: a new one
    assert set_cookies(content_type="application/json") == []  # only the page itself
    assert set_cookies() != set_cookies()  # every new device its own


def test_the_key_is_secure_over_https_as_hsts_decides():
    assert set_cookies(scheme="https")[0].endswith("; Secure")
    proxied = {"x-forwarded-proto": "https"}
    assert set_cookies("127.0.0.1", headers=proxied, trusted="127.0.0.1")[0].endswith("; Secure")
    assert not set_cookies("203.0.113.9", headers=proxied, trusted="127.0.0.1")[0].endswith("; Secure")
