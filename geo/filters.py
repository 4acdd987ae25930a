"""The planner map's filters: which observations a planner asked to see.

A plain value (:class:`ObservationFilter`) and one function (:func:`apply`), so the map, the
table, the hot spots and the exports all select the same rows.  Dates and the time of day are
Swedish local time (Europe/Stockholm), as people remember a walk: "the evening walk on
15 October", "after dark".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from .i18n import STOCKHOLM
from .model import FEELING_MAX, FEELING_MIN, Observation


@dataclass(frozen=True, slots=True)
class ObservationFilter:
    """Empty fields select everything.  ``hours`` is ``(from, to)`` in whole local hours,
    ``to`` exclusive; it may wrap midnight: ``(18, 6)`` is the evening and the night."""
    start: date | None = None
    end: date | None = None  # inclusive
    walk_ids: frozenset[int] | None = None
    categories: frozenset[str] | None = None
    statuses: frozenset[str] | None = None
    activity_ids: frozenset[str | None] | None = None  # None in the set: linked to no activity
    hours: tuple[int, int] | None = None
    feeling_min: int = FEELING_MIN
    feeling_max: int = FEELING_MAX

    def __post_init__(self) -> None:
        if self.start and self.end and self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        if self.hours is not None and not all(0 <= h <= 24 for h in self.hours):
            raise ValueError(f"hours must lie in 0..24, got {self.hours}")
        if not FEELING_MIN <= self.feeling_min <= self.feeling_max <= FEELING_MAX:
            raise ValueError(f"feeling range must lie in {FEELING_MIN}..{FEELING_MAX}, "
                             f"got {self.feeling_min}..{self.feeling_max}")


def in_hours(hour: int, hours: tuple[int, int]) -> bool:
    start, end = hours
    if start == end or (start, end) == (0, 24):
        return True
    if start < end:
        return start <= hour < end
    return hour >= start or hour < end  # wraps midnight


def matches(o: Observation, f: ObservationFilter) -> bool:
    local = o.observed_at.astimezone(STOCKHOLM)
    return ((f.start is None or local.date() >= f.start)
            and (f.end is None or local.date() <= f.end)
            and (f.walk_ids is None or o.walk_id in f.walk_ids)
            and (f.categories is None or o.category in f.categories)
            and (f.statuses is None or o.status in f.statuses)
            and (f.activity_ids is None or o.activity_id in f.activity_ids)
            and (f.hours is None or in_hours(local.hour, f.hours))
            and f.feeling_min <= o.feeling <= f.feeling_max)


def apply(observations: Iterable[Observation], f: ObservationFilter) -> list[Observation]:
    """The observations ``f`` selects, in their order."""
    return [o for o in observations if matches(o, f)]
