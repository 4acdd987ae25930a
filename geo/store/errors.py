"""The store's refusals: each is a :class:`geo.errors.Refused` (key, values, field errors)."""

from __future__ import annotations

from typing import Any

from ..errors import Refused


class StoreError(Refused):
    """A refused write.  ``key`` is a string-catalogue key, ``values`` its fields."""


class NotFound(StoreError):
    pass


class Invalid(StoreError):
    """Validation failed; ``errors`` maps field → string-catalogue key."""

    def __init__(self, errors: dict[str, str], **values: Any) -> None:
        super().__init__("store.invalid", errors, **values)


class Conflict(StoreError):
    """Someone else changed the row since it was read."""


class Unavailable(StoreError):
    """The database could not be reached or written (connection lost, disk full, locked):
    nothing was saved, and what the person typed should be kept for another try."""


class BackupRefused(StoreError):
    """A backup or restore was refused or failed; nothing was written (``key`` is a
    string-catalogue key, ``values`` its fields)."""
