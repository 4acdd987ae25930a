"""AppTest fixtures: the pages run against the demo data in a real database (SQLite; the page
and role tests also on PostgreSQL+PostGIS, see ``pytest_generate_tests`` in tests/conftest.py)."""

import gc
import os
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import streamlit as st
from sqlalchemy.engine import make_url
from streamlit.testing.v1 import AppTest

from geo import demo
from geo.model import SYSTEM, Actor, Role
from geo.store import Store
from tests.conftest import make_store
from ui import auth

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "main.py")  # the page script (app.py is the server that runs it)


@pytest.fixture(scope="session")
def demo_db(request, tmp_path_factory) -> str:
    """The demo data on the test's backend (see ``pytest_generate_tests`` in tests/conftest.py):
    a SQLite file, or a PostgreSQL database that is only ever cloned (a template must have no
    connections while it is copied)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('apptest') / 'demo.db'}"
        store = make_store(url)
    else:
        server = request.getfixturevalue("postgres")
        url = server.create(f"trygg_demo_{os.getpid()}", template=server.template)
        store = Store(url)
    add_test_accounts(store)
    demo.load(store)
    store.dispose()
    yield url
    if request.param != "sqlite":
        request.getfixturevalue("postgres").drop(url)


def own_copy(demo_db: str, tmp_path: Path, request) -> str:
    """A copy of the demo database for one test."""
    if demo_db.startswith("sqlite"):
        copy = tmp_path / "own.db"
        with sqlite3.connect(demo_db.split("///", 1)[1]) as src, sqlite3.connect(copy) as dst:
            src.backup(dst)
        return f"sqlite:///{copy}"
    server = request.getfixturevalue("postgres")
    url = server.create(template=make_url(demo_db).database)
    request.addfinalizer(lambda: server.drop(url))
    return url


def _fresh_caches(collect: bool = False) -> None:
    st.cache_resource.clear()  # the Store of the last test goes, and with it its connections
    st.cache_data.clear()
    if collect:
        gc.collect()


@pytest.fixture
def app_env(demo_db, tmp_path, request, monkeypatch):
    """The app on the demo data (a copy of the test's own on PostgreSQL, where the demo
    database is a template)."""
    url = demo_db if demo_db.startswith("sqlite") else own_copy(demo_db, tmp_path, request)
    monkeypatch.setenv("DATABASE_URL", url)
    _fresh_caches()
    yield url
    _fresh_caches(collect=True)


@pytest.fixture
def db(demo_db, tmp_path, request, monkeypatch) -> Store:
    """A copy of the demo database of the test's own, for tests that change it (close the
    demo's open walk, add pins): the other page tests rely on the demo as it is."""
    url = own_copy(demo_db, tmp_path, request)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.delenv("PUBLIC_URL", raising=False)
    _fresh_caches()
    store = Store(url)
    # no slow-downs from the tries of the tests that ran on the shared demo before this copy
    store.forget_old_attempts(datetime.now(UTC) + timedelta(days=1))
    yield store
    store.dispose()
    _fresh_caches(collect=True)


PLANNER = Actor(role=Role.PLANNER, name="Pia Planerare", user_id=1)
ADMIN = Actor(role=Role.ADMIN, name="Anna Admin", user_id=2)


def add_test_accounts(store: Store) -> None:
    """The accounts the page tests sign in as (:data:`PLANNER`, :data:`ADMIN`), added before
    the demo so that their ids are the actors' (a session reads its account again)."""
    for actor, username in ((PLANNER, "pia.planerare"), (ADMIN, "anna.admin")):
        added = store.add_user(SYSTEM, username=username, role=actor.role, display_name=actor.name)
        assert added.id == actor.user_id, (added, actor)


def sign_in(at: AppTest, actor: Actor) -> AppTest:
    """Sign ``actor`` into the AppTest's session for real, as :func:`ui.auth.sign_in_as` and
    :func:`ui.auth.join_as` do: a server-side session in the test's database
    (``DATABASE_URL``), whose secret the Streamlit session keeps.  An account actor must be
    one of the test database's accounts (:func:`add_test_accounts`, the demo's)."""
    store = Store(os.environ["DATABASE_URL"])
    try:
        if actor.role == Role.PARTICIPANT:
            session = auth.Session(store.reconnect_token(actor), participant=True)
        else:
            session = auth.Session(store.new_session(user_id=actor.user_id))
    finally:
        store.dispose()
    at.session_state[auth.SESSION_KEY] = session
    return at


def run(at: AppTest) -> AppTest:
    """Run (or rerun) the app and fail on any exception it showed."""
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def open_app(actor: Actor | None = PLANNER, page: str | None = None, **state) -> AppTest:
    """A new session of the whole app as ``actor`` (None: a visitor) with ``state`` in its
    session, switched to ``page`` when given."""
    at = AppTest.from_file(APP, default_timeout=60)
    if actor is not None:
        sign_in(at, actor)
    for key, value in state.items():
        at.session_state[key] = value
    run(at)
    if page is not None:
        at.switch_page(page)
        run(at)
    return at
