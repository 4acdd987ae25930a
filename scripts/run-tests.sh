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
# PostgreSQL + PostGIS for the store tests (Debian's packages, a local cluster, no Docker)
bash scripts/postgres.sh start >/dev/null
# The project's own modules compiled once, for the many processes the tests start.
.venv/bin/python -m compileall -q -x '/[.]' . >/dev/null
# mypy (about a minute on one core) runs beside pytest, whose workers leave a core partly idle
# while they wait for browsers and servers; either failing fails the command.
echo "run-tests: mypy and pytest" >&2
mypy_log=$(mktemp)
.venv/bin/mypy >"$mypy_log" 2>&1 & mypy_pid=$!
status=0
.venv/bin/python -m pytest -n "${TEST_WORKERS:-2}" "$@" || status=$?
mypy_status=0
wait "$mypy_pid" || mypy_status=$?
echo "run-tests: mypy: $(tail -1 "$mypy_log")" >&2
if [ "$mypy_status" -ne 0 ]; then cat "$mypy_log" >&2; status=1; fi
rm -f "$mypy_log"
exit "$status"
