"""AppTest fixtures: the pages run against a real SQLite file with the demo data."""

from pathlib import Path

import pytest
import streamlit as st

from geo import demo
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
