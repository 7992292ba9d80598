#!/usr/bin/env bash
# Live test of the observability pack against a running klarod with a simulated fleet.
#
# Starts Debian's prometheus on a free loopback port with a throwaway data directory, scraping
# klarod every second and evaluating copies of alerts/*.yml every second, then checks through
# Prometheus's HTTP API (ops/prometheus/tools/live_check.py):
# 1. every dashboard query returns series ($host → .*, $__rate_interval → 1m);
# 2. klaro:sync_success:ratio_rate5m matches ok ÷ finished of sync_runs in PostgreSQL over the
#    same window, within the tolerance live_check.py derives (scrape step and ingest lag);
# 3. with KLARO_STOP_FLEET_CMD: that command stops the fleet, and KlaroAccountsStale and
#    KlaroOldestSuccessTooOld go pending.
# Prometheus is stopped and its data removed on exit, whether the checks pass or not.
#
# The shipped rule files are only read. The copies Prometheus loads differ in two places, for
# a test fleet whose klarod runs with a short KLARO_SYNC_INTERVAL: the `2 * 900` threshold
# becomes twice that interval, and every `for:` is multiplied by KLARO_LIVE_FOR_SCALE.
#
# Environment:
#   KLARO_URL                 klarod's base URL, e.g. http://127.0.0.1:8080 (required)
#   KLARO_DATABASE_URL        libpq URL of klarod's database (required; psql reads sync_runs;
#                             it is handed over in PG* variables, never on a command line)
#   KLARO_STOP_FLEET_CMD      shell command that stops the simulated fleet's workers (optional)
#   KLARO_SYNC_INTERVAL       sync interval the test klarod runs with, seconds (default 900)
#   KLARO_LIVE_FOR_SCALE      factor applied to every `for:` in the rule copies (default 1)
#   KLARO_LIVE_MIN_SYNCS      finished syncs needed in the window before comparing (default 20)
#   KLARO_LIVE_MIN_WINDOW     seconds of scrapes needed before comparing (default 120)
#   KLARO_LIVE_LAG_SECONDS    finished_at-to-scrape lag allowed at each window edge (default 1.5)
#   KLARO_LIVE_ALLOW_EMPTY    regex of "file: panel 'title'" allowed to return no series
#   KLARO_LIVE_STALE_TIMEOUT  seconds to wait for the stale alerts (default 2 × interval + 90)
#   KLARO_LIVE_KEEP=1         keep Prometheus's directory (its path is printed) for debugging
set -euo pipefail

# (No apostrophes inside these messages: in a double-quoted ${…:?…} one opens a single-quoted
# string, which once swallowed the second check.)
: "${KLARO_URL:?set KLARO_URL to the base URL of klarod, e.g. http://127.0.0.1:8080}"
: "${KLARO_DATABASE_URL:?set KLARO_DATABASE_URL to the PostgreSQL URL of klarod}"

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
tools="$repo_root/ops/prometheus/tools"
# shellcheck source=ops/prometheus/tools/tools.sh
source "$tools/tools.sh"
export PYTHONDONTWRITEBYTECODE=1

obs_require prometheus=prometheus promtool=prometheus psql=postgresql-client
obs_pick_python

interval="${KLARO_SYNC_INTERVAL:-900}"
for_scale="${KLARO_LIVE_FOR_SCALE:-1}"
stale_timeout="${KLARO_LIVE_STALE_TIMEOUT:-$(( ${interval%.*} * 2 + 90 ))}"

# scheme, host:port and path of KLARO_URL.
read -r scheme target base_path < <("$OBS_PYTHON" - "$KLARO_URL" <<'PY'
import sys, urllib.parse
url = urllib.parse.urlsplit(sys.argv[1])
if url.scheme not in ("http", "https") or not url.hostname:
    sys.exit(f"KLARO_URL must be http(s)://HOST:PORT, not {sys.argv[1]!r}")
port = url.port or (443 if url.scheme == "https" else 80)
host = f"[{url.hostname}]" if ":" in url.hostname else url.hostname
print(url.scheme, f"{host}:{port}", url.path.rstrip("/") or "/")
PY
)
metrics_path="${base_path%/}/metrics"

work="$(mktemp -d -t klaro-observability-live.XXXXXX)"
prometheus_pid=""
cleanup() {
    local status=$?
    if [[ -n $prometheus_pid ]] && kill -0 "$prometheus_pid" 2>/dev/null; then
        kill "$prometheus_pid" 2>/dev/null || true
        # Give it 10 s to flush and exit, then insist.
        for _ in $(seq 1 20); do
            kill -0 "$prometheus_pid" 2>/dev/null || break
            sleep 0.5
        done
        kill -KILL "$prometheus_pid" 2>/dev/null || true
        wait "$prometheus_pid" 2>/dev/null || true
    fi
    if [[ $status -ne 0 && -s $work/prometheus.log ]]; then
        echo "observability-live: Prometheus's log (last 30 lines):" >&2
        tail -n 30 "$work/prometheus.log" >&2
    fi
    if [[ ${KLARO_LIVE_KEEP:-0} == 1 ]]; then
        echo "observability-live: kept $work" >&2
    else
        rm -rf "$work"
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

pack() { "$OBS_PYTHON" "$tools/pack.py" "$@"; }

pack live-rules "$work/rules" --sync-interval "$interval" --for-scale "$for_scale"
pack live-config "$work/prometheus.yml" --target "$target" --rules "$work/rules" \
    --scheme "$scheme" --metrics-path "$metrics_path"
promtool check config "$work/prometheus.yml" >/dev/null

port="$("$OBS_PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
echo "observability-live: Prometheus on 127.0.0.1:$port scrapes $scheme://$target$metrics_path every second"
prometheus \
    --config.file="$work/prometheus.yml" \
    --storage.tsdb.path="$work/data" \
    --web.listen-address="127.0.0.1:$port" \
    --log.level=warn \
    >"$work/prometheus.log" 2>&1 &
prometheus_pid=$!

live_args=(
    --prometheus "http://127.0.0.1:$port"
    --klaro-url "$KLARO_URL"
    --min-syncs "${KLARO_LIVE_MIN_SYNCS:-20}"
    --min-window "${KLARO_LIVE_MIN_WINDOW:-120}"
    --lag "${KLARO_LIVE_LAG_SECONDS:-1.5}"
    --stale-timeout "$stale_timeout"
)
[[ -n ${KLARO_STOP_FLEET_CMD:-} ]] && live_args+=(--stop-fleet-cmd "$KLARO_STOP_FLEET_CMD")
[[ -n ${KLARO_LIVE_ALLOW_EMPTY:-} ]] && live_args+=(--allow-empty "$KLARO_LIVE_ALLOW_EMPTY")

if "$OBS_PYTHON" "$tools/live_check.py" "${live_args[@]}"; then
    echo "observability-live: passed"
else
    echo "observability-live: failed" >&2
    exit 1
fi
