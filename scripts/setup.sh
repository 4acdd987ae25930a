#!/usr/bin/env bash
# Set-up shared by the two README commands: a virtual environment with the pinned packages,
# and (with --tests) Debian's Chromium for the browser tests. Safe to run again: it only
# does what is missing. Needs Python 3.11; installs Debian packages with apt-get (as root,
# or through sudo).
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

stamp=.venv/.requirements.sha256
if ! sha256sum --status -c "$stamp" 2>/dev/null; then
  echo "setup: installing Python packages (requirements.txt)" >&2
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -r requirements.txt
  sha256sum requirements.txt > "$stamp"
fi

if [ "$want_tests" = 1 ] && [ ! -x /usr/bin/chromium ]; then
  apt_install chromium fonts-dejavu-core
fi
