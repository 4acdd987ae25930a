"""The command line as an admin runs it, on a real database file: its entry point in this
process (``tests.conftest.cli_runner``), and once as a real process."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import cli_runner

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def cli(tmp_path, monkeypatch):
    return cli_runner(monkeypatch, {"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "TRYGG_LANG": "sv"})


def test_python_m_geo_is_a_real_command(tmp_path):
    """``python -m geo`` in a process of its own: exit codes and words as a shell sees them."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "TRYGG_LANG": "sv"}

    def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "geo", *args], cwd=ROOT, env=env, input=stdin,
                              capture_output=True, text=True, timeout=120)

    assert run("init").returncode == 0
    r = run("user", "add", "Första.Admin", "--role", "admin", "--password-stdin", stdin="ett-bra-losenord\n")
    assert r.returncode == 0, r.stderr
    assert "första.admin" in run("user", "list").stdout
    r = run("user", "disable", "ingen")
    assert r.returncode == 1 and "Traceback" not in r.stderr and r.stderr.strip()
    assert run("purge", "--before", "igår").returncode == 2  # argparse: not a date


def test_first_admin_users_and_sign_in(cli):
    assert cli("init").returncode == 0
    r = cli("user", "add", "Första.Admin", "--role", "admin", "--password-stdin",
            stdin="ett-bra-losenord\n")
    assert r.returncode == 0, r.stderr
    assert "första.admin" in cli("user", "list").stdout
    r = cli("user", "add", "kort", "--role", "planner", "--password-stdin", stdin="kort\n")
    assert r.returncode == 1 and "minst 10 tecken" in r.stderr and "Traceback" not in r.stderr
    r = cli("user", "add", "första.admin", "--role", "planner", "--password-stdin", stdin="ett-bra-losenord\n")
    assert r.returncode == 1 and "finns redan" in r.stderr
    assert cli("user", "disable", "första.admin").returncode == 0
    assert "disabled" in cli("user", "list").stdout
    r = cli("user", "disable", "ingen")
    assert r.returncode == 1 and "Traceback" not in r.stderr


def test_demo_brings_accounts_and_takes_them_away(cli):
    assert cli("init", "--demo").returncode == 0
    listing = cli("user", "list").stdout
    assert "demo-admin" in listing and "demo-planerare" in listing
    r = cli("demo", "remove")
    assert r.returncode == 0 and "Demodata borttagen" in r.stdout
    assert "demo-" not in cli("user", "list").stdout


def test_purge_removes_names_before_a_date(cli):
    assert cli("init", "--demo").returncode == 0
    r = cli("purge", "--before", "2020-01-01")
    assert r.returncode == 0, r.stderr
    assert "Personuppgifter före 2020-01-01 borttagna" in r.stdout
    r = cli("purge", "--before", "igår")
    assert r.returncode == 2  # argparse: not a date


def test_check_finds_nothing_on_a_sound_database_and_names_what_is_wrong(cli, tmp_path):
    import sqlite3

    assert cli("init", "--demo").returncode == 0
    ok = cli("check")
    assert ok.returncode == 0 and "Inget fel hittades" in ok.stdout, ok.stderr
    with sqlite3.connect(tmp_path / "cli.db") as db:  # a row whose history is gone
        oid = db.execute("SELECT min(id) FROM observation").fetchone()[0]
        db.execute("DELETE FROM status_change WHERE entity = 'observation' AND entity_id = ?", (oid,))
    bad = cli("check")
    assert bad.returncode == 1 and f"observation without history: [{oid}]" in bad.stderr
    assert "1 fel i databasen" in bad.stdout and "Traceback" not in bad.stderr


def test_export_by_bounding_box(cli, tmp_path):
    import json

    assert cli("init", "--demo").returncode == 0
    out = tmp_path / "ruta.geojson"
    r = cli("export", str(out), "--bbox", "12.895,56.655,12.905,56.665")
    assert r.returncode == 0, r.stderr
    points = [f["geometry"]["coordinates"] for f in json.loads(out.read_text())["features"]]
    assert points and all(12.895 <= x <= 12.905 and 56.655 <= y <= 56.665 for x, y in points)
    everything = tmp_path / "alla.geojson"
    assert cli("export", str(everything)).returncode == 0
    assert len(json.loads(everything.read_text())["features"]) > len(points)
    r = cli("export", str(tmp_path / "x.geojson"), "--bbox", "56.66,12.9,56.67,12.91")  # swapped
    assert r.returncode == 1 and "väst,syd,öst,nord" in r.stderr
    r = cli("export", str(tmp_path / "x.geojson"), "--bbox", "tolv")
    assert r.returncode == 2
