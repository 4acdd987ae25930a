"""parse_value: what the "Här är jag" component sends back, and refusing everything else."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ui.geolocate import REASONS, GpsError, GpsFix, parse_value

AT = 1_717_000_000_000
FIX = {"lat": 56.6712, "lon": 12.8623, "accuracy_m": 25, "at_ms": AT}


def test_a_fix():
    assert parse_value(FIX) == GpsFix(56.6712, 12.8623, 25.0, AT)


@pytest.mark.parametrize("lat, lon", [(-90, -180), (90, 180), (0, 0), (-33.9, 151.2)])
def test_fixes_at_the_edges_and_elsewhere(lat, lon):
    fix = parse_value({**FIX, "lat": lat, "lon": lon, "accuracy_m": 0})
    assert fix == GpsFix(float(lat), float(lon), 0.0, AT)
    assert isinstance(fix.lat, float) and isinstance(fix.at_ms, int)


def test_an_integral_float_timestamp_is_an_int():
    fix = parse_value({**FIX, "at_ms": float(AT)})
    assert fix.at_ms == AT and type(fix.at_ms) is int


@pytest.mark.parametrize("reason", sorted(REASONS))
def test_each_error_reason(reason):
    assert parse_value({"reason": reason, "at_ms": AT}) == GpsError(reason, AT)


def test_the_reasons_are_the_five_named():
    assert REASONS == {"insecure", "unsupported", "denied", "unavailable", "timeout"}


@pytest.mark.parametrize("value", [
    None, 1, "FIX", [FIX], (), {},
    {k: v for k, v in FIX.items() if k != "lat"},
    {k: v for k, v in FIX.items() if k != "lon"},
    {k: v for k, v in FIX.items() if k != "accuracy_m"},
    {k: v for k, v in FIX.items() if k != "at_ms"},
    {**FIX, "lat": math.nan}, {**FIX, "lon": math.inf}, {**FIX, "accuracy_m": -math.inf},
    {**FIX, "at_ms": math.nan}, {**FIX, "at_ms": math.inf},
    {**FIX, "lat": 90.0001}, {**FIX, "lat": -91}, {**FIX, "lon": 180.5}, {**FIX, "lon": -181},
    {**FIX, "accuracy_m": -1}, {**FIX, "accuracy_m": -1e-9},
    {**FIX, "lat": "56.67"}, {**FIX, "lon": None}, {**FIX, "accuracy_m": True},
    {**FIX, "at_ms": "1717000000000"}, {**FIX, "at_ms": True}, {**FIX, "at_ms": -1},
    {**FIX, "at_ms": 1.5}, {**FIX, "at_ms": 10**400}, {**FIX, "lat": 10**400},
    {"reason": "nope", "at_ms": AT}, {"reason": "DENIED", "at_ms": AT}, {"reason": 1, "at_ms": AT},
    {"reason": None, "at_ms": AT}, {"reason": "denied"}, {"reason": "denied", "at_ms": None},
    {**FIX, "reason": "denied"},
])
def test_malformed_values_are_refused(value):
    assert parse_value(value) is None


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner,
                                                               max_size=4),
    max_leaves=12)
fields = st.sampled_from(["lat", "lon", "accuracy_m", "at_ms", "reason"])
numbers = st.integers() | st.floats() | st.booleans() | st.none() | st.text(max_size=4)
near_valid = st.dictionaries(fields, numbers | st.sampled_from(sorted(REASONS)), max_size=5)


def assert_valid(result):
    assert result is None or isinstance(result, (GpsFix, GpsError))
    if isinstance(result, GpsFix):
        assert -90 <= result.lat <= 90 and -180 <= result.lon <= 180
        assert math.isfinite(result.accuracy_m) and result.accuracy_m >= 0
    if isinstance(result, GpsError):
        assert result.reason in REASONS
    if result is not None:
        assert type(result.at_ms) is int and result.at_ms >= 0


@given(json_values | near_valid)
def test_anything_gives_a_valid_result_or_none(value):
    assert_valid(parse_value(value))


@given(st.floats(-90, 90), st.floats(-180, 180), st.floats(0, 1e6), st.integers(0, 2**53))
def test_every_valid_fix_comes_through(lat, lon, accuracy, at_ms):
    value = {"lat": lat, "lon": lon, "accuracy_m": accuracy, "at_ms": at_ms}
    assert parse_value(value) == GpsFix(lat, lon, accuracy, at_ms)


@given(st.sampled_from(sorted(REASONS)), st.integers(0, 2**53))
def test_every_valid_error_comes_through(reason, at_ms):
    assert parse_value({"reason": reason, "at_ms": at_ms}) == GpsError(reason, at_ms)
