# shellcheck shell=bash
# shellcheck disable=SC2154 # tmp is set by ops/bench, which sources this file
# `ops/bench web`, sourced by ops/bench after it started PostgreSQL and Redis: a release
# klarod serving the built app, a simulated fleet whose accounts have a year of deals, then
# web/tests/bench/bench_web.py in headless Chromium.
klaro_ensure_packages chromium chromium-driver
ops/web build
klaro_log "building klarod (release)"
swift build -c release --product klarod 2>&1 | grep -E "error|Build" | tail -2
bin=$(swift build -c release --show-bin-path)
port=$(klaro_free_port)
KLARO_ADMIN_TOKEN="bench-admin-$(openssl rand -hex 16)"
KLARO_JWT_SECRET=$(openssl rand -hex 32)
KLARO_WEB_ROOT="$(pwd)/web/dist"
export KLARO_HTTP_ADDRESS="127.0.0.1:$port" KLARO_ADMIN_TOKEN KLARO_JWT_SECRET KLARO_WEB_ROOT
export KLARO_LOG=stderr KLARO_SYNC_INTERVAL=3600 KLARO_SCHEDULER_TICK=0.2
KLARO_CREDENTIAL_KEYS=$("$bin/klarod" keys generate --id bench)
export KLARO_CREDENTIAL_KEYS
"$bin/klarod" migrate >/dev/null
"$bin/klarod" serve >"$tmp/klarod.log" 2>&1 &
echo $! >"$tmp/klarod.pid"
klaro_wait_http "http://$KLARO_HTTP_ADDRESS/readyz" 60 || { tail -20 "$tmp/klarod.log" >&2; klaro_die "klarod did not become ready"; }
epoch=$(( $(date +%s) - 365 * 86400 ))
echo "{\"seed\": 5, \"epoch\": $epoch, \"latency\": {\"login\": {\"median\": 50}}}" >"$tmp/scenario.json"
klaro_fleet_start "$tmp/fleet" "$KLARO_REDIS_URL" 1 4 "$tmp/scenario.json"
klaro_approve_hosts "$KLARO_DATABASE_URL" 1
python=$(klaro_worker_python)
"$python" -c 'import selenium' 2>/dev/null || "$python" -m pip install -q --disable-pip-version-check selenium >&2
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), load $(cut -d' ' -f1-3 /proc/loadavg); $(chromium --version 2>/dev/null)"
status=0
KLARO_URL="http://$KLARO_HTTP_ADDRESS" SE_OFFLINE=true SE_AVOID_STATS=true "$python" web/tests/bench/bench_web.py || status=$?
klaro_fleet_stop "$tmp/fleet"
kill "$(cat "$tmp/klarod.pid")" 2>/dev/null || true
[ $status -eq 0 ] || klaro_die "web benchmark failed"
