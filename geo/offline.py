"""Pins made offline, as the map's outbox (:mod:`geo.outbox`) sends them when the
connection is back: one request per pin, checked by the same rules and saved by the same
store call as the pin form.

:func:`receive_pin` takes the participant's link token (``Authorization: Bearer …``) and
the request's JSON body, and answers with an HTTP status and a JSON object; ``ui/api.py``
only reads the request and writes the answer.  The body is::

    {"uuid": "…", "walk": 7, "lat": 56.66, "lng": 12.90, "category": "belysning",
     "feeling": 4, "text": "…", "outside_ok": false, "at": "2026-10-24T17:05:00Z",
     "lang": "sv"}

* the pin's ``uuid`` was made on the tablet when it was saved there, so a pin sent twice
  (the answer lost on the way back) is stored once: the repeat gets the same ``id`` (200;
  the first time 201);
* ``lat``/``lng`` pass :func:`geo.capture.click_point`, as the page's taps do, so the pin
  is stored exactly where a tap on the page would have put it
  (:func:`geo.capture.sent_offline` knows it again);
* ``at``, when the tap was made, is kept (a pin sent an hour later was still seen then);
  a tablet's clock ahead of the server's is taken as now;
* a safe place (a positive category) needs no feeling, as in the pin form.

Answers: 201/200 ``{"id", "uuid", "added", "message"}``; 401 no or an ended link; 403 not
this participant's walk, or the walk is not open; 413 a body over :data:`MAX_BODY`; 422
``{"error", "fields": {field: message}}``; 503 the database is away (the outbox keeps the
pin and tries again).  Every message comes from the catalogue, in the body's ``lang``.
"""

from __future__ import annotations

import json
import uuid as uuidlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from . import capture, i18n
from . import catalog as catalog_module
from .errors import Refused
from .model import FEELING_MIN, Actor, Category, WalkStatus
from .roles import Action, Forbidden, allowed
from .store import NotFound, Store, StoreError, Unavailable

MAX_BODY = 8 * 1024  # bytes: a pin with a short text (no photos offline)
TEXT_MAX = 1000  # characters in the offline form's text (the pin form allows more)


@dataclass(frozen=True)
class Answer:
    """An HTTP status and the JSON object to send."""

    status: int
    body: dict[str, Any] = field(default_factory=dict)


def _error(status: int, message: str, fields: dict[str, str] | None = None) -> Answer:
    body: dict[str, Any] = {"error": message}
    if fields:
        body["fields"] = fields
    return Answer(status, body)


def _refusal(status: int, refusal: Refused, lang: str) -> Answer:
    fields = {name: line for name, line in zip(refusal.errors, refusal.reasons(lang), strict=False)}
    return _error(status, refusal.message(lang), fields)


def bearer(header: str | None) -> str | None:
    """The token of an ``Authorization: Bearer …`` header, or None."""
    if not header:
        return None
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def _language(body: object) -> str:
    lang = body.get("lang") if isinstance(body, dict) else None
    return lang if isinstance(lang, str) and lang in i18n.LANGUAGES else i18n.default_language()


def _observed_at(value: object, now: datetime) -> datetime | None:
    """When the tap was made (ISO 8601 with a zone), at the latest ``now``; None when it
    is not such a time."""
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        at = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if at.utcoffset() is None:
        return None
    return min(at.astimezone(UTC), now)


def _is_uuid(value: object) -> bool:
    if not isinstance(value, str) or len(value) != 36:
        return False
    try:
        uuidlib.UUID(value)
    except ValueError:
        return False
    return True


def receive_pin(store: Store, token: str | None, raw: bytes, *, now: datetime | None = None,
                categories: Sequence[Category] | None = None) -> Answer:
    """Check and save one pin the outbox sends (see the module's doc); never raises for
    anything the request holds."""
    now = now or datetime.now(UTC)
    if len(raw) > MAX_BODY:
        return _error(413, i18n.t("offline.too_big", None, kb=MAX_BODY // 1024))
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        body = None
    lang = _language(body)
    if not token:
        return _error(401, i18n.t("offline.no_link", lang))
    try:
        actor = store.resume(token)
    except Unavailable as e:
        return _refusal(503, e, lang)
    if actor is None:
        return _error(401, i18n.t("offline.no_link", lang))
    if not isinstance(body, dict):
        return _error(422, i18n.t("offline.bad_request", lang))
    return _save(store, actor, body, lang, now, categories)


def _save(store: Store, actor: Actor, body: dict[str, Any], lang: str, now: datetime,
          categories: Sequence[Category] | None) -> Answer:
    walk_id = body.get("walk")
    if isinstance(walk_id, bool) or not isinstance(walk_id, int) or walk_id != actor.walk_id:
        return _error(403, i18n.t("offline.other_walk", lang))
    try:
        walk = store.walk(walk_id)
        participant = store.participant(actor.participant_id) if actor.participant_id is not None else None
    except NotFound:
        return _error(403, i18n.t("offline.other_walk", lang))
    except StoreError as e:
        return _refusal(503, e, lang)
    if not allowed(actor, Action.ADD_OBSERVATION, walk=walk):
        key = "offline.walk_closed" if walk.status == WalkStatus.CLOSED else "offline.walk_not_open"
        return _error(403, i18n.t(key, lang))
    problems: dict[str, str] = {}
    uid = body.get("uuid")
    if not _is_uuid(uid):
        problems["uuid"] = "validation.bad_uuid"
    point = capture.click_point({"lat": body.get("lat"), "lng": body.get("lng")})
    if point is None:
        problems["place"] = "pin.no_place"
    outside_ok = body.get("outside_ok", False)
    if not isinstance(outside_ok, bool):
        problems["place"] = "offline.bad_value"
    at = _observed_at(body.get("at"), now) if "at" in body else now
    if at is None:
        problems["observed_at"] = "offline.bad_time"
    text = body.get("text", "")
    if not isinstance(text, str):
        problems["description"] = "offline.bad_value"
    elif len(text) > TEXT_MAX:
        problems["description"] = "offline.text_too_long"
    category, feeling = body.get("category"), body.get("feeling")
    if category is not None and not isinstance(category, str):
        problems["category"] = "validation.unknown_category"
    if problems or point is None or at is None or not isinstance(text, str):
        return _fields(problems, lang)
    cats = list(catalog_module.load().categories if categories is None else categories)
    if any(c.id == category and c.positive for c in cats):
        feeling = FEELING_MIN  # a safe place: the pin form asks no feeling either
    # the pin form's own path from here: the place, the draft with its checks, the one save
    place = capture.place_pin(*point, walk, store.districts())
    draft, errors = capture.pin_draft(
        place, walk, category=category, feeling=feeling, description=text, uuid=str(uid),
        observed_at=at, categories=[c.id for c in cats], confirmed_outside=bool(outside_ok),
        reported_by=actor.name, group=participant.group if participant else "")
    if errors or draft is None:
        return _fields(errors, lang)
    try:
        saved = store.add_observations([draft], actor)
    except Forbidden as e:  # the walk closed between the check above and the save
        return _refusal(403, e, lang)
    except Unavailable as e:
        return _refusal(503, e, lang)
    except StoreError as e:
        return _refusal(422, e, lang)
    label = next((c.label(lang) for c in cats if c.id == draft.category), draft.category)
    return Answer(201 if saved.added else 200, {
        "id": saved.ids[0], "uuid": str(uid), "added": bool(saved.added),
        "message": i18n.t("offline.saved", lang, category=label)})


def _fields(errors: dict[str, str], lang: str) -> Answer:
    """422 naming each field and what is wrong with it, in words."""
    return _refusal(422, Refused("store.invalid", errors, max=TEXT_MAX), lang)
