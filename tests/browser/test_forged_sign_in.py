"""The review's forged sign-in, tried again in Chromium.  Streamlit's identity-provider
sign-in trusts a cookie signed with ``cookie_secret``; with the example file's secret anyone
could sign one for an admin's e-mail address.  Now a cookie signed with the example secret
signs no one in (the identity provider's sign-in is off with an unsafe secret, in any
environment, and a production start refuses to run at all: tests/unit/test_production.py),
and an address the provider has not verified signs no one in either.  The control: the same
forged cookie signed with the server's own, safe secret does sign in, so the forging is real
and the refusals are the app's doing."""

from __future__ import annotations

import json
import os

import pytest
from playwright.sync_api import expect
from streamlit.web.server.starlette.starlette_app_utils import create_signed_value

from geo import production
from geo.model import SYSTEM, Role
from tests.browser.conftest import block_outside, serve
from tests.conftest import make_store

pytestmark = pytest.mark.browser

ADMIN_EMAIL = "anna.admin@kommun.se"
SAFE_SECRET = "kX3v9QmT2rLw8ZpN4bYc7HdJ6sFg1AeU5tRq0MnVxEoKiWy"
EXAMPLE_SECRET = "a-long-random-string-at-least-32-characters"
COOKIE = "_streamlit_user"  # Streamlit's sign-in cookie


@pytest.fixture
def kommun_db(tmp_path) -> str:
    """A municipality's database: no demo, one admin known by e-mail address."""
    url = f"sqlite:///{tmp_path / 'kommun.db'}"
    store = make_store(url)
    store.add_user(SYSTEM, username="anna.admin", role=Role.ADMIN, display_name="Anna Admin",
                   email=ADMIN_EMAIL)
    store.dispose()
    return url


def app_with_secret(kommun_db: str, tmp_path, secret: str):
    """The app (development, so that only the sign-in is in question) with an identity
    provider whose ``cookie_secret`` is ``secret``."""
    secrets = tmp_path / f"secrets-{len(secret)}.toml"
    secrets.write_text(
        "[auth]\n"
        'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
        f'cookie_secret = "{secret}"\n'
        'client_id = "trygghetskartan"\nclient_secret = "from-the-identity-provider"\n'
        'server_metadata_url = "https://login.kommun.se/.well-known/openid-configuration"\n',
        encoding="utf-8")
    env = {**os.environ, "DATABASE_URL": kommun_db, "TRYGG_ENV": "development", "TRYGG_LANG": "sv"}
    return serve("app.py", "--secrets.files", str(secrets), env=env)


def visit_with_forged_cookie(browser, url: str, secret: str, *, verified: object):
    """A new browser whose sign-in cookie says: the admin, signed in at the provider."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="sv-SE")
    value = create_signed_value(secret, COOKIE, json.dumps({
        "origin": url, "is_logged_in": True, "email": ADMIN_EMAIL, "email_verified": verified,
        "name": "Anna Admin"})).decode("latin-1")
    block_outside(context)  # no internet, as in every browser test
    context.add_cookies([{"name": COOKIE, "value": value, "url": url}])
    page = context.new_page()
    page.goto(url + "/")
    page.get_by_role("heading", name="Logga in", exact=True).or_(
        page.get_by_text("Inloggad:")).first.wait_for(timeout=60_000)
    page.wait_for_timeout(1500)  # time for a sign-in to show up, if it wrongly would
    return context, page


def test_the_example_secret_is_the_one_the_review_forged_with():
    assert EXAMPLE_SECRET in production.example_secrets()
    assert production.secret_problems({"cookie_secret": SAFE_SECRET}) == []


def test_a_cookie_forged_with_the_example_secret_signs_no_one_in(browser, kommun_db, tmp_path):
    with app_with_secret(kommun_db, tmp_path, EXAMPLE_SECRET) as url:
        context, page = visit_with_forged_cookie(browser, url, EXAMPLE_SECRET, verified=True)
        expect(page.get_by_label("Användarnamn")).to_be_visible()
        expect(page.get_by_text("Inloggad:")).to_have_count(0)
        # the identity provider's sign-in is off: no button for it
        expect(page.get_by_role("button", name="Logga in med kommunens konto")).to_have_count(0)
        page.goto(url + "/admin")
        page.get_by_label("Användarnamn").wait_for(timeout=60_000)
        expect(page.get_by_role("heading", name="Administration")).to_have_count(0)
        context.close()


def test_a_forged_cookie_signs_in_only_with_the_servers_secret_and_a_verified_address(
        browser, kommun_db, tmp_path):
    with app_with_secret(kommun_db, tmp_path, SAFE_SECRET) as url:
        # unverified: the provider has not confirmed the address, so it may be anyone's
        context, page = visit_with_forged_cookie(browser, url, SAFE_SECRET, verified="true")
        expect(page.get_by_text("Identitetstjänsten har inte bekräftat e-postadressen")).to_be_visible()
        expect(page.get_by_text("Inloggad:")).to_have_count(0)
        context.close()
        # the control: signed with the server's own secret and verified, it is a sign-in
        context, page = visit_with_forged_cookie(browser, url, SAFE_SECRET, verified=True)
        expect(page.get_by_text("Inloggad: Anna Admin")).to_be_visible(timeout=30_000)
        context.close()
