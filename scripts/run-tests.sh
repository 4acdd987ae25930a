#!/usr/bin/env bash
# Run the whole test suite – unit (the store tests on SQLite and on PostgreSQL+PostGIS), app
# (AppTest, on both backends) and browser (Playwright + Debian Chromium, headless, no
# internet) – after the set-up it needs. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --tests
# PostgreSQL + PostGIS for the store tests (Debian's packages, a local cluster, no Docker)
bash scripts/postgres.sh start >/dev/null
exec .venv/bin/python -m pytest "$@"
