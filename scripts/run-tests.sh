#!/usr/bin/env bash
# Run the whole test suite – unit, app (AppTest) and browser (Playwright + Debian Chromium,
# headless, no internet) – after the set-up it needs. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --tests
exec .venv/bin/python -m pytest "$@"
