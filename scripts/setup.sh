#!/usr/bin/env bash
# Set-up shared by the two README commands: a virtual environment with the pinned packages
# (installed by uv, pinned below: the same wheels as pip, in half the time), and (with
# --tests) Debian's Chromium for the browser tests and PostgreSQL+PostGIS for the store tests,
# installed while the Python packages are. Safe to run again: it only does what is missing.
# Needs Python 3.11; installs Debian packages with apt-get (as root, or through sudo).
set -euo pipefail
cd "$(dirname "$0")/.."

want_tests=0
[ "${1:-}" = "--tests" ] && want_tests=1

apt_install() {
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: installing Debian packages: $*" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

PY="${PYTHON:-}"
if [ -z "$PY" ]; then
  for cand in python3.11 python3; do
    if command -v "$cand" >/dev/null && "$cand" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
      PY="$cand"; break
    fi
  done
fi
[ -n "$PY" ] || { echo "setup: Python 3.11 is needed (set PYTHON=/path/to/python3.11)" >&2; exit 1; }

if [ ! -x .venv/bin/python ]; then
  if ! "$PY" -m venv .venv 2>/dev/null; then
    rm -rf .venv
    apt_install python3-venv
    "$PY" -m venv .venv
  fi
fi

debian_packages() {  # what the tests need from Debian, one apt-get at a time
  [ -x /usr/bin/chromium ] || apt_install chromium fonts-dejavu-core
  bash scripts/postgres.sh install
}
debs_pid=""
if [ "$want_tests" = 1 ]; then
  debian_packages & debs_pid=$!
fi

UV_VERSION=0.13.9
stamp=.venv/.requirements.sha256
if ! sha256sum --status -c "$stamp" 2>/dev/null; then
  echo "setup: installing Python packages (requirements.txt)" >&2
  [ -x .venv/bin/uv ] || .venv/bin/python -m pip install -q "uv==$UV_VERSION"
  .venv/bin/uv pip install -q --compile-bytecode --python .venv/bin/python -r requirements.txt
  sha256sum requirements.txt > "$stamp"
fi

[ -z "$debs_pid" ] || wait "$debs_pid"
