"""The security headers as a browser meets them (``app.py``'s ``st.App`` middleware,
ui/headers.py), and a production start that is not safe, in Chromium: only the list of what
to fix, on every address, until it is fixed."""

from __future__ import annotations

import os
import sqlite3
import threading
import urllib.request
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

from geo import demo
from geo.store import Store
from tests.browser.conftest import serve
from ui.common import CACHE_TTL_S

pytestmark = pytest.mark.browser

CSP = "frame-ancestors 'self'; object-src 'none'; base-uri 'self'"


def headers(url: str, **sent: str) -> dict[str, str]:
    request = urllib.request.Request(url, headers={k.replace("_", "-"): v for k, v in sent.items()})
    with urllib.request.urlopen(request, timeout=30) as r:
        assert r.status == 200
        return {k.lower(): v for k, v in r.headers.items()}


def assert_protected(got: dict[str, str]) -> None:
    assert got["content-security-policy"] == CSP
    assert got["x-frame-options"] == "SAMEORIGIN"
    assert got["referrer-policy"] == "strict-origin-when-cross-origin"
    assert got["x-content-type-options"] == "nosniff"


def test_the_root_a_page_and_a_static_file_carry_the_headers(app_url):
    for path in ("/", "/logga-in", "/ga-med?kod=DEMO24", "/app/static/favicon.png"):
        got = headers(app_url + path)
        assert_protected(got)
        assert "strict-transport-security" not in got, path  # plain HTTP: no HSTS


def framing_page(url: str) -> str:
    return (f'<!doctype html><html lang="sv"><title>Ram</title><body>'
            f'<iframe id="ram" src="{url}/" width="1000" height="700"></iframe></body></html>')


@pytest.fixture
def other_origin(app_url, tmp_path):
    """A page on another origin of this machine (another port) that frames the app."""
    (tmp_path / "ram.html").write_text(framing_page(app_url), encoding="utf-8")
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietFiles, directory=str(tmp_path)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/ram.html"
    server.shutdown()
    server.server_close()


class QuietFiles(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def test_another_origin_cannot_frame_the_sign_in_the_app_itself_can(app_url, other_origin, page):
    # framed by a page of its own origin (made up by the browser's router): the sign-in shows
    page.context.route(f"{app_url}/ram-test", lambda route: route.fulfill(
        status=200, content_type="text/html", body=framing_page(app_url)))
    page.goto(f"{app_url}/ram-test")
    page.frame_locator("#ram").get_by_label("Användarnamn").wait_for(timeout=60_000)

    # framed by another origin: Chromium refuses to show it, for the frame-ancestors rule
    blocked = []
    page.on("console", lambda msg: "frame-ancestors" in msg.text and blocked.append(msg.text))
    page.goto(other_origin)
    page.wait_for_load_state("load")
    page.wait_for_timeout(3_000)  # time enough for the sign-in form, had the frame loaded
    assert page.frame_locator("#ram").get_by_label("Användarnamn").count() == 0
    frame = page.query_selector("#ram").content_frame()
    assert frame is not None and not frame.url.startswith(app_url)  # Chromium's error page
    assert blocked, "no frame-ancestors refusal in the console"


@pytest.fixture
def unsafe_production(app_url, app_db, tmp_path):
    """The app as a production start (TRYGG_ENV=production) on a copy of the demo database:
    demo accounts in it.  Started as scripts/run-app.sh starts it: no X-Forwarded-* rewriting
    by the server, the proxy on this machine named in TRUSTED_PROXIES."""
    copy = tmp_path / "kommun.db"
    with sqlite3.connect(app_db.split("///", 1)[1]) as src, sqlite3.connect(copy) as dst:
        src.backup(dst)
    url = f"sqlite:///{copy}"
    env = {**os.environ, "DATABASE_URL": url, "TRYGG_ENV": "production", "TRYGG_LANG": "sv",
           "FORWARDED_ALLOW_IPS": "", "TRUSTED_PROXIES": "127.0.0.1"}
    for name in ("SSL_CERT", "SSL_KEY", "PUBLIC_URL"):
        env.pop(name, None)
    with serve("app.py", env=env) as served:
        yield served, url


def test_an_unsafe_production_start_shows_only_what_to_fix(unsafe_production, page):
    served, url = unsafe_production
    for path in ("/", "/logga-in", "/?kod=DEMO24", "/admin"):
        page.goto(served + path)
        page.get_by_text("Appen kan inte användas ännu").first.wait_for(timeout=60_000)
        page.get_by_text("demo-admin, demo-planerare").wait_for(timeout=10_000)
        assert page.get_by_label("Användarnamn").count() == 0, path
        assert page.get_by_label("Vandringskod").count() == 0, path
    # HSTS only over HTTPS: here, the word of the trusted proxy on this machine
    assert_protected(headers(served + "/"))
    assert "strict-transport-security" not in headers(served + "/")
    assert headers(served + "/", X_Forwarded_Proto="https")["strict-transport-security"] == "max-age=31536000"

    store = Store(url)  # the admin removes the demo: a reload brings the sign-in
    demo.remove(store)
    store.dispose()
    page.wait_for_timeout((CACHE_TTL_S + 1) * 1000)  # the app's answer is kept this long
    page.goto(served + "/")
    page.get_by_label("Användarnamn").wait_for(timeout=60_000)
    assert page.get_by_text("Appen kan inte användas ännu").count() == 0
