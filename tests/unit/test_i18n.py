"""One string catalogue, Swedish and English for every key, and every key used exists."""

import re
from pathlib import Path

from geo import i18n

ROOT = Path(__file__).resolve().parents[2]
USE = re.compile(r"""\b(?:tr|t)\(\s*f?["']([a-z_]+(?:\.[a-z_{}.]+)+)["']""")


def test_every_key_has_swedish_and_english():
    missing = [k for k, v in i18n.strings().items() if not v.get("sv") or not v.get("en")]
    assert missing == []


def test_every_key_the_code_uses_exists():
    used = set()
    for p in [*ROOT.glob("geo/**/*.py"), *ROOT.glob("pages/*.py"), *ROOT.glob("ui/*.py"),
              ROOT / "app.py", ROOT / "main.py"]:
        used |= set(USE.findall(p.read_text(encoding="utf-8")))
    keys = i18n.strings()
    for key in used:
        if "{" in key:  # f-string key: every value of the enumeration must exist
            prefix = key.split("{")[0]
            assert any(k.startswith(prefix) for k in keys), key
        else:
            assert key in keys, key


def test_every_status_and_message_key_exists():
    from geo.model import MeasureStatus, ObservationStatus, Responsible, WalkStatus
    for s in ObservationStatus:
        assert i18n.has(f"status.observation.{s}")
    for s in MeasureStatus:
        assert i18n.has(f"status.measure.{s}")
    for s in WalkStatus:
        assert i18n.has(f"status.walk.{s}")
    for r in Responsible:
        assert i18n.has(f"responsible.{r}")
    src = (ROOT / "geo" / "workflow.py").read_text(encoding="utf-8")
    for key in re.findall(r'"((?:validation|workflow)\.[a-z_]+)"', src):
        assert i18n.has(key), key


def test_format_and_language_choice():
    assert i18n.t("map.count", "sv", n=3, m=1) == "3 iakttagelser, 1 åtgärder"
    assert i18n.t("map.count", "en", n=3, m=1) == "3 observations, 1 measures"
