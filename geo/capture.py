"""Field capture: from a tap on the walk's map (or a GPS fix) to an observation draft.

Plain functions, no Streamlit: the walk page hands them what ``st_folium`` and the pin form
returned, and they answer with a draft for :meth:`geo.store.Store.add_observations` or with
``{field: message key}`` naming what is missing.

* :func:`click_point` reads ``st_folium``'s ``last_clicked`` (``{"lat": …, "lng": …}``),
  refusing anything that is not a finite position and wrapping Leaflet's longitudes (a map
  panned across the antimeridian reports 372.9 for 12.9).
* :func:`place_pin` says which district the point lies in and whether that is the walk's
  district (or one of its parts); a pin outside it needs the person's confirmation.
* :func:`pin_draft` checks the form and builds the draft, linked to the walk and to the
  promise activity the walk carries out.  The draft's ``uuid`` is made when the pin is
  placed, so a double tap on "Spara" or a resubmitted form saves one pin, not two.
* :func:`pins_at` finds the pins a tap landed on, from the marker's place that ``st_folium``
  reports, measured in metres in SWEREF 99 TM.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from .crs import distance_m, in_sweden
from .districts import Districts
from .model import (
    DESCRIPTION_MAX,
    FEELING_MAX,
    FEELING_MIN,
    Observation,
    ObservationDraft,
    Walk,
)
from .workflow import text_problem

DECIMALS = 7  # about 1 cm: more than any phone's GPS, less than float noise


@dataclass(frozen=True, slots=True)
class PinPlace:
    """Where a pin goes: WGS84 longitude/latitude, its district, and whether that is the walk's."""
    lon: float
    lat: float
    district_id: str | None
    in_walk_district: bool
    accuracy_m: float | None = None  # from GPS; None for a tap


def click_point(clicked: object) -> tuple[float, float] | None:
    """``(lon, lat)`` from ``st_folium``'s ``last_clicked``, or None when it is not a position."""
    if not isinstance(clicked, Mapping):
        return None
    lat, lng = clicked.get("lat"), clicked.get("lng")
    if any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in (lat, lng)):
        return None
    lat, lng = float(lat), float(lng)
    if not (math.isfinite(lat) and math.isfinite(lng)) or not -90 <= lat <= 90:
        return None
    lon = ((lng + 180.0) % 360.0) - 180.0
    return round(lon, DECIMALS), round(lat, DECIMALS)


def place_pin(lon: float, lat: float, walk: Walk, districts: Districts,
              accuracy_m: float | None = None) -> PinPlace:
    """The district a point lies in, and whether it belongs to ``walk``'s district."""
    placed = districts.place(lon, lat)
    inside = placed is not None and placed.id in districts.family(walk.district_id)
    return PinPlace(lon, lat, placed.id if placed else None, inside, accuracy_m)


def pin_problems(place: PinPlace | None, category: str | None, feeling: object,
                 description: str, categories: Iterable[str], confirmed_outside: bool) -> dict[str, str]:
    """What stops the form from being saved, as ``{field: message key}``."""
    errors: dict[str, str] = {}
    if place is None:
        errors["place"] = "pin.no_place"
    elif not in_sweden(place.lon, place.lat):
        errors["place"] = "validation.outside_sweden"
    elif not place.in_walk_district and not confirmed_outside:
        errors["place"] = "pin.outside_confirm"
    if not category:
        errors["category"] = "validation.required"
    elif not isinstance(category, str) or category not in set(categories):
        errors["category"] = "validation.unknown_category"
    if feeling is None:
        errors["feeling"] = "validation.required"
    elif isinstance(feeling, bool) or not isinstance(feeling, int) or not FEELING_MIN <= feeling <= FEELING_MAX:
        errors["feeling"] = "validation.feeling_range"
    if problem := text_problem(description or "", DESCRIPTION_MAX):
        errors["description"] = problem
    return errors


def pin_draft(place: PinPlace | None, walk: Walk, *, category: str | None, feeling: object,
              description: str, uuid: str, observed_at: datetime, categories: Iterable[str],
              confirmed_outside: bool = False, reported_by: str = "",
              group: str = "") -> tuple[ObservationDraft | None, dict[str, str]]:
    """The draft to save for a pin on ``walk``, or None and the problems to show."""
    errors = pin_problems(place, category, feeling, description, categories, confirmed_outside)
    if errors:
        return None, errors
    return ObservationDraft(
        category=category, lon=place.lon, lat=place.lat, feeling=feeling,
        description=(description or "").strip(), observed_at=observed_at, walk_id=walk.id,
        activity_id=walk.activity_id, uuid=uuid, reported_by=reported_by, group=group), {}


def pins_at(geometry: object, observations: Iterable[Observation],
            tolerance_m: float = 1.5) -> list[Observation]:
    """The pins drawn at a clicked marker: ``st_folium`` reports a click on a circle marker
    with the marker's own place as a GeoJSON Point (``last_active_drawing``), rounded to
    about a metre; several pins can share that place."""
    if not isinstance(geometry, Mapping) or geometry.get("type") != "Point":
        return []
    coords = geometry.get("coordinates")
    point = click_point({"lng": coords[0], "lat": coords[1]}) if isinstance(coords, (list, tuple)) \
        and len(coords) == 2 else None
    if point is None:
        return []
    return [o for o in observations if abs(o.lat - point[1]) < 1e-4 and abs(o.lon - point[0]) < 2e-4
            and distance_m((o.lon, o.lat), point) <= tolerance_m]
