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
klaro_ensure_packages chromium chromium-driver
klaro_log "web: tsc (strict)"
ops/web check
klaro_log "web: unit tests"
ops/web test | grep -E "^# (tests|pass|fail)"
ops/web build

klaro_check_init web 1001
output="$root/web/test-output/$(date -u +%Y%m%dT%H%M%SZ)"
klaro_check_build
python=$(klaro_worker_python)
"$python" -c 'import selenium, axe_selenium_python, pytest' 2>/dev/null \
    || "$python" -m pip install -q --disable-pip-version-check selenium axe-selenium-python pytest pyyaml >&2
"$python" -c 'import yaml' 2>/dev/null || "$python" -m pip install -q --disable-pip-version-check pyyaml >&2

export KLARO_SYNC_INTERVAL=600 KLARO_SCHEDULER_TICK=0.2 KLARO_WEB_ROOT="$root/web/dist" KLARO_RETRY_ATTEMPTS=1
klaro_check_serve web
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
