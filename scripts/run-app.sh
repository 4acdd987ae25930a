#!/usr/bin/env bash
# Start Trygghetskartan at http://localhost:8501 on the embedded SQLite database with demo
# data (set-up included). DATABASE_URL selects another database; PORT another port.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/python -m geo init --demo
exec .venv/bin/streamlit run app.py --server.port "${PORT:-8501}" --server.address "${ADDRESS:-0.0.0.0}" "$@"
