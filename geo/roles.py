"""Who may do what, decided here and nowhere else.

Three roles (see :class:`geo.model.Role`):

* **participant** – joined one walk with its code, no account: sees that walk's map, adds
  pins to it and seconds other people's pins ("Jag håller med", :func:`second_problem`)
  while it is open, and changes or removes only their own pins while it is open;
* **planner** – everything on the maps: observations, measures, statuses, follow-up,
  reports, walks they lead (create, open, close), names of participants;
* **admin** – what a planner may, plus users, imports, the catalogue, districts and deleting
  data.

The store calls :func:`require` before every write, so hiding a button is never the only
guard.  :func:`allowed` answers the same question for the pages, which show only what a
role may use.

Two rules look at more than the role, and live here too:

* **A walk's status** (:func:`walk_step_problem`, :func:`walk_transition_allowed`) moves
  planned → open → closed, by the walk's leader (``walk.leader_id``, the account that
  created it) or an admin.  A walk with no leader (older data, the demo, one created from
  the command line) may be opened and closed by any planner.  *Öppna igen* on the
  Vandringar page reopens a walk closed by mistake (closed → open): an admin only, since
  closing ended the walk for its participants and reopening lets them add pins again.
  Nothing else is a step: no walk goes back to planned, a planned walk is opened before it
  is closed, and a new walk starts planned or open (:data:`NEW_WALK_STATUSES`).
* **A participant's new pin** (:func:`participant_pin_problems`) carries only what the pin
  form sends: status ``new`` with no reason, not demo data, on the walk they joined, with
  that walk's promise activity, their own name and group, and a time within the walk
  (:func:`pin_window`) and not in the future.  Planners and admins keep every field (an
  import, a backdated entry, a triage).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, time, timedelta
from enum import StrEnum
from typing import Any

from .errors import Refused
from .i18n import STOCKHOLM
from .model import Actor, Observation, ObservationDraft, ObservationStatus, Role, Walk, WalkStatus


class Action(StrEnum):
    VIEW_WALK = "view_walk"
    ADD_OBSERVATION = "add_observation"
    SECOND_OBSERVATION = "second_observation"  # "Jag håller med": second a pin already there
    EDIT_OBSERVATION = "edit_observation"  # move, change text, category, feeling, photo; delete
    VIEW_ALL = "view_all"  # every district's map, lists, history, measures
    SEE_NAMES = "see_names"  # who reported what
    CHANGE_STATUS = "change_status"
    MANAGE_MEASURES = "manage_measures"
    MANAGE_WALKS = "manage_walks"  # create, open and close walks
    EXPORT = "export"
    IMPORT = "import"
    MANAGE_USERS = "manage_users"
    MANAGE_CATALOG = "manage_catalog"
    DELETE_DATA = "delete_data"  # demo removal, purge, deleting walks


PLANNER_ACTIONS = frozenset({
    Action.VIEW_WALK, Action.ADD_OBSERVATION, Action.SECOND_OBSERVATION, Action.EDIT_OBSERVATION,
    Action.VIEW_ALL,
    Action.SEE_NAMES, Action.CHANGE_STATUS, Action.MANAGE_MEASURES, Action.MANAGE_WALKS,
    Action.EXPORT,
})
ADMIN_ACTIONS = PLANNER_ACTIONS | {Action.IMPORT, Action.MANAGE_USERS, Action.MANAGE_CATALOG,
                                   Action.DELETE_DATA}


class Forbidden(Refused):
    """The actor may not do this (``roles.forbidden``, or a ``key`` that says why), with the
    ``errors`` naming the fields when a field is what the role may not send."""

    def __init__(self, action: Action, actor: Actor, key: str = "roles.forbidden",
                 errors: Mapping[str, str] | None = None) -> None:
        super().__init__(key, errors)
        self.action = action
        self.actor = actor


def allowed(actor: Actor | None, action: Action, *, walk: Walk | None = None,
            observation: Observation | None = None, walk_id: int | None = None) -> bool:
    """May ``actor`` do ``action`` (on this walk / observation)?  ``None`` is a visitor."""
    if actor is None:
        return False
    if actor.role == Role.ADMIN:
        return action in ADMIN_ACTIONS
    if actor.role == Role.PLANNER:
        return action in PLANNER_ACTIONS
    # a participant: one walk, their own pins, while the walk is open
    target_walk = walk.id if walk else (observation.walk_id if observation else walk_id)
    if actor.walk_id is None or target_walk != actor.walk_id:
        return False
    if action == Action.VIEW_WALK:
        return True
    walk_open = walk is None or walk.status == WalkStatus.OPEN
    if action in (Action.ADD_OBSERVATION, Action.SECOND_OBSERVATION):
        return walk is not None and walk_open
    if action == Action.EDIT_OBSERVATION:
        return (walk is not None and walk_open and observation is not None
                and observation.participant_id == actor.participant_id)
    return False


def require(actor: Actor | None, action: Action, **context: Any) -> None:
    """Raise :class:`Forbidden` unless :func:`allowed`."""
    if not allowed(actor, action, **context):
        raise Forbidden(action, actor or Actor(role=Role.PARTICIPANT, name="?"))


def second_problem(actor: Actor | None, observation: Observation, walk: Walk | None) -> str | None:
    """Why ``actor`` may not second ("Jag håller med") ``observation`` on ``walk`` (the
    pin's walk, None when it has none), as a string-catalogue key, or None when they may.
    Seconding is part of the walk itself, so it is allowed where adding a pin is
    (:data:`Action.SECOND_OBSERVATION`, the same rule as :data:`Action.ADD_OBSERVATION`) and,
    for everyone, only while the pin's walk is open: ``support.no_walk`` (a pin on no walk,
    e.g. imported), ``support.walk_closed``, ``roles.forbidden`` (a visitor, or a participant
    of another walk), ``support.own_pin`` (a participant's own pin: it counts them already)."""
    if actor is None:
        return "roles.forbidden"
    if observation.walk_id is None or walk is None or walk.id != observation.walk_id:
        return "support.no_walk"
    if walk.status != WalkStatus.OPEN:
        return "support.walk_closed"
    if not allowed(actor, Action.SECOND_OBSERVATION, walk=walk):
        return "roles.forbidden"
    if (actor.role == Role.PARTICIPANT and actor.participant_id is not None
            and observation.participant_id == actor.participant_id):
        return "support.own_pin"
    return None


# --- a walk's status -------------------------------------------------------------------------
WALK_STEPS: Mapping[str, frozenset[str]] = {
    WalkStatus.PLANNED: frozenset({WalkStatus.OPEN}),
    WalkStatus.OPEN: frozenset({WalkStatus.CLOSED}),
    WalkStatus.CLOSED: frozenset({WalkStatus.OPEN}),  # reopened: an admin only
}
NEW_WALK_STATUSES = frozenset({WalkStatus.PLANNED, WalkStatus.OPEN})


def walk_step_problem(actor: Actor | None, walk: Walk, to_status: str) -> str | None:
    """Why ``actor`` may not move ``walk`` to ``to_status``, as a string-catalogue key, or
    None when it may (see the module notes): ``roles.forbidden`` (not a planner or an
    admin), ``walks.step_refused`` (not a step, for anyone), ``walks.reopen_admin_only``,
    ``walks.leader_only``."""
    if actor is None or not allowed(actor, Action.MANAGE_WALKS):
        return "roles.forbidden"
    if to_status not in WALK_STEPS.get(walk.status, frozenset()):
        return "walks.step_refused"
    if actor.role == Role.ADMIN:
        return None
    if walk.status == WalkStatus.CLOSED:
        return "walks.reopen_admin_only"
    if walk.leader_id is not None and walk.leader_id != actor.user_id:
        return "walks.leader_only"
    return None


def walk_transition_allowed(actor: Actor | None, walk: Walk, to_status: str) -> bool:
    """May ``actor`` move ``walk`` to ``to_status``?  The page shows only these buttons; the
    store refuses the rest (:func:`walk_step_problem` says why)."""
    return walk_step_problem(actor, walk, to_status) is None


# --- a participant's new pin -----------------------------------------------------------------
EARLY = timedelta(hours=2)  # a pin before the start: people gather at the meeting point
LATE = timedelta(hours=4)  # after the end (or the start, when no end is known)
CLOCK_SKEW = timedelta(minutes=5)  # a tablet's clock a little ahead of the server's


def pin_window(walk: Walk) -> tuple[datetime, datetime]:
    """When a participant's pin on ``walk`` may have been observed: from the start of the
    walk's day (Swedish time), or two hours before its start when that is earlier, until the
    end of that day, or four hours after its end (its start, with no end) when that is later.
    The whole day, because a walk dated today is open from the moment it is created
    (:mod:`geo.walks`), and participants who join early may pin before the start."""
    day = walk.starts_at.astimezone(STOCKHOLM).date()
    day_start = datetime.combine(day, time(0), STOCKHOLM)
    day_end = datetime.combine(day + timedelta(days=1), time(0), STOCKHOLM)
    return (min(day_start, walk.starts_at - EARLY),
            max(day_end, (walk.ends_at or walk.starts_at) + LATE))


def participant_pin_problems(actor: Actor, draft: ObservationDraft, walk: Walk | None, *,
                             group: str, now: datetime) -> dict[str, str]:
    """What ``actor``, a participant, may not send in a new pin, as ``{field: key}`` (empty
    when nothing): anything the pin form (:func:`geo.capture.pin_draft`) never sends.
    ``group`` is the group the participant joined with; ``now`` the server's clock (a pin
    with no time is observed ``now``).  The demo's open walk (``is_demo``) has no time
    window: it stays open for trying the app on any day after the demo was loaded."""
    problems: dict[str, str] = {}
    if walk is None or actor.walk_id is None or walk.id != actor.walk_id:
        problems["walk"] = "roles.own_walk_only"
    elif draft.activity_id is not None and draft.activity_id != walk.activity_id:
        problems["activity"] = "roles.walk_activity_only"
    if draft.status != ObservationStatus.NEW or draft.status_reason:
        problems["status"] = "roles.participant_new_only"
    if draft.is_demo is not False:
        problems["is_demo"] = "roles.participant_not_demo"
    if draft.participant_id is not None and draft.participant_id != actor.participant_id:
        problems["participant"] = "roles.own_name_only"
    if draft.reported_by not in ("", actor.name):
        problems["reported_by"] = "roles.own_name_only"
    if draft.group not in ("", group):
        problems["group"] = "roles.own_group_only"
    at = now if draft.observed_at is None else draft.observed_at
    if isinstance(at, datetime) and at.utcoffset() is not None:  # else validate_observation says so
        if at > now + CLOCK_SKEW:
            problems["observed_at"] = "validation.in_future"
        elif walk is not None and "walk" not in problems and not walk.is_demo:
            earliest, latest = pin_window(walk)
            if not earliest <= at <= latest:
                problems["observed_at"] = "roles.outside_walk_time"
    return problems
