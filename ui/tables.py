"""Observations and measures as tables, the same on the planner map and the follow-up page.

User text goes into dataframes, which show it as text.  Nothing empty reaches a person as
"None" or a blank: an empty value is "–" (:data:`EMPTY`); an activity is shown as its
number and text ("1.6 Trygghetsvandringar …"), never as its id."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

import pandas as pd

from geo.catalog import Catalog
from geo.i18n import local_time, local_today
from geo.model import Measure, Observation, Walk
from geo.progress import activity_labels, is_overdue
from ui.common import lang, tr

EMPTY = "–"


def shown(value: object) -> object:
    """``value``, or "–" when it is None or blank."""
    return EMPTY if value is None or (isinstance(value, str) and not value.strip()) else value


def observation_frame(observations: Sequence[Observation], catalog: Catalog,
                      walks: Mapping[int, Walk] | None = None) -> pd.DataFrame:
    """One row per observation, with how many people seconded it ("Jag håller med"); with
    ``walks``, the walk's title as a column."""
    labels = {c.id: c.label(lang()) for c in catalog.categories}
    columns = {
        "#": [o.id for o in observations],
        tr("map.observed_at"): [local_time(o.observed_at) for o in observations],
        tr("map.category"): [labels.get(o.category, o.category) for o in observations],
        tr("map.feeling"): [o.feeling for o in observations],
        # "Jag håller med": how many more people on the walk seconded the pin
        tr("support.column"): [o.supporters for o in observations],
        tr("map.status"): [tr(f"status.observation.{o.status}") for o in observations],
    }
    if walks is not None:
        columns[tr("map.walk")] = [shown(walks[o.walk_id].title
                                         if o.walk_id is not None and o.walk_id in walks else None)
                                   for o in observations]
    acts = activity_labels(catalog, lang())
    columns[tr("map.activity")] = [shown(acts.get(o.activity_id or "", o.activity_id)) for o in observations]
    columns[tr("map.description")] = [shown(o.description) for o in observations]
    return pd.DataFrame(columns)


def measure_frame(measures: Sequence[Measure], catalog: Catalog, today: date | None = None) -> pd.DataFrame:
    """One row per measure, overdue ones marked (:func:`geo.progress.is_overdue`)."""
    types = {t.id: t.label(lang()) for t in catalog.measure_types}
    today = today or local_today()
    return pd.DataFrame({
        "#": [m.id for m in measures],
        tr("map.measure_type"): [types.get(m.type, m.type) for m in measures],
        tr("planner.title"): [m.title for m in measures],
        tr("map.status"): [tr(f"status.measure.{m.status}") for m in measures],
        tr("map.responsible"): [tr(f"responsible.{m.responsible}")
                                + (f" – {m.responsible_name}" if m.responsible_name else "") for m in measures],
        tr("map.due"): [shown(m.due and m.due.isoformat()) for m in measures],
        tr("followup.overdue"): ["⚠" if is_overdue(m, today) else EMPTY for m in measures],
        tr("planner.answers_short"): [len(m.observation_ids) for m in measures],
    })
