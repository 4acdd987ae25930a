"""AppTest fixtures: the pages run against a real SQLite file with the demo data."""

import sqlite3
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from geo import demo
from geo.model import Actor, Role
from geo.store import Store
from tests.conftest import make_store

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('apptest') / 'demo.db'}"
    store = make_store(url)
    demo.load(store)
    store.dispose()
    return url


@pytest.fixture
def app_env(demo_db, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", demo_db)
    st.cache_resource.clear()
    st.cache_data.clear()
    yield demo_db
    st.cache_resource.clear()
    st.cache_data.clear()


@pytest.fixture
def db(demo_db, tmp_path, monkeypatch) -> Store:
    """A copy of the demo database of the test's own, for tests that change it (close the
    demo's open walk, add pins): the other page tests rely on the demo as it is."""
    copy = tmp_path / "own.db"
    with sqlite3.connect(demo_db.split("///", 1)[1]) as src, sqlite3.connect(copy) as dst:
        src.backup(dst)
    url = f"sqlite:///{copy}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.delenv("PUBLIC_URL", raising=False)
    st.cache_resource.clear()
    st.cache_data.clear()
    store = Store(url)
    yield store
    store.dispose()
    st.cache_resource.clear()
    st.cache_data.clear()


PLANNER = Actor(role=Role.PLANNER, name="Pia Planerare", user_id=1)


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
        at.session_state["actor"] = actor
    for key, value in state.items():
        at.session_state[key] = value
    run(at)
    if page is not None:
        at.switch_page(page)
        run(at)
    return at
