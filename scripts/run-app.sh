#!/usr/bin/env bash
# Start Trygghetskartan at http://localhost:8501 (set-up included).
#
# Without DATABASE_URL: the embedded SQLite database, with the demo data (DEMO=0: without; never
# again after `python -m geo demo remove`). With DATABASE_URL (or TRYGG_ENV=production) the
# database is only migrated, and `python -m geo preflight` refuses an unsafe production start
# (demo accounts, a weak cookie_secret, plain HTTP on the network): README, "Security".
# ADDRESS is where it listens (default 127.0.0.1: this machine only; ADDRESS=0.0.0.0 for tablets
# on the LAN, with TLS); PORT another port; SSL_CERT and SSL_KEY (PEM files) serve it over
# HTTPS, which tablets need for GPS (README).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
demo=()  # the demo only into the embedded database, and not when TRYGG_ENV says production
if [[ -z "${DATABASE_URL:-}" && "${DEMO:-1}" != 0 && "${TRYGG_ENV:-development}" =~ ^(development|test)$ ]]; then
  demo=(--demo)
fi
.venv/bin/python -m geo init "${demo[@]}"
tls=()
if [[ -n "${SSL_CERT:-}" || -n "${SSL_KEY:-}" ]]; then
  for f in "${SSL_CERT:-}" "${SSL_KEY:-}"; do
    [[ -r "$f" ]] || { echo "SSL_CERT and SSL_KEY must both name readable PEM files (got '$f')" >&2; exit 2; }
  done
  tls=(--server.sslCertFile "$SSL_CERT" --server.sslKeyFile "$SSL_KEY")
fi
export ADDRESS="${ADDRESS:-127.0.0.1}"
# uvicorn never rewrites the peer or the scheme from X-Forwarded-* headers by itself: the app
# believes them only from the proxies named in TRUSTED_PROXIES (README: Serving over HTTPS).
export FORWARDED_ALLOW_IPS=
.venv/bin/python -m geo preflight  # exits 1, naming each problem, when a production start is unsafe
exec .venv/bin/streamlit run app.py --server.port "${PORT:-8501}" --server.address "$ADDRESS" "${tls[@]}" "$@"
