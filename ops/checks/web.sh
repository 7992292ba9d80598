#!/usr/bin/env bash
# The web app's suite: tsc strict, the unit tests, the build, then browser tests in a real
# headless Chromium (Selenium + axe-core) against klarod with a simulated fleet. Screenshots
# of every page at 1280×800 and 375×812 go to web/test-output/<time>/ (printed at the end).
#
# Uses the servers ops/test started (KLARO_TEST_DATABASE_URL, KLARO_TEST_REDIS_URL), with a
# database and a Redis database of its own.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
# shellcheck source=ops/lib.sh
. ops/lib.sh
: "${KLARO_TEST_DATABASE_URL:?run through ops/test, which starts PostgreSQL and Redis}"
: "${KLARO_TEST_REDIS_URL:?run through ops/test, which starts PostgreSQL and Redis}"

klaro_ensure_packages chromium chromium-driver
klaro_log "web: tsc (strict)"
ops/web check
klaro_log "web: unit tests"
ops/web test | grep -E "^# (tests|pass|fail)"
ops/web build

tmp=$(mktemp -d /tmp/klaro-web.XXXXXX)
name="klaro_web_$$"
admin=$KLARO_TEST_DATABASE_URL
database="${admin%/*}/$name"
redis="${KLARO_TEST_REDIS_URL%/*}/1001"
output="$root/web/test-output/$(date -u +%Y%m%dT%H%M%SZ)"
klarod_pid=""

cleanup() {
    local status=$?
    klaro_fleet_stop "$tmp/fleet"
    [ -n "$klarod_pid" ] && kill "$klarod_pid" 2>/dev/null && wait "$klarod_pid" 2>/dev/null
    if [ $status -ne 0 ]; then
        echo "--- klarod log (tail) ---" >&2
        tail -30 "$tmp/klarod.log" >&2 || true
    fi
    psql "$admin" -qc "DROP DATABASE IF EXISTS $name WITH (FORCE)" >/dev/null 2>&1 || true
    rm -rf "$tmp"
    exit $status
}
trap cleanup EXIT INT TERM

klaro_ensure_swift
swift build --product klarod 2>&1 | grep -E "error:" && exit 1
bin=$(swift build --show-bin-path)
python=$(klaro_worker_python)
"$python" -c 'import selenium, axe_selenium_python, pytest' 2>/dev/null \
    || "$python" -m pip install -q --disable-pip-version-check selenium axe-selenium-python pytest pyyaml >&2
"$python" -c 'import yaml' 2>/dev/null || "$python" -m pip install -q --disable-pip-version-check pyyaml >&2

psql "$admin" -qc "CREATE DATABASE $name"
redis-cli -u "$redis" FLUSHDB >/dev/null
port=$(klaro_free_port)
export KLARO_DATABASE_URL=$database KLARO_REDIS_URL=$redis KLARO_HTTP_ADDRESS="127.0.0.1:$port"
KLARO_ADMIN_TOKEN="web-admin-$(openssl rand -hex 16)"
KLARO_JWT_SECRET=$(openssl rand -hex 32)
export KLARO_ADMIN_TOKEN KLARO_JWT_SECRET
KLARO_CREDENTIAL_KEYS=$("$bin/klarod" keys generate --id web)
export KLARO_CREDENTIAL_KEYS KLARO_SYNC_INTERVAL=600 KLARO_SCHEDULER_TICK=0.2 KLARO_LOG=stderr KLARO_NODE_NAME=web
export KLARO_WEB_ROOT="$root/web/dist" KLARO_RETRY_ATTEMPTS=1
"$bin/klarod" migrate >/dev/null
"$bin/klarod" serve >"$tmp/klarod.log" 2>&1 &
klarod_pid=$!
klaro_wait_http "http://127.0.0.1:$port/readyz" 60 || klaro_die "klarod did not become ready"
# The traders sign up through klarod's built-in identity (issue 10); without it the flow cannot start.
signup=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' -d '{}' "http://127.0.0.1:$port/auth/v1/signup")
[ "$signup" != 404 ] || klaro_die "this klarod has no /auth/v1/signup (built-in sign-up, issue 10): the browser tests need it"

scenario="$tmp/scenario.json"
echo '{"seed": 11, "wrong_passwords": ["wrong-password"], "latency": {"login": {"median": 1500, "sigma": 0.1, "max": 3000}}}' >"$scenario"
klaro_fleet_start "$tmp/fleet" "$redis" 1 2 "$scenario"
klaro_approve_hosts "$database" 1

mkdir -p "$output"
export KLARO_URL="http://127.0.0.1:$port" KLARO_WEB_OUTPUT="$output" KLARO_SIM_SCENARIO="$scenario"
export SE_OFFLINE=true SE_AVOID_STATS=true
"$python" -m pytest -q -p no:cacheprovider web/tests/browser "$@"
klaro_log "screenshots: $output"
find "$output" -name '*.png' | sort | sed 's/^/  /'
