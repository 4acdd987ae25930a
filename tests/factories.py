"""The one place tests build observations, drafts and measures.

Each factory gives a valid object in Andersberg (Halmstad) on an October evening, and takes
any field as a keyword.  ``at`` sets the observation's times at once; ``metric=(e, n)`` places
it by SWEREF 99 TM coordinates (EPSG:3006), converted through ``geo.crs``.  A test module
keeps its own short helper only to name what varies in it, and builds through these.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

from geo import crs
from geo.model import Measure, MeasureDraft, Observation, ObservationDraft

WHEN = datetime(2019, 10, 15, 17, 30, tzinfo=UTC)  # 19:30 in Halmstad, summer time
ANDERSBERG = (12.9012, 56.6606)  # lon, lat: the centre's paths
POINT = {"type": "Point", "coordinates": list(ANDERSBERG)}


def _place(fields: dict[str, Any], metric: tuple[float, float] | None) -> None:
    if metric is not None:
        fields["lon"], fields["lat"] = crs.to_wgs84(*metric)


def observation(i: int = 1, *, at: datetime = WHEN, metric: tuple[float, float] | None = None,
                **fields: Any) -> Observation:
    """An observation as the store returns it (id ``i``, version 1, status new)."""
    values: dict[str, Any] = dict(
        id=i, uuid=f"u{i}", walk_id=1, district_id="andersberg", activity_id=None,
        category="belysning", description="", feeling=3, lon=ANDERSBERG[0], lat=ANDERSBERG[1],
        observed_at=at, status="new", status_reason="", reported_by="", group="", is_demo=False,
        created_at=at, updated_at=at, version=1)
    _place(values, metric)
    return Observation(**{**values, **fields})


def draft(*, metric: tuple[float, float] | None = None, **fields: Any) -> ObservationDraft:
    """A pin as a participant, an import or the demo loader hands it to the store."""
    values: dict[str, Any] = dict(category="belysning", lon=ANDERSBERG[0], lat=ANDERSBERG[1],
                                  feeling=3, description="", observed_at=WHEN)
    _place(values, metric)
    return ObservationDraft(**{**values, **fields})


def measure(i: int = 1, *, at: datetime = WHEN, **fields: Any) -> Measure:
    """A measure as the store returns it (id ``i``, version 1, proposed)."""
    values: dict[str, Any] = dict(
        id=i, type="belysning_ny", title=f"Åtgärd {i}", description="", district_id="andersberg",
        activity_id=None, geometry=POINT, responsible="kommun", responsible_name="", due=None,
        cost_sek=None, status="proposed", status_reason="", is_demo=False, created_at=at,
        updated_at=at, version=1)
    return Measure(**{**values, **fields})


def measure_draft(**fields: Any) -> MeasureDraft:
    """A new measure: a new street light on Andersberg's path, the municipality's."""
    values: dict[str, Any] = dict(type="belysning_ny", title="Ny belysning på gångvägen",
                                  responsible="kommun", geometry=POINT)
    return MeasureDraft(**{**values, **fields})


def replace(obj: Any, **fields: Any) -> Any:
    """``dataclasses.replace``, for a test that varies one field of a built object."""
    return dataclasses.replace(obj, **fields)
