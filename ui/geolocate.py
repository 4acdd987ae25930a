"""A "Här är jag" button that reads the device's position through the browser.

Streamlit cannot read the browser's Geolocation API by itself, and no well-maintained
package does it while keeping every request on this server (the app asks no third party
for anything but map tiles). It takes thirty lines of JavaScript, so this is a small
component on Streamlit's own ``st.components.v2`` API: the HTML, CSS and JavaScript below
are served by the app itself and mounted in a shadow root on the page (no iframe).

The component keeps the last reading as its state value ``value`` (a dict), which survives
reruns until the next press replaces it; :func:`parse_value` turns it into a
:class:`GpsFix` or :class:`GpsError` and refuses anything malformed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import streamlit as st

REASONS = frozenset({"insecure", "unsupported", "denied", "unavailable", "timeout"})


@dataclass(frozen=True)
class GpsFix:
    """A position from the device."""

    lat: float
    lon: float
    accuracy_m: float
    at_ms: int  # browser clock (ms since epoch) when the reading arrived: new on every press


@dataclass(frozen=True)
class GpsError:
    """Why there is no position: one of :data:`REASONS`."""

    reason: str
    at_ms: int


_HTML = """
<button type="button" class="tk-here">
  <svg aria-hidden="true" focusable="false" viewBox="0 0 24 24" width="28" height="28"
       fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round">
    <circle cx="12" cy="12" r="7"/>
    <circle cx="12" cy="12" r="3" fill="currentColor"/>
    <path d="M12 1v4M12 19v4M1 12h4M19 12h4"/>
  </svg>
  <span class="tk-here-label"></span>
</button>
"""

# Text and background colours swapped: the highest contrast either theme has (the
# app's primary colour is a dark blue, too dark on the dark theme).
_CSS = """
.tk-here {
  display: flex; align-items: center; justify-content: center; gap: 0.6rem;
  box-sizing: border-box; width: 100%; min-height: 56px; padding: 0.75rem 1rem;
  font-family: var(--st-font, sans-serif); font-size: 1.15rem; font-weight: 600;
  color: var(--st-background-color, #fff); background: var(--st-text-color, #111);
  border: 2px solid var(--st-text-color, #111); border-radius: var(--st-button-radius, 0.5rem);
  cursor: pointer; touch-action: manipulation; -webkit-tap-highlight-color: transparent;
}
.tk-here:focus-visible { outline: 3px solid var(--st-text-color, #111); outline-offset: 2px; }
.tk-here:active { transform: translateY(1px); }
.tk-here[aria-busy="true"] { cursor: progress; opacity: 0.8; }
.tk-here svg { flex: none; }
"""

# Runs again whenever ``data`` changes while the HTML stays, hence ``onclick =`` (not
# addEventListener) and keeping the busy text while a request is out. ``at_ms`` is
# Date.now(), not the position's own timestamp: Chromium (at least with an emulated
# position) repeats that timestamp on every reading, and a press must always be new.
_JS = """
const ERRORS = { 1: "denied", 2: "unavailable", 3: "timeout" };

export default function ({ parentElement, data, setStateValue }) {
  const button = parentElement.querySelector("button.tk-here");
  const text = button.querySelector(".tk-here-label");
  const idle = () => {
    button.removeAttribute("aria-busy");
    button.disabled = false;
    text.textContent = data.label;
  };
  const send = (value) => { idle(); setStateValue("value", value); };
  const fail = (reason) => send({ reason, at_ms: Date.now() });
  if (!button.hasAttribute("aria-busy")) idle();

  button.onclick = () => {
    if (!window.isSecureContext) return fail("insecure");
    if (!("geolocation" in navigator)) return fail("unsupported");
    button.setAttribute("aria-busy", "true");
    button.disabled = true;
    text.textContent = data.busy;
    navigator.geolocation.getCurrentPosition(
      (p) => send({
        lat: p.coords.latitude, lon: p.coords.longitude,
        accuracy_m: p.coords.accuracy, at_ms: Date.now(),
      }),
      (e) => fail(ERRORS[e.code] || "unavailable"),
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 0 },
    );
  };
}
"""

_component = st.components.v2.component("trygghetskartan_here_button",
                                        html=_HTML, css=_CSS, js=_JS)


def _noop() -> None:
    """A state callback: it makes ``value`` a declared state key of the component."""


def here_button(label: str, *, key: str, busy_label: str) -> GpsFix | GpsError | None:
    """A big, touch-friendly button that asks the browser for the position when pressed.

    Returns the result on the rerun that follows the answer, ``None`` until the first
    press, and the same result on later reruns: compare ``at_ms`` to know if it is new.
    The labels are set as text, never as HTML.
    """
    result = _component(key=key, data={"label": label, "busy": busy_label},
                        on_value_change=_noop)
    return parse_value(result.get("value"))


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        number = float(value)
    except OverflowError:  # an int too big for a float
        return None
    return number if math.isfinite(number) else None


def _timestamp(value: object) -> int | None:
    number = _number(value)
    if number is None or number < 0 or not number.is_integer():
        return None
    return int(value) if isinstance(value, int) else int(number)


def parse_value(value: object) -> GpsFix | GpsError | None:
    """The component's value as a fix or an error; ``None`` if absent or malformed."""
    if not isinstance(value, dict):
        return None
    at_ms = _timestamp(value.get("at_ms"))
    if at_ms is None:
        return None
    if "reason" in value:
        reason = value["reason"]
        if not isinstance(reason, str) or reason not in REASONS or "lat" in value:
            return None
        return GpsError(reason, at_ms)
    lat, lon, accuracy = (_number(value.get(k)) for k in ("lat", "lon", "accuracy_m"))
    if lat is None or lon is None or accuracy is None:
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180 and accuracy >= 0):
        return None
    return GpsFix(lat, lon, accuracy, at_ms)
