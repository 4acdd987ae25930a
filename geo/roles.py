"""Who may do what, decided here and nowhere else.

Three roles (see :class:`geo.model.Role`):

* **participant** – joined one walk with its code, no account: sees that walk's map, adds
  pins to it while it is open, and changes or removes only their own pins while it is open;
* **planner** – everything on the maps: observations, measures, statuses, follow-up,
  reports, walks they lead (create, open, close), names of participants;
* **admin** – what a planner may, plus users, imports, the catalogue, districts and deleting
  data.

The store calls :func:`require` before every write, so hiding a button is never the only
guard.  :func:`allowed` answers the same question for the pages, which show only what a
role may use.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from .errors import Refused
from .model import Actor, Observation, Role, Walk, WalkStatus


class Action(StrEnum):
    VIEW_WALK = "view_walk"
    ADD_OBSERVATION = "add_observation"
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
    Action.VIEW_WALK, Action.ADD_OBSERVATION, Action.EDIT_OBSERVATION, Action.VIEW_ALL,
    Action.SEE_NAMES, Action.CHANGE_STATUS, Action.MANAGE_MEASURES, Action.MANAGE_WALKS,
    Action.EXPORT,
})
ADMIN_ACTIONS = PLANNER_ACTIONS | {Action.IMPORT, Action.MANAGE_USERS, Action.MANAGE_CATALOG,
                                   Action.DELETE_DATA}


class Forbidden(Refused):
    """The actor may not do this (``roles.forbidden``)."""

    def __init__(self, action: Action, actor: Actor) -> None:
        super().__init__("roles.forbidden")
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
    if action == Action.ADD_OBSERVATION:
        return walk is not None and walk_open
    if action == Action.EDIT_OBSERVATION:
        return (walk is not None and walk_open and observation is not None
                and observation.participant_id == actor.participant_id)
    return False


def require(actor: Actor | None, action: Action, **context: Any) -> None:
    """Raise :class:`Forbidden` unless :func:`allowed`."""
    if not allowed(actor, action, **context):
        raise Forbidden(action, actor or Actor(role=Role.PARTICIPANT, name="?"))
