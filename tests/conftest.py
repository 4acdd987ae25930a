"""Shared fixtures: a real, migrated database for every test that needs one.

``TEST_DATABASE_URL`` points the store tests at another server (PostgreSQL+PostGIS follows in
its own issue); by default each test gets its own SQLite file in a temporary folder.
"""

from __future__ import annotations

import pytest

from geo import catalog, districts
from geo.store import Store


def make_store(url: str) -> Store:
    store = Store(url)
    store.migrate()
    store.sync_catalog(catalog.load(), districts.load())
    return store


@pytest.fixture
def store(tmp_path) -> Store:
    s = make_store(f"sqlite:///{tmp_path / 'test.db'}")
    yield s
    s.dispose()
