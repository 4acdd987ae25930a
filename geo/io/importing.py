"""Importing a file: every row checked, then all saved in one short transaction — or none.

Reading, checking and placing the rows happen before the write
(:meth:`geo.store.Store.import_observations`), so that walkers' saves wait only for the
insert itself; a file holds at most :data:`~geo.io.formats.MAX_IMPORT_ROWS` rows."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from ..model import Actor
from .drafts import from_store
from .read import read_places

if TYPE_CHECKING:
    from ..store import Store


@dataclass(frozen=True)
class ImportResult:
    added: int
    skipped: int


def import_file(store: Store, path: str | os.PathLike[str], actor: Actor, *,
                is_demo: bool = False, layer: str | None = None) -> ImportResult:
    """Check the whole file, then save every row in one transaction — or nothing.

    Rows whose ``uuid`` is already stored are skipped (counted in ``skipped``).  Only an
    admin may import (:class:`geo.roles.Forbidden` otherwise).  ``layer`` names the layer
    of a GeoPackage that has more than one (refused without it, naming its layers)."""
    from ..roles import Action, require
    from ..store import Invalid

    require(actor, Action.IMPORT)

    known = store.known_ids()
    walks = {w.slug: w.id for w in store.walks()}
    drafts, places = read_places(Path(path), known, walks, layer=layer)
    if is_demo:
        drafts = [replace(d, is_demo=True) for d in drafts]
    try:
        saved = store.import_observations(drafts, actor)
    except Invalid as exc:
        raise from_store(exc, drafts, places, Path(path).name) from None
    return ImportResult(added=saved.added, skipped=len(saved.ids) - saved.added)
