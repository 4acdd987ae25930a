"""A known admin password never comes back by itself, and a production start refuses to run
unsafely: the command line as an admin runs it (real database files), and
geo/production.py's checks on both backends."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from geo import demo, production
from geo.auth import hash_password
from geo.errors import Refused
from geo.model import SYSTEM
from tests.conftest import cli_runner

ROOT = Path(__file__).resolve().parents[2]
GOOD_SECRET = "Vq3x_8JmT2-kPz0sLr6NwYb4HcFe9GdA1uQiOt7"  # 39 characters, random
PRODUCTION = {"TRYGG_ENV": "production", "ADDRESS": "127.0.0.1"}


@pytest.fixture
def cli(tmp_path, monkeypatch):
    """``python -m geo`` (:func:`tests.conftest.cli_runner`) on a database file of the test's
    own, started from ``tmp_path`` (so ``tmp_path/.streamlit/secrets.toml`` is the project's
    secrets file), with a home of its own (no ``~/.streamlit/secrets.toml`` of the machine's)."""
    (tmp_path / "home").mkdir()
    return cli_runner(monkeypatch, {"DATABASE_URL": f"sqlite:///{tmp_path / 'kommun.db'}", "TRYGG_LANG": "sv",
                                    "HOME": str(tmp_path / "home"), "ADDRESS": None, "SSL_CERT": None,
                                    "SSL_KEY": None, "PUBLIC_URL": None}, cwd=tmp_path)


def secrets_file(folder: Path, cookie_secret: str | None) -> None:
    (folder / ".streamlit").mkdir(exist_ok=True)
    line = f'cookie_secret = "{cookie_secret}"\n' if cookie_secret is not None else ""
    (folder / ".streamlit" / "secrets.toml").write_text(
        '[auth]\nredirect_uri = "https://trygghet.kommun.se/oauth2callback"\n' + line
        + 'client_id = "trygghetskartan"\nclient_secret = "x"\n'
        'server_metadata_url = "https://login.kommun.se/.well-known/openid-configuration"\n', encoding="utf-8")


# --- the demo is a choice ----------------------------------------------------------------------
def test_the_review_repro_ends_without_demo_accounts(cli):
    """geo init, an admin, init --demo, demo remove, init --demo: no demo-admin again."""
    assert cli("init").returncode == 0
    assert cli("user", "add", "anna.p", "--role", "admin", "--password-stdin",
               stdin="ett-bra-losenord\n").returncode == 0
    refused = cli("init", "--demo")
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert "egna konton (anna.p)" in refused.stderr and "--force-demo" in refused.stderr

    forced = cli("init", "--demo", "--force-demo")  # told: a test database after all
    assert forced.returncode == 0 and "Demodata inläst" in forced.stdout, forced.stderr
    assert cli("demo", "remove").returncode == 0

    again = cli("init", "--demo")  # what scripts/run-app.sh runs on every start
    assert again.returncode == 0, again.stderr
    today = datetime.now(UTC).astimezone(production_zone()).date().isoformat()
    assert f"Demodata togs bort {today}" in again.stdout and "inget lästes in" in again.stdout
    listing = cli("user", "list").stdout
    assert "demo-" not in listing and "anna.p" in listing


def production_zone():
    from geo.i18n import STOCKHOLM
    return STOCKHOLM


def test_an_explicit_demo_load_brings_a_removed_demo_back(cli):
    assert cli("init", "--demo").returncode == 0
    assert cli("demo", "remove").returncode == 0
    back = cli("demo", "load")
    assert back.returncode == 0 and "Demodata inläst" in back.stdout, back.stderr
    assert "Demodata finns redan" in cli("init", "--demo").stdout  # loaded again: not "removed"


def test_demo_load_refuses_a_database_with_accounts_of_its_own(store):
    store.add_user(SYSTEM, username="lena", role="planner", password_hash=hash_password("trygg-i-kvall-2026"))
    with pytest.raises(Refused) as e:
        demo.load_by_choice(store, explicit=True)
    assert e.value.key == "cli.demo_own_accounts" and "lena" in e.value.message("en")
    assert store.user("demo-admin") is None and not store.has_demo()


# --- production or not -------------------------------------------------------------------------
@pytest.mark.parametrize(("env", "expected"), [
    ({}, False),                                                      # the embedded default
    ({"DATABASE_URL": "postgresql://trygg@db/trygghet"}, True),
    ({"DATABASE_URL": "sqlite:///var/kommun.db"}, True),              # a database of its own
    ({"TRYGG_ENV": "production"}, True),
    ({"TRYGG_ENV": "Prod"}, True),                                    # anything but dev/test
    ({"TRYGG_ENV": "development", "DATABASE_URL": "postgresql://x@db/t"}, False),
    ({"TRYGG_ENV": "test", "DATABASE_URL": "sqlite:///t.db"}, False),
    ({"TRYGG_ENV": "", "DATABASE_URL": ""}, False),
])
def test_what_counts_as_production(env, expected):
    assert production.is_production(env) is expected


# --- the checks, on both backends ---------------------------------------------------------------
def test_a_clean_production_database_passes(store):
    store.add_user(SYSTEM, username="anna.p", role="admin", password_hash=hash_password("ett-bra-losenord"))
    assert production.problems(store, auth={"cookie_secret": GOOD_SECRET}, address="127.0.0.1", tls=False) == []
    assert production.problems(store, auth=None, address="0.0.0.0", tls=True) == []  # local accounts, TLS
    assert production.problems(store, auth=None, address="0.0.0.0", tls=False,
                               public_url="https://trygghet.kommun.se") == []   # a TLS proxy in front


def test_demo_accounts_or_demo_walks_refuse_a_production_start(store):
    store.add_user(SYSTEM, username="demo-admin", role="admin", password_hash=hash_password("demo-admin-2019"),
                   is_demo=True)
    [problem] = production.problems(store, auth=None, address="127.0.0.1", tls=False)
    assert problem.key == "production.demo_accounts"
    assert "demo-admin" in problem.message("sv") and "python -m geo demo remove" in problem.message("sv")
    demo.remove(store)
    assert production.problems(store, auth=None, address="127.0.0.1", tls=False) == []
    store.add_walk(SYSTEM, slug="demo-oppen", district_id="andersberg", title="Demo",
                   starts_at=datetime(2026, 5, 1, 18, tzinfo=UTC), status="open", is_demo=True)
    assert [p.key for p in production.demo_problems(store)] == ["production.demo_data"]


@pytest.mark.parametrize(("secret", "key"), [
    ("a-long-random-string-at-least-32-characters", "production.secret_example"),  # the example's
    ("kort-hemlighet", "production.secret_short"),
    ("a" * 40, "production.secret_weak"),
    ("", "production.secret_missing"),
    (None, "production.secret_missing"),
])
def test_weak_cookie_secrets_are_refused(secret, key):
    auth = {"client_id": "trygghetskartan"} | ({} if secret is None else {"cookie_secret": secret})
    [problem] = production.secret_problems(auth)
    assert problem.key == key
    assert "cookie_secret" in problem.message("sv") and "cookie_secret" in problem.message("en")
    assert production.secret_problems(None) == []  # no identity provider: local accounts only
    assert production.secret_problems({"cookie_secret": GOOD_SECRET}) == []


def test_the_example_files_own_secret_is_recognised():
    example = production.read_auth([production.EXAMPLE_SECRETS])
    assert example is not None
    assert [p.key for p in production.secret_problems(example)] == ["production.secret_example"]


def test_secrets_are_read_as_streamlit_reads_them(tmp_path):
    """Later files replace an earlier file's top-level sections; a broken file counts as none."""
    home, project = tmp_path / "home", tmp_path / "project"
    for folder in (home, project):
        folder.mkdir()
    secrets_file(home, "hem" * 20)
    files = production.secrets_files(root=project, cwd=project, home=home)
    assert files == [home / ".streamlit" / "secrets.toml", project / ".streamlit" / "secrets.toml"]
    assert production.read_auth(files)["cookie_secret"] == "hem" * 20
    secrets_file(project, GOOD_SECRET)
    assert production.read_auth(files)["cookie_secret"] == GOOD_SECRET
    (project / ".streamlit" / "secrets.toml").write_text("[auth\n", encoding="utf-8")
    assert production.read_auth(files)["cookie_secret"] == "hem" * 20
    assert production.read_auth([tmp_path / "none.toml"]) is None


@pytest.mark.parametrize(("address", "tls", "public_url", "refused"), [
    ("127.0.0.1", False, "", False),
    ("localhost", False, "", False),
    ("0.0.0.0", False, "", True),
    ("", False, "", True),             # Streamlit's default: every interface
    ("192.168.1.20", False, "http://192.168.1.20:8501", True),
    ("0.0.0.0", True, "", False),
    ("0.0.0.0", False, "https://trygghet.kommun.se", False),
])
def test_plain_http_on_the_network_is_refused(address, tls, public_url, refused):
    problems = production.address_problems(address, tls=tls, public_url=public_url)
    assert [p.key for p in problems] == (["production.plain_http"] if refused else [])


# --- python -m geo preflight --------------------------------------------------------------------
def test_preflight_refuses_an_unsafe_production_start_and_names_each_problem(cli, tmp_path):
    assert cli("init", "--demo").returncode == 0
    secrets_file(tmp_path, "a-long-random-string-at-least-32-characters")
    r = cli("preflight", **{**PRODUCTION, "ADDRESS": "0.0.0.0"})
    assert r.returncode == 1 and "Traceback" not in r.stderr
    lines = [line for line in r.stderr.splitlines() if line.startswith("Ej säkert:")]
    assert len(lines) == 3, r.stderr
    assert "demo-admin, demo-planerare" in lines[0]
    assert "exempelfilens värde" in lines[1] and "0.0.0.0" in lines[2]
    assert "Appen startas inte: 3 problem" in r.stderr

    secrets_file(tmp_path, "kort")
    assert "för kort (4 tecken, minst 32)" in cli("preflight", **PRODUCTION).stderr
    # the embedded default with the demo is no production start: nothing refused
    assert cli("preflight", TRYGG_ENV="development").returncode == 0


def test_preflight_passes_a_clean_production_database(cli, tmp_path):
    assert cli("init").returncode == 0
    assert cli("user", "add", "anna.p", "--role", "admin", "--password-stdin",
               stdin="ett-bra-losenord\n").returncode == 0
    secrets_file(tmp_path, GOOD_SECRET)
    env = {**PRODUCTION, "TRYGG_ENV": ""}  # no TRYGG_ENV: a DATABASE_URL makes it production
    ok = cli("preflight", **env)
    assert ok.returncode == 0 and "Produktionsstart: inga demokonton" in ok.stdout, ok.stderr
    demo_again = cli("init", "--demo")  # a real admin: the demo is refused, the start stays safe
    assert demo_again.returncode == 1 and cli("preflight", **env).returncode == 0


# --- the security headers (ui/headers.py), on a bare ASGI app --------------------------------------
def respond(client: str, scheme: str = "http", headers: dict[str, str] | None = None,
            trusted: str = "", own: list[tuple[bytes, bytes]] | None = None) -> dict[str, list[str]]:
    """The response headers the middleware gives a request from ``client``."""
    from geo.source import parse_proxies
    from tests import asgi
    from ui.headers import SecurityHeaders

    middleware = SecurityHeaders(asgi.answering(own or []), trusted=parse_proxies(trusted))
    return asgi.response_headers(asgi.call(middleware, asgi.scope(client, scheme=scheme, headers=headers)))


def test_every_response_gets_the_headers_and_hsts_only_over_https():
    plain = respond("192.168.1.7")
    assert plain["content-security-policy"] == ["frame-ancestors 'self'; object-src 'none'; base-uri 'self'"]
    assert plain["x-frame-options"] == ["SAMEORIGIN"]
    assert plain["referrer-policy"] == ["strict-origin-when-cross-origin"]
    assert plain["x-content-type-options"] == ["nosniff"]
    assert "strict-transport-security" not in plain
    assert respond("192.168.1.7", scheme="https")["strict-transport-security"] == ["max-age=31536000"]
    # X-Forwarded-Proto counts only from a proxy named in TRUSTED_PROXIES
    https = {"X-Forwarded-Proto": "https"}
    assert "strict-transport-security" in respond("127.0.0.1", headers=https, trusted="127.0.0.1")
    assert "strict-transport-security" not in respond("127.0.0.1", headers=https)
    assert "strict-transport-security" not in respond("203.0.113.9", headers=https, trusted="127.0.0.1")
    # a header a route set itself stays as it is, once
    kept = respond("192.168.1.7", own=[(b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY")])
    assert kept["x-content-type-options"] == ["nosniff"] and kept["x-frame-options"] == ["DENY"]
