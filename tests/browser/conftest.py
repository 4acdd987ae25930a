"""Browser tests: a real Streamlit server on a free port, Debian's Chromium through Playwright.

Every request to a host other than this machine is blocked and recorded (``page.outside``),
so the tests see the app as it is with no internet, and can assert that it asked no third
party for anything but map tiles.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1"}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}: {proc.stdout.read()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"streamlit did not become healthy at {url}")


@pytest.fixture(scope="session")
def app_db(tmp_path_factory) -> str:
    """The database URL the browser tests' app runs on (to check what a page saved)."""
    return f"sqlite:///{tmp_path_factory.mktemp('browser') / 'app.db'}"


@pytest.fixture(scope="session")
def app_url(app_db) -> str:
    """The app on a free port, on its own SQLite file with the demo data."""
    env = {**os.environ, "DATABASE_URL": app_db, "TRYGG_LANG": "sv"}
    subprocess.run([sys.executable, "-m", "geo", "init", "--demo"], cwd=ROOT, env=env,
                   check=True, capture_output=True)
    with serve("app.py", env=env) as url:
        yield url


@pytest.fixture
def own_app(sqlite_demo_template, tmp_path) -> str:
    """The app on a copy of the demo database of the test's own: for a test whose data the
    other browser tests must not meet (they share ``app_url``)."""
    path = tmp_path / "own.db"
    shutil.copyfile(sqlite_demo_template, path)
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{path}", "TRYGG_LANG": "sv"}
    with serve("app.py", env=env) as url:
        yield url


@contextmanager
def serve(script: str, *options: str, env: dict | None = None):
    """``streamlit run script`` on a free port (a fixed one can silently test another app),
    until it answers ``/_stcore/health``; stopped afterwards."""
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", script, "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true",
         "--browser.gatherUsageStats", "false", *options],
        cwd=ROOT, env=env or dict(os.environ), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="session")
def _playwright():
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def playwright_devices(_playwright):
    return _playwright.devices


@pytest.fixture(scope="session")
def browser(_playwright):
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: run scripts/run-tests.sh, which installs it")
    b = _playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    yield b
    b.close()


def block_outside(context, outside: list[str] | None = None) -> list[str]:
    """Block every request of ``context`` to a host other than this machine, as with no
    internet; the blocked addresses are appended to ``outside`` (a new list by default),
    which is returned."""
    outside = [] if outside is None else outside

    def guard(route):
        if (urlparse(route.request.url).hostname or "") in LOCAL_HOSTS:
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    return outside


def guarded_page(context):
    """A new page in ``context`` whose requests to other hosts are blocked and recorded in
    ``page.outside``; console errors are kept in ``page.console_errors``."""
    outside = block_outside(context)
    p = context.new_page()
    p.outside = outside
    p.console_errors = []
    p.on("console", lambda msg: msg.type == "error" and p.console_errors.append(msg.text))
    return p


@pytest.fixture
def page(browser):
    """A desktop-sized page with no internet (see :func:`guarded_page`)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="sv-SE")
    yield guarded_page(context)
    context.close()


@pytest.fixture
def tablet(browser, playwright_devices):
    """A factory of iPad-sized touch pages with no internet, each in its own context
    (its own cookies and session, like a second tablet on the walk)."""
    contexts = []

    def new(**options):
        ipad = {k: v for k, v in playwright_devices["iPad (gen 7)"].items() if k != "default_browser_type"}
        context = browser.new_context(**{**ipad, "locale": "sv-SE",
                                         **options})
        contexts.append(context)
        return guarded_page(context)

    yield new
    for c in contexts:
        c.close()


def sign_in(page, app_url: str, username: str = "demo-planerare",
            password: str = "demo-planerare-2019") -> None:
    """Sign in through the form, as a person would."""
    page.goto(f"{app_url}/")
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill(password)
    page.get_by_role("button", name="Logga in", exact=True).click()
    page.wait_for_selector("text=Inloggad:", timeout=30_000)


def map_frame(page, timeout: float = 60_000):
    """The st_folium iframe's frame, once Leaflet has drawn in it and st_folium listens for
    clicks on its layers (a person's first click comes later than a test's)."""
    iframe = page.wait_for_selector('iframe[title="streamlit_folium.st_folium"]', timeout=timeout)
    frame = iframe.content_frame()
    frame.wait_for_selector(".leaflet-container", timeout=timeout)
    frame.wait_for_function("window.map && Object.values(window.map._layers).some("
                            "l => l.listens && l.listens('click'))", timeout=timeout)
    return frame
