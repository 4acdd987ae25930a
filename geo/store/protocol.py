"""After the walk: triage (statuses changed by hand, one pin or many at once) and the walk
protocol (pins from several tablets merged into one; who acts, how urgently, by when)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import insert, select, update

from .. import roles, workflow
from ..model import DESCRIPTION_MAX, Actor, Observation
from ..roles import Action
from .engine import _now
from .errors import Conflict, Invalid, NotFound
from .history import HistoryMixin
from .rows import PhotoLike, _observation, _photo_row
from .schema import RESPONSIBLES, measure_observation, observation, photo, status_change
from .support import SupportMixin, move_support


@dataclass(frozen=True, slots=True)
class ProtocolChange:
    """One row of the walk protocol to save (see :meth:`Store.set_protocols`)."""
    observation_id: int
    expected_version: int
    responsible: str | None
    priority: int | None
    due: date | None


class ProtocolMixin(SupportMixin, HistoryMixin):
    """Triage and the walk protocol, on observations and their history."""

    def set_observation_status(self, observation_id: int, new: str, actor: Actor,
                               comment: str = "", expected_version: int | None = None,
                               at: datetime | None = None,
                               after_photo: PhotoLike | None = None, reason: str = "") -> Observation:
        """Move an observation to ``new`` by hand (triage or the follow-up meeting, see
        :data:`geo.workflow.OBSERVATION_STEPS`) and record who, when and why, with an "after"
        photo when one is given (the follow-up's proof), all in one transaction.  Statuses
        that follow a measure are refused (``workflow.follows_measure``): link a measure."""
        self.set_observation_statuses([observation_id], new, actor, comment=comment, reason=reason,
                                      expected_versions={observation_id: expected_version}, at=at,
                                      after_photo=after_photo)
        return self.observation(observation_id)

    def set_observation_statuses(self, observation_ids: Iterable[int], new: str, actor: Actor, *,
                                 comment: str = "", reason: str = "",
                                 expected_versions: Mapping[int, int | None] | None = None,
                                 at: datetime | None = None,
                                 after_photo: PhotoLike | None = None) -> None:
        """Triage after the walk: move one or many observations to ``new`` (assessed, closed
        with a ``reason`` from :data:`geo.workflow.CLOSE_REASONS`, or reopened) in one
        transaction: all of them or, when one is refused, none (:class:`Invalid` names its
        ``id``).  ``expected_versions`` maps an id to the version the person saw."""
        roles.require(actor, Action.CHANGE_STATUS)
        ids = list(dict.fromkeys(observation_ids))
        if not ids:
            raise Invalid({"observation_ids": "workflow.nothing_chosen"})
        if reason and reason not in workflow.CLOSE_REASONS:
            raise Invalid({"reason": "workflow.unknown_reason"})
        if reason == "other" and not comment.strip():
            raise Invalid({"comment": "workflow.reason_required"})
        versions = expected_versions or {}
        with self._write() as conn:
            # lock the pins in one order (two leaders' batches are taken in turn, never
            # deadlocked), then take the time: the history's order is the order of the changes
            conn.execute(select(observation.c.id).where(observation.c.id.in_(ids))
                         .order_by(observation.c.id).with_for_update())
            now = at or _now()
            for oid in ids:
                try:
                    self._change_status(conn, observation, "observation", workflow.check_observation_change,
                                        oid, new, actor, comment, versions.get(oid), now, reason=reason)
                except Invalid as e:
                    raise Invalid(e.errors, **{**e.values, "id": oid}) from None
            if after_photo is not None:
                conn.execute(insert(photo), [_photo_row(oid, after_photo, "after", now) for oid in ids])

    def merge_observations(self, keep_id: int, other_ids: Iterable[int], actor: Actor) -> Observation:
        """The walk protocol: pins from several tablets that describe one spot become one.
        The kept pin counts everyone who flagged the spot, gathers their texts and photos and
        their measure links and the people who seconded any of them ("Jag håller med": each
        person once, and not the writer of one of the merged pins, whom ``flagged_by`` counts
        already, :func:`geo.store.support.move_support`); the others stay in the database,
        marked as merged into it (and so out of the maps and counts).  One transaction."""
        roles.require(actor, Action.CHANGE_STATUS)
        others = sorted(set(other_ids) - {keep_id})
        if not others:
            raise Invalid({"observation_ids": "protocol.nothing_to_merge"})
        with self._write() as conn:
            # read and lock in the same transaction: two leaders merging the same pins at once
            # are taken in turn, and the second is told they are merged already
            found = {r.id: _observation(r) for r in conn.execute(
                select(observation).where(observation.c.id.in_([keep_id, *others]))
                .order_by(observation.c.id).with_for_update())}
            now = _now()
            if missing := sorted({keep_id, *others} - set(found)):
                raise NotFound("store.not_found", what="observation", id=missing[0])
            keep = found[keep_id]
            if any(found[i].merged_into is not None for i in [keep_id, *others]):
                raise Invalid({"observation_ids": "protocol.already_merged"})
            if any(found[i].walk_id != keep.walk_id for i in others):
                raise Invalid({"observation_ids": "protocol.other_walk"})
            texts = [keep.description.strip()] + [found[i].description.strip() for i in others]
            merged_text = "\n— ".join(t for t in texts if t)
            if problem := workflow.text_problem(merged_text, DESCRIPTION_MAX):
                raise Invalid({"description": problem})
            conn.execute(update(observation).where(observation.c.id.in_(others)).values(
                merged_into=keep_id, updated_at=now, version=observation.c.version + 1))
            conn.execute(update(photo).where(photo.c.observation_id.in_(others))
                         .values(observation_id=keep_id))
            move_support(conn, keep_id, others, [found[i].participant_id for i in [keep_id, *others]])
            linked = set(conn.execute(select(measure_observation.c.measure_id).where(
                measure_observation.c.observation_id == keep_id)).scalars())
            moved = {m for m in conn.execute(select(measure_observation.c.measure_id).where(
                measure_observation.c.observation_id.in_(others))).scalars()} - linked
            if moved:
                conn.execute(insert(measure_observation), [
                    {"measure_id": m, "observation_id": keep_id} for m in sorted(moved)])
            conn.execute(update(observation).where(observation.c.id == keep_id).values(
                description=merged_text, flagged_by=sum(found[i].flagged_by for i in [keep_id, *others]),
                feeling=max(found[i].feeling for i in [keep_id, *others]), updated_at=now,
                version=observation.c.version + 1))
            conn.execute(insert(status_change), [
                dict(entity="observation", entity_id=i, from_status=found[i].status,
                     to_status=found[i].status, actor=actor.label, at=now,
                     comment=f"sammanslagen med #{keep_id}") for i in others])
            if moved:  # the kept pin now answers to those measures too
                self._follow_measures(conn, [keep_id], actor, min(moved), now)
        return self.observation(keep_id)

    def set_protocol(self, observation_id: int, actor: Actor, *, expected_version: int,
                     responsible: str | None, priority: int | None, due: date | None) -> Observation:
        """The walk protocol's columns for one point: who acts, how urgently (1–3), by when."""
        self.set_protocols(actor, [ProtocolChange(observation_id, expected_version, responsible,
                                                  priority, due)])
        return self.observation(observation_id)

    def set_protocols(self, actor: Actor, changes: Sequence[ProtocolChange]) -> None:
        """Save the protocol's columns for several points in one transaction: all or none
        (a bad value or someone else's newer save names the row and saves nothing)."""
        roles.require(actor, Action.CHANGE_STATUS)
        for index, c in enumerate(changes):
            errors = {}
            if c.responsible is not None and c.responsible not in RESPONSIBLES:
                errors["responsible"] = "validation.unknown_responsible"
            if c.priority is not None and (isinstance(c.priority, bool) or not isinstance(c.priority, int)
                                           or c.priority not in (1, 2, 3)):
                errors["priority"] = "protocol.priority_range"
            if problem := workflow.date_problem(c.due):
                errors["due"] = problem
            if errors:
                raise Invalid(errors, index=index, id=c.observation_id)
        with self._write() as conn:
            now = _now()
            for c in changes:
                done = conn.execute(update(observation).where(
                    observation.c.id == c.observation_id, observation.c.version == c.expected_version,
                ).values(responsible=c.responsible, priority=c.priority, due=c.due, updated_at=now,
                         version=observation.c.version + 1)).rowcount
                if not done:
                    raise Conflict("store.conflict", what="observation", id=c.observation_id)
