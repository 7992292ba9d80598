#!/usr/bin/env bash
# Worker checks: install what is missing, then ruff (lint, complexity, format) and pytest (against a real Redis).
#
# Works on a fresh Debian machine with Python >= 3.11 and pip. Uses $KLARO_TEST_REDIS_URL when
# given; otherwise the tests start their own redis-server (installed here with apt-get if missing
# and we are root). Python packages go into a virtual environment when the system Python is
# "externally managed" (PEP 668, Debian 12+), or straight into the current Python otherwise.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
WORKER="$ROOT/worker"
PYTHON="${PYTHON:-python3}"

say() { printf 'worker checks: %s\n' "$*" >&2; }

command -v "$PYTHON" >/dev/null || { say "$PYTHON not found; install Python >= 3.11"; exit 1; }
"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' \
    || { say "Python >= 3.11 needed, found $("$PYTHON" -V 2>&1)"; exit 1; }

managed="$("$PYTHON" -c 'import os, sys, sysconfig; print(int(sys.prefix == sys.base_prefix and os.path.exists(os.path.join(sysconfig.get_path("stdlib"), "EXTERNALLY-MANAGED"))))')"
if [[ "$managed" == 1 ]]; then
    VENV="${KLARO_WORKER_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/klaro/worker-venv}"
    if [[ ! -x "$VENV/bin/python" ]]; then
        say "system Python is externally managed; creating a virtual environment in $VENV"
        if ! "$PYTHON" -m venv "$VENV" 2>/dev/null; then
            if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
                say "installing python3-venv"
                apt-get install -y -qq python3-venv >/dev/null || { apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null; }
                rm -rf "$VENV"
                "$PYTHON" -m venv "$VENV"
            else
                say "cannot create a virtual environment: install python3-venv"; exit 1
            fi
        fi
    fi
    PYTHON="$VENV/bin/python"
fi

# Install the package (editable, from this checkout) and the tools when anything is missing.
if ! "$PYTHON" - "$WORKER" <<'PY' 2>/dev/null
import os, sys
import cryptography, jsonschema, pytest, redis, rpyc  # noqa: F401
import klaro_worker
from klaro_worker.backends.mt5linux import RPYC_VERSION
ours = os.path.realpath(klaro_worker.__file__).startswith(os.path.realpath(sys.argv[1]) + os.sep)
sys.exit(0 if ours and rpyc.__version__ == RPYC_VERSION else 1)
PY
then
    say "installing klaro-worker[test] from $WORKER"
    "$PYTHON" -m pip install -q --disable-pip-version-check -e "${WORKER}[test]"
fi
if ! "$PYTHON" -m ruff --version >/dev/null 2>&1; then
    say "installing ruff"
    "$PYTHON" -m pip install -q --disable-pip-version-check ruff
fi

if [[ -z "${KLARO_TEST_REDIS_URL:-}" ]] && ! command -v redis-server >/dev/null && [[ ! -x /usr/bin/redis-server ]]; then
    if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
        say "installing redis-server (tests start their own throwaway instance)"
        apt-get install -y -qq redis-server >/dev/null || { apt-get update -qq && apt-get install -y -qq redis-server >/dev/null; }
    else
        say "no redis-server and no KLARO_TEST_REDIS_URL: install redis-server or point KLARO_TEST_REDIS_URL at a test Redis"
        exit 1
    fi
fi

cd "$WORKER"
say "ruff (lint, complexity limits in pyproject.toml, and format)"
"$PYTHON" -m ruff check .
"$PYTHON" -m ruff format --check . || { say "run: ruff format worker/"; exit 1; }
say "pytest"
"$PYTHON" -m pytest -q
