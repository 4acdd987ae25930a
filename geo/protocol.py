"""The walk protocol: the walk's points in the order the walk passed them, one row each.

After a Swedish trygghetsvandring the leader goes through the pins, merges the ones that
describe the same spot, sets who is responsible, a priority and a deadline for each, and sends
the protocol to the participants and the owners.  Plain functions, no Streamlit; the store
saves merges and the protocol's columns.  :func:`walk_protocol_pdf` assembles the PDF from
a walk in one language (headings, category labels, responsible, priority alike);
:mod:`geo.reports` draws it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import numpy as np
from shapely.geometry import LineString

from . import i18n
from .catalog import Catalog
from .crs import geometry_to_metric, latlon_text, to_metric_arrays
from .districts import Districts
from .i18n import EMPTY, local_time
from .model import Category, Observation, Walk
from .reports import map_image
from .reports import walk_protocol_pdf as protocol_pdf
from .reports.rows import ProtocolRow

__all__ = ["ProtocolRow", "protocol_rows", "route_order", "walk_protocol_pdf"]


def route_order(observations: Sequence[Observation], route: Mapping[str, Any] | None) -> list[Observation]:
    """The observations in the order the walk passed them: by their distance along the route
    (each point projected onto the route line, in metres in SWEREF 99 TM); without a route,
    by the time they were pinned."""
    if not route or route.get("type") != "LineString" or len(route.get("coordinates", [])) < 2:
        return sorted(observations, key=lambda o: (o.observed_at, o.id))
    line = geometry_to_metric(LineString(route["coordinates"]))
    if not observations:
        return []
    east, north = to_metric_arrays(np.array([o.lon for o in observations], dtype=float),
                                   np.array([o.lat for o in observations], dtype=float))
    from shapely import points

    along = line.project(points(np.column_stack([east, north])))
    order = sorted(range(len(observations)), key=lambda i: (float(along[i]), observations[i].observed_at,
                                                            observations[i].id))
    return [observations[i] for i in order]


def protocol_rows(walk: Walk, observations: Sequence[Observation], categories: Sequence[Category],
                  lang: str) -> list[ProtocolRow]:
    """The walk's points (merged ones left out: the kept pin speaks for them), numbered along
    the route, with the labels in ``lang``; each counts the people who flagged it (its merged
    pins and those who seconded it, :attr:`ProtocolRow.people`)."""
    labels = {c.id: c.label(lang) for c in categories}
    kept = [o for o in observations if o.merged_into is None and o.walk_id == walk.id]
    return [ProtocolRow(
        number=n, category=labels.get(o.category, o.category), place=latlon_text(o.lon, o.lat),
        flagged_by=o.flagged_by, texts=tuple(t for t in o.description.split("\n— ") if t),
        responsible=i18n.t(f"responsible.{o.responsible}", lang) if o.responsible else EMPTY,
        priority=i18n.t(f"protocol.priority_{o.priority}", lang) if o.priority else EMPTY,
        deadline=o.due or EMPTY,
        observation_id=o.id, feeling=o.feeling, supporters=o.supporters)
        for n, o in enumerate(route_order(kept, walk.route), start=1)]


def walk_protocol_pdf(walk: Walk, observations: Sequence[Observation], catalog: Catalog,
                      districts: Districts, *, lang: str, created: datetime | None = None) -> bytes:
    """The walk protocol of ``walk`` as a PDF, everything in ``lang``: the headings, the map's
    legend, and each point's category, responsible and priority (:func:`protocol_rows`);
    the points numbered along the route on the map too.  ``observations`` are the walk's
    (merged ones are left out); ``created`` fixes the PDF's creation date (None = now)."""
    rows = protocol_rows(walk, observations, catalog.categories, lang)
    by_id = {o.id: o for o in observations}
    district = districts.get(walk.district_id)
    png = map_image(districts, walk.district_id, [by_id[r.observation_id] for r in rows if r.observation_id in by_id],
                    [], catalog=catalog, labels={r.observation_id: str(r.number) for r in rows
                                                 if r.observation_id is not None}, lang=lang)
    return protocol_pdf(walk.title, local_time(walk.starts_at, "%Y-%m-%d"), district.name if district else "",
                        rows, png, lang=lang, created=created)
