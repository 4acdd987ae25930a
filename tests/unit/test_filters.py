"""The planner map's filters: local dates and hours, each field, and all of them together."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from geo.filters import ObservationFilter, apply, in_hours
from tests import factories as make


def obs(i, when, category="belysning", status="new", feeling=3, walk_id=1, activity_id="a"):
    return make.observation(i, at=when, uuid=str(uuid.uuid4()), walk_id=walk_id, activity_id=activity_id,
                            category=category, feeling=feeling, status=status)


# 2019-10-15 22:30 UTC is 00:30 on the 16th in Sweden (summer time until 27 October)
LATE = obs(1, datetime(2019, 10, 15, 22, 30, tzinfo=UTC))
EVENING = obs(2, datetime(2019, 10, 15, 17, 0, tzinfo=UTC), category="klotter", status="resolved",
              feeling=5, walk_id=2, activity_id=None)
DAY = obs(3, datetime(2019, 11, 2, 11, 0, tzinfo=UTC), feeling=1)  # 12:00 local, winter time
ALL = [LATE, EVENING, DAY]


def ids(f: ObservationFilter) -> list[int]:
    return [o.id for o in apply(ALL, f)]


def test_empty_filter_selects_everything_in_order():
    assert ids(ObservationFilter()) == [1, 2, 3]


def test_dates_are_swedish_local_dates_and_inclusive():
    assert ids(ObservationFilter(start=date(2019, 10, 16))) == [1, 3]  # 00:30 on the 16th
    assert ids(ObservationFilter(end=date(2019, 10, 15))) == [2]
    assert ids(ObservationFilter(start=date(2019, 11, 2), end=date(2019, 11, 2))) == [3]


def test_hours_are_local_and_may_wrap_midnight():
    assert ids(ObservationFilter(hours=(18, 6))) == [1, 2]  # 00:30 and 19:00 local
    assert ids(ObservationFilter(hours=(6, 18))) == [3]
    assert ids(ObservationFilter(hours=(19, 20))) == [2]
    assert ids(ObservationFilter(hours=(0, 24))) == [1, 2, 3]


def test_each_field_narrows():
    assert ids(ObservationFilter(categories=frozenset({"klotter"}))) == [2]
    assert ids(ObservationFilter(statuses=frozenset({"new"}))) == [1, 3]
    assert ids(ObservationFilter(walk_ids=frozenset({2}))) == [2]
    assert ids(ObservationFilter(activity_ids=frozenset({None}))) == [2]
    assert ids(ObservationFilter(feeling_min=4)) == [2]
    assert ids(ObservationFilter(feeling_max=2)) == [3]
    assert ids(ObservationFilter(categories=frozenset())) == []


def test_fields_combine():
    f = ObservationFilter(start=date(2019, 10, 1), end=date(2019, 10, 31), hours=(18, 6),
                          statuses=frozenset({"new", "resolved"}), feeling_min=4)
    assert ids(f) == [2]


@pytest.mark.parametrize("bad", [dict(start=date(2019, 2, 1), end=date(2019, 1, 1)),
                                 dict(hours=(18, 25)), dict(feeling_min=4, feeling_max=2),
                                 dict(feeling_min=0)])
def test_impossible_filters_are_refused(bad):
    with pytest.raises(ValueError):
        ObservationFilter(**bad)


@given(st.integers(0, 23), st.integers(0, 24), st.integers(0, 24))
def test_wrapping_hours_are_the_complement_of_the_day(hour, a, b):
    if a != b and (a, b) != (0, 24) and (b, a) != (0, 24):
        assert in_hours(hour, (a, b)) != in_hours(hour, (b, a))
