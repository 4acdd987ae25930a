#!/usr/bin/env bash
# Run the whole test suite after the set-up it needs: first the tooling (ruff's lint and
# mypy's types, settings in pyproject.toml; strict for geo/), then pytest – unit (the store
# tests on SQLite and on PostgreSQL+PostGIS), app (AppTest; every page on both backends) and browser
# (Playwright + Debian Chromium, headless, no internet) – in parallel worker processes
# (pytest-xdist; TEST_WORKERS sets how many, 0 runs them in this process).
# Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --tests
echo "run-tests: ruff" >&2
.venv/bin/ruff check .
echo "run-tests: mypy" >&2
.venv/bin/mypy
# PostgreSQL + PostGIS for the store tests (Debian's packages, a local cluster, no Docker)
bash scripts/postgres.sh start >/dev/null
exec .venv/bin/python -m pytest -n "${TEST_WORKERS:-2}" "$@"
