"""Photos of the pins: stored already cleaned (:func:`geo.photos.clean_photo`), read back
without their bytes, or one at a time with them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert, select

from .. import roles
from ..model import Actor
from ..roles import Action
from .engine import _now
from .errors import NotFound
from .observations import ObservationsMixin
from .rows import PhotoLike, _new_id, _photo_row
from .schema import photo


class PhotosMixin(ObservationsMixin):
    """Photos, edited by whoever may edit their observation."""

    def add_photo(self, observation_id: int, cleaned: PhotoLike, actor: Actor,
                  kind: str = "before") -> int:
        """Store an already cleaned image (:func:`geo.photos.clean_photo`) for an observation."""
        obs = self.observation(observation_id)
        the_walk = self.walk(obs.walk_id) if obs.walk_id else None
        roles.require(actor, Action.EDIT_OBSERVATION, observation=obs, walk=the_walk)
        with self._write() as conn:
            return _new_id(conn.execute(insert(photo).values(
                **_photo_row(observation_id, cleaned, kind, _now()))))

    def photos(self, observation_id: int) -> list[dict[str, Any]]:
        """An observation's photos, oldest first, without the image bytes (see :meth:`photo`)."""
        cols = [c for c in photo.c if c.name not in ("data", "thumb")]
        with self._read() as conn:
            rows = conn.execute(select(*cols).where(photo.c.observation_id == observation_id)
                                .order_by(photo.c.id)).all()
        return [dict(r._mapping) for r in rows]

    def photo(self, photo_id: int, *, thumb: bool = False) -> tuple[bytes, str]:
        """A photo's JPEG bytes (or its thumbnail) and MIME type."""
        with self._read() as conn:
            row = conn.execute(select(photo.c.data, photo.c.thumb, photo.c.mime)
                               .where(photo.c.id == photo_id)).first()
        if row is None:
            raise NotFound("store.not_found", what="photo", id=photo_id)
        return (row.thumb if thumb and row.thumb else row.data), row.mime

    def remove_photo(self, photo_id: int, actor: Actor) -> None:
        with self._read() as conn:
            obs_id = conn.scalar(select(photo.c.observation_id).where(photo.c.id == photo_id))
        if obs_id is None:
            raise NotFound("store.not_found", what="photo", id=photo_id)
        self._require_edit(obs_id, actor)
        with self._write() as conn:
            conn.execute(delete(photo).where(photo.c.id == photo_id))
