"""Probe for tests/browser/test_geolocate.py: the "Här är jag" button and what it returned."""

import sys
from pathlib import Path

import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from ui.geolocate import GpsError, GpsFix, here_button

LABEL = "Här är jag <b>nu</b>"  # markup that must show as text

result = here_button(LABEL, key="here", busy_label="Söker position …")
if isinstance(result, GpsFix):
    st.write(f"FIX {result.lat:.4f} {result.lon:.4f} acc={result.accuracy_m:g} at={result.at_ms}")
elif isinstance(result, GpsError):
    st.write(f"ERROR {result.reason} at={result.at_ms}")
else:
    st.write("NONE")
