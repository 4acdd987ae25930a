"""Shared fixtures: a real, migrated database for every test that needs one, on both backends.

``store`` (and ``new_store`` for a second database) is parametrised over SQLite – a file of the
test's own – and PostgreSQL with PostGIS – a database of the test's own on the local server
that ``scripts/postgres.sh`` installs and starts (Debian's packages, a cluster under /tmp, no
Docker).  ``TEST_POSTGRES_URL`` points at another server instead (the role must be allowed to
create databases, and PostGIS must be installable there).  The server is started once per
session, and stopped at its end when this session started it.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Callable, Mapping
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from geo import demo
from geo.__main__ import main as cli_main
from geo.store import Store, normal_url, open_store

ROOT = Path(__file__).resolve().parent.parent
BACKENDS = ["sqlite", "postgresql"]
# The tests run the app and the command line on databases of their own (DATABASE_URL), the
# demo data included: not a production start (geo/production.py). The processes they start
# inherit this; the tests of a production start set TRYGG_ENV=production themselves.
os.environ["TRYGG_ENV"] = "test"


def make_store(url: str) -> Store:
    return open_store(url, migrate="always")


def cli_runner(monkeypatch, env: Mapping[str, str | None], cwd: Path | None = None):
    """``python -m geo`` as the tests run it: the command line's own entry point
    (:func:`geo.__main__.main`) in this process, with ``env`` set (None: unset) and the
    working directory ``cwd``, answering what a process would (exit code, stdout, stderr).
    A new interpreter per command costs a second or two of imports; the entry point itself
    is tried as a real process in tests/unit/test_cli.py."""

    def run(*args: str, stdin: str = "", **more_env: str) -> subprocess.CompletedProcess:
        out, err = io.StringIO(), io.StringIO()
        with monkeypatch.context() as m:
            for name, value in {**env, **more_env}.items():
                if value is None:
                    m.delenv(name, raising=False)
                else:
                    m.setenv(name, value)
            if cwd is not None:
                m.chdir(cwd)
            m.setattr(sys, "stdin", io.StringIO(stdin))
            with redirect_stdout(out), redirect_stderr(err):
                try:
                    code = cli_main(list(args))
                except SystemExit as e:  # argparse refusing the arguments
                    code = e.code if isinstance(e.code, int) else 1
        return subprocess.CompletedProcess(["python", "-m", "geo", *args], code, out.getvalue(), err.getvalue())

    return run


class PostgresServer:
    """The test server: makes and drops databases cloned from a migrated template."""

    def __init__(self, url: str) -> None:
        self.url = make_url(normal_url(url))
        self.admin = create_engine(self.url, isolation_level="AUTOCOMMIT", pool_size=1, pool_pre_ping=True)
        self.template = f"trygg_template_{os.getpid()}"
        self._made: set[str] = set()

    def url_of(self, name: str) -> str:
        return self.url.set(database=name).render_as_string(hide_password=False)

    def create(self, name: str | None = None, template: str | None = None) -> str:
        name = name or f"trygg_test_{uuid.uuid4().hex[:12]}"
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"' + (
                f' TEMPLATE "{template}" STRATEGY FILE_COPY' if template else "")))
        return self.url_of(name)

    def drop(self, url: str) -> None:
        name = make_url(url).database
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def build_template(self) -> None:
        """The schema at head and the catalogue: what every test database starts from."""
        store = make_store(self.create(self.template))
        store.dispose()

    def demo_template(self) -> str:
        """A template with the demo data too (made on first use): what a test that needs the
        demo starts from, instead of loading it again."""
        name = f"{self.template}_demo"
        if name not in self._made:
            store = Store(self.create(name, template=self.template))
            demo.load(store)
            store.dispose()
            self._made.add(name)
        return name

    def close(self) -> None:
        for name in (*self._made, self.template):
            self.drop(self.url_of(name))
        self.admin.dispose()


def start_postgres() -> tuple[str, bool]:
    """The local test server's URL (started if it is not running), and whether it was."""
    script = ["bash", str(ROOT / "scripts" / "postgres.sh")]
    running = subprocess.run([*script, "status"], capture_output=True).returncode == 0
    done = subprocess.run([*script, "start"], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"scripts/postgres.sh start failed:\n{done.stderr}")
    return done.stdout.strip().splitlines()[-1], not running


@pytest.fixture(scope="session")
def postgres() -> PostgresServer:
    url, started = os.environ.get("TEST_POSTGRES_URL"), False
    if not url:
        url, started = start_postgres()
    server = PostgresServer(url)
    server.build_template()
    yield server
    server.close()
    if started:
        subprocess.run(["bash", str(ROOT / "scripts" / "postgres.sh"), "stop"], check=False)


def pytest_generate_tests(metafunc) -> None:
    """The backends a test runs on.  The store's own tests (every test with the ``store``,
    ``new_store`` or ``empty_url`` fixture) run on both: the store is the one module that
    speaks SQL, and both backends must give the same answers.  The page tests (the
    ``demo_db`` fixture) run on SQLite: pages reach the database only through the store, whose
    methods the store tests run on both; ``tests/app/test_pages.py`` and
    ``test_roles_pages.py`` still run every page on both.  A module or a test says otherwise
    with ``@pytest.mark.backends("sqlite", …)``."""
    marker = metafunc.definition.get_closest_marker("backends")
    if "backend" in metafunc.fixturenames:
        metafunc.parametrize("backend", list(marker.args) if marker else BACKENDS, indirect=True)
    if "demo_db" in metafunc.fixturenames:
        metafunc.parametrize("demo_db", list(marker.args) if marker else ["sqlite"], indirect=True,
                             scope="session")


def pytest_collection_modifyitems(items) -> None:
    """The long tests first, then the browser tests, then the rest: pytest-xdist hands tests to
    its workers in this order, so no worker starts a minute-long test when the others are
    nearly done."""
    def rank(item) -> int:
        if item.get_closest_marker("slow"):
            return 0
        return 1 if "browser" in item.path.parts else 2
    items.sort(key=rank)


@pytest.fixture
def backend(request) -> str:
    return request.param


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A SQLite file migrated to head with the catalogue, made once per test process: each
    test's database is a copy of it (the same as migrating it anew, in a fraction of the time)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    make_store(f"sqlite:///{path}").dispose()
    return path


@pytest.fixture(scope="session")
def sqlite_demo_template(sqlite_template, tmp_path_factory) -> Path:
    """:func:`sqlite_template` with the demo data loaded (once per test process)."""
    path = tmp_path_factory.mktemp("template") / "demo.db"
    shutil.copyfile(sqlite_template, path)
    store = Store(f"sqlite:///{path}")
    demo.load(store)
    store.dispose()
    return path


@pytest.fixture
def new_store(backend, tmp_path, request):
    """Makes migrated stores with the catalogue on the test's backend: ``new_store("name")``;
    ``new_store("name", demo=True)`` with the demo data too (a copy of a database it was
    loaded into once, through :func:`geo.demo.load`)."""
    made: list[tuple[Store, str]] = []

    def make(name: str = "test", demo: bool = False) -> Store:
        if backend == "sqlite":
            path = tmp_path / f"{name}.db"
            shutil.copyfile(request.getfixturevalue("sqlite_demo_template" if demo else "sqlite_template"), path)
            url = f"sqlite:///{path}"
        else:
            server = request.getfixturevalue("postgres")
            url = server.create(template=server.demo_template() if demo else server.template)
        s = Store(url)
        made.append((s, url))
        return s

    yield make
    for s, url in made:
        s.dispose()
        if backend == "postgresql":
            request.getfixturevalue("postgres").drop(url)


@pytest.fixture
def empty_url(backend, tmp_path, request) -> str:
    """An empty database (no schema) on the test's backend."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    server = request.getfixturevalue("postgres")
    url = server.create()
    yield url
    server.drop(url)


@pytest.fixture
def store(new_store) -> Store:
    return new_store()


@pytest.fixture
def demo_store(new_store) -> Store:
    """A store with the demo data (see :func:`new_store`)."""
    return new_store(demo=True)


@pytest.fixture
def store_url(store) -> str:
    """The test database's URL, for another process or another Store on the same data."""
    return store.engine.url.render_as_string(hide_password=False)


@dataclass
class OwnServer:
    server: PostgresServer
    stop: Callable[[], object]
    start: Callable[[], object]


@pytest.fixture(scope="session")
def own_postgres() -> OwnServer:
    """A PostgreSQL server for the fault tests to stop and start (the shared one keeps
    running): port 54339, its own cluster."""
    env = {**os.environ, "TRYGG_PGPORT": "54339", "TRYGG_PGDATA": "/tmp/trygghetskartan-pg-faults"}
    script = ["bash", str(ROOT / "scripts" / "postgres.sh")]
    url = subprocess.run([*script, "start"], env=env, check=True, capture_output=True,
                         text=True).stdout.strip().splitlines()[-1]
    own = OwnServer(PostgresServer(url),
                    lambda: subprocess.run([*script, "stop"], env=env, check=True),
                    lambda: subprocess.run([*script, "start"], env=env, check=True, capture_output=True))
    yield own
    own.server.admin.dispose()
    subprocess.run([*script, "stop"], env=env, check=False)
