"""The walk protocol: the walk's points in the order the walk passed them, one row each.

After a Swedish trygghetsvandring the leader goes through the pins, merges the ones that
describe the same spot, sets who is responsible, a priority and a deadline for each, and sends
the protocol to the participants and the owners.  Plain functions, no Streamlit; the store
saves merges and the protocol's columns, :mod:`geo.reports` draws the PDF.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
from shapely.geometry import LineString

from . import i18n
from .crs import geometry_to_metric, to_metric
from .i18n import EMPTY
from .model import Category, Observation, Walk


def route_order(observations: Sequence[Observation], route: Mapping | None) -> list[Observation]:
    """The observations in the order the walk passed them: by their distance along the route
    (each point projected onto the route line, in metres in SWEREF 99 TM); without a route,
    by the time they were pinned."""
    if not route or route.get("type") != "LineString" or len(route.get("coordinates", [])) < 2:
        return sorted(observations, key=lambda o: (o.observed_at, o.id))
    line = geometry_to_metric(LineString(route["coordinates"]))
    if not observations:
        return []
    east, north = to_metric(np.array([o.lon for o in observations]), np.array([o.lat for o in observations]))
    from shapely import points

    along = line.project(points(np.column_stack([east, north])))
    order = sorted(range(len(observations)), key=lambda i: (float(along[i]), observations[i].observed_at,
                                                            observations[i].id))
    return [observations[i] for i in order]


@dataclass(frozen=True, slots=True)
class ProtocolRow:
    """One point of the walk protocol, as the page and the PDF (:func:`geo.reports.walk_protocol_pdf`)
    show it: ``number`` along the route, the ``category`` label, the ``place`` (coordinates
    for the owner who goes there), how many ``flagged_by`` it, their ``texts`` (one string or
    one each), ``responsible``, ``priority`` and ``deadline`` in words or as a date ("–" when not set); and the
    ``observation_id`` and ``feeling`` it stands for, when it comes from the store."""
    number: int
    category: str
    place: str = ""
    flagged_by: int = 1
    texts: tuple[str, ...] | str = ()
    responsible: str = ""
    priority: str = ""
    deadline: date | str | None = None
    observation_id: int | None = None
    feeling: int | None = None


def protocol_rows(walk: Walk, observations: Sequence[Observation], categories: Sequence[Category],
                  lang: str) -> list[ProtocolRow]:
    """The walk's points (merged ones left out: the kept pin speaks for them), numbered along
    the route, with the labels in ``lang``."""
    labels = {c.id: c.label(lang) for c in categories}
    kept = [o for o in observations if o.merged_into is None and o.walk_id == walk.id]
    return [ProtocolRow(
        number=n, category=labels.get(o.category, o.category), place=f"{o.lat:.5f}, {o.lon:.5f}",
        flagged_by=o.flagged_by, texts=tuple(t for t in o.description.split("\n— ") if t),
        responsible=i18n.t(f"responsible.{o.responsible}", lang) if o.responsible else EMPTY,
        priority=i18n.t(f"protocol.priority_{o.priority}", lang) if o.priority else EMPTY,
        deadline=o.due or EMPTY,
        observation_id=o.id, feeling=o.feeling)
        for n, o in enumerate(route_order(kept, walk.route), start=1)]
