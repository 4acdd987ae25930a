"""axe-core (bundled in axe-playwright-python: no internet needed) on the join page and the
walk page, as a participant sees them on an iPad in portrait, in the light and the dark theme
(Streamlit follows the device's ``prefers-color-scheme``).  Any serious or critical
violation fails the test, and every one is printed: rule, element, what is wrong."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

from tests.browser.empty_walk import ipad, join, open_join, open_pin_form, walk_app, walk_app_db  # noqa: F401

pytestmark = pytest.mark.browser

BLOCKING = {"serious", "critical"}
AXE = Axe()


def violations(page: Page) -> list[str]:
    """axe's serious and critical violations on ``page`` (the map's frame included), one line
    per element: ``rule (impact) target: summary``."""
    result = AXE.run(page, options={"resultTypes": ["violations"], "iframes": True})
    found = []
    for v in result.response["violations"]:
        if v["impact"] not in BLOCKING:
            continue
        for node in v["nodes"]:
            summary = " ".join(node.get("failureSummary", "").split())
            target = " > ".join(map(str, node["target"]))
            found.append(f"{v['id']} ({v['impact']}) {target} {node.get('html', '')[:160]!r}: {summary}")
    return found


def assert_no_violations(found: list[str], where: str) -> None:
    """Fail naming every serious or critical violation ``found`` on ``where``."""
    print("\n".join(found))
    assert not found, f"axe on {where}:\n" + "\n".join(found)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_join_page_has_no_serious_violations(walk_app, ipad, scheme):  # noqa: F811
    page = ipad(scheme)
    open_join(page, walk_app)
    page.screenshot(path=f"/tmp/shots/a11y-join-{scheme}.png")
    assert_no_violations(violations(page), f"the join page ({scheme})")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_walk_page_has_no_serious_violations(walk_app, ipad, scheme):  # noqa: F811
    page = ipad(scheme)
    join(page, walk_app)
    page.screenshot(path=f"/tmp/shots/a11y-walk-{scheme}.png")
    found = violations(page)
    open_pin_form(page)
    page.screenshot(path=f"/tmp/shots/a11y-pin-{scheme}.png")
    found += [f"pin form: {line}" for line in violations(page)]
    assert_no_violations(found, f"the walk page ({scheme})")
