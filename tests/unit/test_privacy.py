"""Privacy: the purge removes a participant's name from every place it was copied to (the
status history included, and so from backups made afterwards), and names never carry the
invisible characters that turn text around (bidi controls), on both backends."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image
from sqlalchemy import LargeBinary, String, inspect, text

from geo.model import SYSTEM, Actor, MeasureDraft, ObservationDraft, Role
from geo.photos import clean_photo
from geo.store import Store
from geo.store.backup import backup
from geo.workflow import BIDI_CONTROLS, clean_name

ANDERSBERG = (12.90123, 56.660631)
NAME = "Zebulonia"


def jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (0, 0, 255)).save(buf, "JPEG", quality=90)
    return buf.getvalue()


def planner(store: Store) -> Actor:
    user = store.add_user(SYSTEM, username="pia", role="planner", display_name="Pia Planerare")
    return Actor(role=Role.PLANNER, name=user.display_name, user_id=user.id)


def a_walk_with_pins(store: Store, code: str = "ZEB123") -> tuple[Actor, list[int]]:
    """An open walk that began an hour ago; ``NAME`` joins it and pins three spots."""
    walk = store.add_walk(SYSTEM, slug=f"andersberg-{code.lower()}", district_id="andersberg",
                          title="Kvällsvandring", starts_at=datetime.now(UTC) - timedelta(hours=1),
                          status="open", join_code=code, groups=["boende"])
    who = store.join_walk(code, NAME, "boende")
    ids = store.add_observations([ObservationDraft(
        category="belysning", lon=ANDERSBERG[0] + i * 1e-4, lat=ANDERSBERG[1], feeling=4,
        description=f"Trasig lampa {i}", observed_at=None, walk_id=walk.id) for i in range(3)], who).ids
    return who, ids


def hits(store: Store, needle: str) -> list[str]:
    """Every text (and binary) column of every table of the database that holds ``needle``,
    as "table.column: rows"."""
    found = []
    insp = inspect(store.engine)
    with store.engine.connect() as conn:
        for table in insp.get_table_names():
            for col in insp.get_columns(table):
                q = f'"{table}"."{col["name"]}"'
                if isinstance(col["type"], String):
                    n = conn.execute(text(f'SELECT count(*) FROM "{table}" WHERE lower(CAST({q} AS TEXT))'
                                          " LIKE :p"), {"p": f"%{needle.lower()}%"}).scalar()
                elif isinstance(col["type"], LargeBinary):
                    n = sum(needle.encode() in bytes(v) for (v,) in conn.execute(
                        text(f'SELECT {q} FROM "{table}" WHERE {q} IS NOT NULL')))
                else:
                    continue
                if n:
                    found.append(f"{table}.{col['name']}: {n}")
    return found


@pytest.mark.filterwarnings("ignore:Did not recognize type 'geometry'")
def test_purge_leaves_the_name_nowhere_not_in_the_history_nor_in_a_new_backup(store, tmp_path):
    pia = planner(store)
    who, ids = a_walk_with_pins(store)
    store.add_photo(ids[0], clean_photo(jpeg()), who)
    store.update_observation(ids[1], who, expected_version=store.observation(ids[1]).version,
                             description="Lampan blinkar")
    store.set_observation_status(ids[0], "assessed", pia, comment="Sett på plats")
    store.merge_observations(ids[2], [ids[1]], pia)
    store.add_measure(MeasureDraft(
        type="belysning_ny", title="Ny lampa", responsible="kommun", observation_ids=(ids[0],),
        geometry={"type": "Point", "coordinates": list(ANDERSBERG)}), pia)
    before_purge = hits(store, NAME)
    assert any(h.startswith("status_change.actor") for h in before_purge), before_purge
    assert any(h.startswith("participant.name") for h in before_purge)
    assert any(h.startswith("observation.reported_by") for h in before_purge)

    counts = store.purge_personal(SYSTEM, datetime.now(UTC) + timedelta(days=1))

    assert hits(store, NAME) == []
    assert counts["participant"] == 1 and counts["status_change"] >= 3 and counts["photo"] == 1
    history = [c.actor for i in ids for c in store.history("observation", i)]
    assert f"deltagare #{who.participant_id}" in history and "Pia Planerare" in history
    assert all(NAME not in a for a in history)
    # the pins keep their place, category, feeling, text and status
    kept = store.observation(ids[0])
    assert (kept.category, kept.feeling, kept.status, kept.description) == \
        ("belysning", 4, "measure_planned", "Trasig lampa 0")
    # a backup made now carries the name nowhere, not even in its file's free bytes
    file = tmp_path / "after-purge.db"
    backup(store, file)
    assert NAME.encode() not in file.read_bytes()
    # a participant whose name is gone is "deltagare #N" in what it does next
    assert Actor(role=Role.PARTICIPANT, name="–", participant_id=7).label == "deltagare #7"
    assert store.purge_personal(SYSTEM, datetime.now(UTC) + timedelta(days=1))["status_change"] == 0


def test_purge_keeps_the_names_of_later_walks(store):
    who, ids = a_walk_with_pins(store)
    store.purge_personal(SYSTEM, datetime.now(UTC) - timedelta(days=1))
    assert store.participant(who.participant_id).name == NAME
    assert store.history("observation", ids[0])[0].actor == f"{NAME} (deltagare #{who.participant_id})"


@pytest.mark.parametrize("typed", ["Ali\u202eecn", "Ali\u202ece", "\u2067Alice\u2069", "Al\u200eice\u200f",
                                   "Ali\u061cce", "A\u202al\u202bi\u202cc\u202de"])
def test_bidi_controls_are_removed_from_names(store, typed):
    walk = store.add_walk(SYSTEM, slug="bidi", district_id="andersberg", title="Bidi",
                          starts_at=datetime.now(UTC) - timedelta(hours=1), status="open",
                          join_code="BIDI12", groups=["boende"], leader=f"Leda {typed}")
    who = store.join_walk("BIDI12", typed, "boende\u2066")
    stored = store.participant(who.participant_id)
    assert not BIDI_CONTROLS.search(stored.name) and stored.name.startswith("Al")
    assert stored.name == BIDI_CONTROLS.sub("", typed) and stored.group == "boende"
    assert who.name == stored.name and "\u202e" not in who.label
    if typed == "Ali\u202ece":
        assert stored.name == "Alice"
    oid = store.add_observation(ObservationDraft(category="belysning", lon=ANDERSBERG[0], lat=ANDERSBERG[1],
                                                 feeling=3, observed_at=None, walk_id=walk.id), who)
    assert not BIDI_CONTROLS.search(store.observation(oid).reported_by)
    assert not BIDI_CONTROLS.search(store.history("observation", oid)[0].actor)
    assert not BIDI_CONTROLS.search(store.walk(walk.id).leader)
    user = store.add_user(SYSTEM, username=f"u\u202e{len(typed)}", role="planner", display_name=typed)
    assert not BIDI_CONTROLS.search(user.display_name + user.username)
    mid = store.add_measure(MeasureDraft(
        type="belysning_ny", title="Lampa", responsible="fastighetsagare", responsible_name=typed,
        geometry={"type": "Point", "coordinates": list(ANDERSBERG)}), SYSTEM)
    assert not BIDI_CONTROLS.search(store.measure(mid).responsible_name)


def test_clean_name_is_the_one_normalisation():
    assert clean_name("  Ali\u202eecn \u200f") == "Aliecn"
    assert clean_name("محمد\u200f") == "محمد"  # right-to-left letters themselves stay
    assert clean_name("Åsa-Britt") == "Åsa-Britt"
