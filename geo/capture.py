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
  promise activity the walk carries out.  The rules about the fields themselves are
  :func:`geo.workflow.validate_observation`'s, the same the importer and the store apply;
  :func:`pin_problems` adds only what belongs to a pin: a place must have been chosen, and
  one outside the walk's district must be confirmed.  The draft's ``uuid`` is made when the pin is
  placed, so a double tap on "Spara" or a resubmitted form saves one pin, not two.
* :func:`pins_at` finds the pins a tap landed on, from the marker's place that ``st_folium``
  reports, measured in metres in SWEREF 99 TM.
* :func:`pins_near` finds the pins within a finger's reach of a tap on the map (a number of
  screen pixels at the map's zoom, turned into metres on the ground), nearest first: the walk
  page then offers *Jag håller med*, *Öppna* or *Ny nål här*.
* :func:`sent_offline` knows a tap made offline again: the map's outbox (:mod:`geo.outbox`)
  saved it as a pin at exactly that place, and Streamlit sends the map's last tap once more
  when the connection is back; it is not a new pin.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import numpy as np

from .crs import distance_m, to_metric, to_metric_arrays
from .districts import Districts
from .model import Observation, ObservationDraft, Walk
from .workflow import validate_observation

DECIMALS = 7  # about 1 cm: more than any phone's GPS, less than float noise
# Web Mercator (the tiles'): ground metres per screen pixel at zoom 0 on the equator, 256-pixel
# tiles; at latitude φ and zoom z a pixel covers EQUATOR_M_PER_PX · cos φ / 2^z metres.
EQUATOR_M_PER_PX = 156543.03392
TAP_PX = 20  # a fingertip on a tablet, in CSS pixels


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
    raw_lat, raw_lng = clicked.get("lat"), clicked.get("lng")
    if (isinstance(raw_lat, bool) or not isinstance(raw_lat, (int, float))
            or isinstance(raw_lng, bool) or not isinstance(raw_lng, (int, float))):
        return None
    lat, lng = float(raw_lat), float(raw_lng)
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


def _form_draft(place: PinPlace | None, category: object, feeling: object,
                description: object) -> ObservationDraft:
    """What the pin form holds, as a draft (unchecked: any value may be in it)."""
    values: dict[str, Any] = {
        "category": category, "feeling": feeling,
        "description": "" if description is None else description,
        "lon": place.lon if place is not None else math.nan,
        "lat": place.lat if place is not None else math.nan}
    return ObservationDraft(**values)


def _problems(draft: ObservationDraft, place: PinPlace | None, categories: Iterable[str],
              confirmed_outside: bool) -> dict[str, str]:
    errors = validate_observation(draft, set(categories), ())
    # the pin's own checks: a place is needed, and one outside the walk's district confirmed;
    # a tap on the map cannot swap longitude and latitude, so any bad place is "outside Sweden"
    problems: dict[str, str] = {}
    if place is None:
        problems["place"] = "pin.no_place"
    elif "location" in errors:
        problems["place"] = "validation.outside_sweden"
    elif not place.in_walk_district and not confirmed_outside:
        problems["place"] = "pin.outside_confirm"
    problems.update((field, key) for field, key in errors.items() if field != "location")
    return problems


def pin_problems(place: PinPlace | None, category: str | None, feeling: object,
                 description: str | None, categories: Iterable[str], confirmed_outside: bool) -> dict[str, str]:
    """What stops the form from being saved, as ``{field: message key}``: the rules of
    :func:`geo.workflow.validate_observation` for the category, the feeling and the
    description, and the pin's own for its place (``place``: ``pin.no_place``,
    ``validation.outside_sweden`` or ``pin.outside_confirm``)."""
    return _problems(_form_draft(place, category, feeling, description), place, categories,
                     confirmed_outside)


def pin_draft(place: PinPlace | None, walk: Walk, *, category: str | None, feeling: object,
              description: str | None, uuid: str, observed_at: datetime, categories: Iterable[str],
              confirmed_outside: bool = False, reported_by: str = "",
              group: str = "") -> tuple[ObservationDraft | None, dict[str, str]]:
    """The draft to save for a pin on ``walk``, or None and the problems to show."""
    form = _form_draft(place, category, feeling, description)
    if errors := _problems(form, place, categories, confirmed_outside):
        return None, errors
    return replace(form, description=form.description.strip(), observed_at=observed_at,
                   walk_id=walk.id, activity_id=walk.activity_id, uuid=uuid,
                   reported_by=reported_by, group=group), {}


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


def metres_per_pixel(lat: float, zoom: float) -> float:
    """Ground metres one screen pixel covers at latitude ``lat`` on a Web Mercator map at
    ``zoom`` (Leaflet's zoom level; fractional zooms too)."""
    return EQUATOR_M_PER_PX * math.cos(math.radians(lat)) / math.pow(2.0, zoom)


def _number(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"pins_near: {name} must be a finite number, instead got: {value!r}")
    return float(value)


def pins_near(lon: float, lat: float, observations: Iterable[Observation], zoom: float,
              px: float = TAP_PX) -> list[Observation]:
    """The pins within ``px`` screen pixels of a tap at (``lon``, ``lat``) on a map at
    ``zoom``, nearest first (ties by id): the radius is ``px`` · :func:`metres_per_pixel`,
    and the distances are measured in metres in SWEREF 99 TM (EPSG:3006).  Pins merged into
    another (the walk protocol) are left out: the kept pin speaks for them.

    Raises :class:`ValueError` naming the value when ``lon``, ``lat``, ``zoom`` or ``px``
    is not a finite number, ``lat`` is not a latitude or ``px`` is negative."""
    lon, lat = _number("lon", lon), _number("lat", lat)
    zoom, px = _number("zoom", zoom), _number("px", px)
    if not -90 < lat < 90:
        raise ValueError(f"pins_near: lat must lie between -90 and 90, instead got: {lat!r}")
    if px < 0:
        raise ValueError(f"pins_near: px must not be negative, instead got: {px!r}")
    pins = [o for o in observations if o.merged_into is None]
    if not pins:
        return []
    radius = px * metres_per_pixel(lat, zoom)
    x, y = to_metric(lon, lat)
    east, north = to_metric_arrays(np.array([o.lon for o in pins], dtype=float),
                                   np.array([o.lat for o in pins], dtype=float))
    dist = np.hypot(east - x, north - y)
    near: list[int] = np.flatnonzero(dist <= radius).tolist()
    return [pins[i] for i in sorted(near, key=lambda i: (float(dist[i]), pins[i].id))]


def sent_offline(tap: tuple[float, float] | None, observations: Iterable[Observation],
                 participant_id: int | None) -> bool:
    """Whether ``tap`` (``(lon, lat)`` from :func:`click_point`) is a tap the map's outbox
    already sent as a pin: a pin of this participant lies at exactly that place.  The outbox
    sends the tap's own coordinates and the server stores them through :func:`click_point`,
    so a pin made offline sits where this tap says, to the last of its :data:`DECIMALS`
    decimals; a tap a centimetre beside it is a new tap.  Nobody's tap is anyone else's
    pin (``participant_id`` None: never)."""
    if tap is None or participant_id is None:
        return False
    lon, lat = tap
    step = 0.5 * 10.0 ** -DECIMALS  # half the last decimal: what a stored float may differ by
    return any(o.participant_id == participant_id and abs(o.lon - lon) < step and abs(o.lat - lat) < step
               for o in observations)


GPS_MAX_ACCURACY_M = 50.0  # a reading less certain than this is no place for a pin


def gps_problem(place: PinPlace) -> str | None:
    """Why a "Här är jag" reading is no place for a pin, as a catalogue key (its text takes
    ``m``, the accuracy, and ``district``), or None: less certain than
    :data:`GPS_MAX_ACCURACY_M` (a phone indoors or just woken reports ±350 m), or outside the
    walk's district (the tablet is not where the walk is).  The person then taps the map."""
    if place.accuracy_m is None or not math.isfinite(place.accuracy_m) or place.accuracy_m > GPS_MAX_ACCURACY_M:
        return "pin.gps_rough"
    if not place.in_walk_district:
        return "pin.gps_outside"
    return None
