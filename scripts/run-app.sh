#!/usr/bin/env bash
# Start Trygghetskartan at http://localhost:8501 on the embedded SQLite database with demo
# data (set-up included). DATABASE_URL selects another database; PORT another port;
# SSL_CERT and SSL_KEY (PEM files) serve it over HTTPS, which tablets need for GPS (README).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/python -m geo init --demo
tls=()
if [[ -n "${SSL_CERT:-}" || -n "${SSL_KEY:-}" ]]; then
  for f in "${SSL_CERT:-}" "${SSL_KEY:-}"; do
    [[ -r "$f" ]] || { echo "SSL_CERT and SSL_KEY must both name readable PEM files (got '$f')" >&2; exit 2; }
  done
  tls=(--server.sslCertFile "$SSL_CERT" --server.sslKeyFile "$SSL_KEY")
fi
exec .venv/bin/streamlit run app.py --server.port "${PORT:-8501}" --server.address "${ADDRESS:-0.0.0.0}" "${tls[@]}" "$@"
