"""Demo data: evening safety walks in Andersberg, Vallås, Halmstad centrum and Barnängen.

The content is ``data/demo/demo.json``: walks, named places (real names, illustrative
coordinates inside the SCB polygons), what participants wrote at each place, and measures.
:func:`load` turns it into rows: each place's observations are spread around it with a
seeded random offset measured in metres (EPSG:3006), so the same file always gives the same
points.  Statuses are reached through the same store calls the pages make — triage
(assessed, closed with a reason), measures linked to the pins they answer and moved through
their statuses (the pins follow), verification at a follow-up — backdated, so every row has a
believable history; at the end the loader checks that every pin ended as the file says.  Everything is marked
``is_demo`` and :func:`remove` removes it, for good: the removal is recorded, and
:func:`load_by_choice` (the command line's) then loads it only when asked explicitly (``demo
load``), never into a database with accounts of its own unless forced — the demo accounts'
passwords are published.  At the busiest places the demo accounts second a pin ("Jag håller
med") through the walk page's call while the walks are open.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from shapely.geometry import Point

from . import workflow
from .crs import to_metric, to_wgs84
from .errors import Refused
from .i18n import STOCKHOLM, local_time
from .model import (
    SYSTEM,
    Actor,
    MeasureDraft,
    MeasureStatus,
    ObservationDraft,
    ObservationStatus,
    Role,
    WalkStatus,
)
from .store import Store

DEMO_FILE = Path(__file__).resolve().parent.parent / "data" / "demo" / "demo.json"
SEED = 2019
ACTOR = Actor(role=Role.ADMIN, name="demo")

# Shown on the sign-in screen and in the README while demo data is loaded; removed with it.
DEMO_ACCOUNTS = (
    ("demo-admin", "demo-admin-2019", Role.ADMIN, "Demo Administratör"),
    ("demo-planerare", "demo-planerare-2019", Role.PLANNER, "Demo Planerare"),
)
SECONDED_PLACES = 4  # the busiest places, whose first pin the demo accounts second
DEMO_JOIN_CODE = "DEMO24"  # an open walk in Andersberg that a demo participant can join
# ``store.state`` key: when the demo was removed (ISO time, UTC); empty once loaded again.
REMOVED_AT = "demo_removed_at"


def content(path: Path = DEMO_FILE) -> dict[str, Any]:
    with path.open(encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    return data


def _evening(day: date, hour: int = 10) -> datetime:
    """Office hours on ``day`` (when planners record decisions), Swedish time."""
    return datetime.combine(day, time(hour, 0), STOCKHOLM)


def load(store: Store, data: dict[str, Any] | None = None) -> dict[str, int]:
    """Load the demo walks, observations and measures; returns counts.  Refuses to load twice."""
    data = data or content()
    if store.has_demo():
        return {}
    rng = random.Random(SEED)
    districts = store.districts()
    from .auth import hash_password

    for username, password, role, name in DEMO_ACCOUNTS:
        store.add_user(SYSTEM, username=username, role=role, display_name=name,
                       password_hash=hash_password(password), is_demo=True)
    walks = {}
    for w in data["walks"]:
        walks[w["slug"]] = store.add_walk(
            SYSTEM, slug=w["slug"], district_id=w["district"], title=w["title"],
            starts_at=datetime.fromisoformat(w["starts_at"]),
            ends_at=datetime.fromisoformat(w["ends_at"]) if w.get("ends_at") else None,
            activity_id=w.get("activity"), meeting_point=w.get("meeting_point", ""),
            groups=w.get("groups", ()), leader=w.get("leader", ""),
            participants=w.get("participants"),  # a closed one is opened, pinned, then closed below
            status=WalkStatus.PLANNED if w.get("status") == WalkStatus.PLANNED else WalkStatus.OPEN,
            route={"type": "LineString", "coordinates": w["route"]} if w.get("route") else None,
            is_demo=True)

    # observations: spread around each place, inside the place's district
    # draft, place, the status it ends as, and (reason code, comment) when closed
    planned: list[tuple[ObservationDraft, str, str, tuple[str, str]]] = []
    for place in data["places"]:
        area = districts.geometry(place["district"])
        px, py = to_metric(place["lon"], place["lat"])
        spread = float(place.get("spread_m", 25))
        for o in place["observations"]:
            walk = walks[o["walk"]]
            for _ in range(50):
                lon, lat = to_wgs84(px + rng.gauss(0, spread / 2), py + rng.gauss(0, spread / 2))
                if area.contains(Point(lon, lat)):
                    break
            else:
                lon, lat = place["lon"], place["lat"]
            planned.append((ObservationDraft(
                category=o["category"], lon=round(lon, 7), lat=round(lat, 7), feeling=int(o["feeling"]),
                description=o["text"], observed_at=walk.starts_at + timedelta(minutes=o.get("minute", 0)),
                walk_id=walk.id, activity_id=o.get("activity") or walk.activity_id,
                reported_by="", group=o.get("by_group", ""), is_demo=True,
            ), place["id"], o.get("status", ObservationStatus.NEW), (o.get("reason_code", ""), o.get("reason", ""))))

    obs_ids: list[int] = []
    for draft, _place, _status, _reason in planned:
        obs_ids.append(store.add_observation(draft, ACTOR, at=draft.observed_at))
    _second_busy_places(store, obs_ids, planned, {w.id for w in walks.values() if w.status == WalkStatus.OPEN})
    for w in data["walks"]:  # closed after its pins, by the Vandringar page's call
        if w.get("status", WalkStatus.CLOSED) == WalkStatus.CLOSED:
            store.set_walk_status(walks[w["slug"]].id, WalkStatus.CLOSED, SYSTEM)
    by_place: dict[str, list[tuple[int, ObservationDraft]]] = {}
    for oid, (draft, place_id, _s, _r) in zip(obs_ids, planned):
        by_place.setdefault(place_id, []).append((oid, draft))

    # triage after the walk, as the protocol page does it: assessed, or closed with a reason
    # (the ones a measure answers are assessed first, then the measure moves them)
    for oid, (draft, _place, status, reason) in zip(obs_ids, planned):
        if status == ObservationStatus.NEW:
            continue
        at = _at(draft) + timedelta(days=2, hours=rng.randint(0, 48))
        if status == ObservationStatus.CLOSED:
            store.set_observation_statuses([oid], status, ACTOR, reason=reason[0], comment=reason[1], at=at)
        else:
            store.set_observation_statuses([oid], ObservationStatus.ASSESSED, ACTOR, at=at)

    # measures, linked to the observations they answer: the observations follow them
    places = {p["id"]: p for p in data["places"]}
    measure_ids: list[int] = []
    finished: dict[int, datetime] = {}
    for m in data["measures"]:
        answers = m.get("answers", {})
        linked = [(oid, d) for oid, d in by_place.get(answers.get("place", m.get("place")), [])
                  if d.category in answers.get("categories", [d.category])]
        place = places[m["place"]]
        geometry = m.get("geometry") or {"type": "Point", "coordinates": [place["lon"], place["lat"]]}
        decided = date.fromisoformat(m["decided_on"]) if m.get("decided_on") else None
        first_walk = min((_at(d) for _, d in by_place.get(m["place"], [])),
                         default=_evening(decided or date(2019, 11, 1)))
        # planned a week after the walk, and never before the last pin it answers was triaged
        proposed_at = max([first_walk + timedelta(days=7)]
                          + [_at(d) + timedelta(days=4) for _, d in linked])
        mid = store.add_measure(MeasureDraft(
            type=m["type"], title=m["title"], description=m.get("description", ""),
            geometry=geometry, responsible=m["responsible"],
            responsible_name=m.get("responsible_name", ""), activity_id=m.get("activity"),
            due=date.fromisoformat(m["due"]) if m.get("due") else None, cost_sek=m.get("cost_sek"),
            status=MeasureStatus.PROPOSED, observation_ids=tuple(oid for oid, _ in linked), is_demo=True,
        ), ACTOR, at=proposed_at)
        measure_ids.append(mid)
        done = date.fromisoformat(m["done_on"]) if m.get("done_on") else None
        chain = workflow.path(workflow.MEASURE_TRANSITIONS, MeasureStatus.PROPOSED, m["status"])
        when = _step_times(proposed_at, decided, done, len(chain) - 1)
        for new, at in zip(chain[1:], when):
            who = Actor(role=Role.PLANNER, name=m.get("responsible_name") or "demo")
            store.set_measure_status(mid, new, who,
                                     comment=m.get("reason", "") if new == "cancelled" else "", at=at)
        for oid, _ in linked:
            finished[oid] = max([finished.get(oid, proposed_at), *when])

    # the follow-up meeting verifies resolved spots on site
    for oid, (_draft, _place, status, _reason) in zip(obs_ids, planned):
        if status == ObservationStatus.VERIFIED:
            store.set_observation_status(oid, status, ACTOR, at=finished[oid] + timedelta(days=rng.randint(3, 20)))

    # the file says what each pin should end as; the calls above must have got it there
    got = {o.id: o.status for o in store.observations(ids=obs_ids)}
    for oid, (draft, place, status, _reason) in zip(obs_ids, planned):
        if got[oid] != status:
            raise ValueError(f"demo place {place!r}: a {draft.category} pin ends as {got[oid]!r}, "
                             f"the file says {status!r} (check the measures that answer it)")

    today = datetime.now(STOCKHOLM).date()
    store.add_walk(SYSTEM, slug="demo-oppen-vandring", district_id="andersberg",
                   title="Demovandring i Andersberg (öppen)", starts_at=_evening(today, 18),
                   activity_id="halmstad-2019.1.6", meeting_point="Andersbergs centrum",
                   groups=["boende", "polis", "kommun", "bostadsbolag"], leader="Demo Planerare",
                   status="open", is_demo=True, join_code=DEMO_JOIN_CODE)
    return {"walks": len(walks) + 1, "observations": len(obs_ids), "measures": len(measure_ids)}


def remove(store: Store, actor: Actor = SYSTEM) -> dict[str, int]:
    """Remove the demo data and accounts, and remember when: ``init --demo`` (what
    ``scripts/run-app.sh`` runs) never brings them back after this; only an explicit
    ``demo load`` does."""
    counts = store.remove_demo(actor)
    store.set_state(REMOVED_AT, datetime.now(UTC).isoformat(timespec="seconds"))
    return counts


def removed_at(store: Store) -> datetime | None:
    """When the demo was removed, or None if it never was (or was loaded again since)."""
    value = store.state(REMOVED_AT)
    return datetime.fromisoformat(value) if value else None


def own_accounts(store: Store) -> list[str]:
    """The user names of the accounts that are not demo accounts: a real installation."""
    return sorted(u.username for u in store.users(SYSTEM) if not u.is_demo)


def load_by_choice(store: Store, *, explicit: bool, force: bool = False) -> tuple[str, dict[str, object]]:
    """Load the demo when it is wanted and safe; returns what happened as a catalogue key
    (``cli.demo_loaded``, ``cli.demo_present``, ``cli.demo_was_removed``) and its values.

    ``explicit`` is ``demo load`` (it may bring back a removed demo); ``init --demo`` is not,
    and loads nothing once the demo was removed.  A database with accounts of its own is
    refused (:class:`geo.errors.Refused`) unless ``force``: the demo's accounts have
    published passwords."""
    if store.has_demo():
        return "cli.demo_present", {}
    gone = removed_at(store)
    if gone is not None and not explicit:
        return "cli.demo_was_removed", {"date": local_time(gone)}
    own = own_accounts(store)
    if own and not force:
        raise Refused("cli.demo_own_accounts", names=", ".join(own[:5]) + (" …" if len(own) > 5 else ""))
    counts = load(store)
    if gone is not None:
        store.set_state(REMOVED_AT, "")
    return ("cli.demo_loaded", dict(counts)) if counts else ("cli.demo_present", {})


def _second_busy_places(store: Store, obs_ids: list[int], planned: list[Any], open_walks: set[int]) -> None:
    """"Jag håller med" on the walk, through the walk page's own call (:meth:`Store.second`,
    while the walks are still open): at the places most pins came from, the demo accounts
    (who walked along) second the first pin instead of placing another."""
    people = [Actor(role=Role(u.role), name=u.display_name, user_id=u.id)
              for u in store.users(SYSTEM) if u.is_demo]
    by_place: dict[tuple[str, int | None], list[int]] = {}
    for oid, (draft, place_id, _s, _r) in zip(obs_ids, planned):
        if draft.walk_id in open_walks:
            by_place.setdefault((place_id, draft.walk_id), []).append(oid)
    busiest = sorted(by_place.values(), key=lambda ids: (-len(ids), ids[0]))[:SECONDED_PLACES]
    for rank, ids in enumerate(busiest):
        for who in people[:len(people) - rank // 2]:  # the busiest places by every account
            store.second(ids[0], who)


def _at(draft: ObservationDraft) -> datetime:
    """When a demo pin was placed: every one has its time (its walk's start and minute)."""
    assert draft.observed_at is not None
    return draft.observed_at


def _step_times(start: datetime, decided: date | None, done: date | None, steps: int) -> list[datetime]:
    """Believable times for a measure's status steps: decided, then work, then done."""
    times = []
    at = start
    for i in range(steps):
        if i == 0 and decided:
            at = max(at, _evening(decided))
        elif i == steps - 1 and done:
            at = max(at, _evening(done, 14))
        else:
            at = at + timedelta(days=14)
        times.append(at)
    return times
