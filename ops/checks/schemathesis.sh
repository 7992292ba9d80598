#!/usr/bin/env bash
# Property-based tests of klarod's HTTP API with schemathesis (from PyPI) against
# /openapi.yaml: no 5xx, and every answer matches the spec (status, content type, headers,
# schema), over /api, /admin and the health endpoints.
#
# Uses $KLARO_TEST_DATABASE_URL and $KLARO_TEST_REDIS_URL (ops/test exports them) and makes
# its own database there; without them it starts a throwaway PostgreSQL and Redis. Builds
# klarod, migrates, starts it on a free port, makes a pro user with accounts and a week of
# trading data, registers a small fleet of worker hosts through Redis (no worker behind
# them: their jobs are lost after KLARO_JOB_DEADLINE), approves two of them, and runs
# schemathesis with the user's JWT on /api and the admin token on /admin. Admin operations
# change the fleet at random (drain, approve, rebalance…): the database is thrown away.
# Exits non-zero on any failure.
#
#   ops/checks/schemathesis.sh            the default budget (50 examples per operation)
#   KLARO_SCHEMATHESIS_EXAMPLES=200 ops/checks/schemathesis.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
# shellcheck source=ops/lib.sh
. ops/lib.sh

say() { printf 'schemathesis: %s\n' "$*" >&2; }
examples=${KLARO_SCHEMATHESIS_EXAMPLES:-50}

klaro_ensure_swift
for tool in psql curl python3 redis-cli; do
    command -v "$tool" >/dev/null || klaro_die "$tool is required (apt-get install postgresql-client curl python3 redis-tools)"
done

tmp=$(mktemp -d /tmp/klaro-schemathesis.XXXXXX)
chmod 777 "$tmp"
klarod_pid=""
database=""
# shellcheck disable=SC2317 # run by the trap below
cleanup() {
    local status=$?
    [ -n "$klarod_pid" ] && kill "$klarod_pid" 2>/dev/null && wait "$klarod_pid" 2>/dev/null
    [ -n "${redis_url:-}" ] && clear_redis
    if [ -n "$database" ]; then
        psql -q "$admin_url" -c "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null 2>&1 || true
    fi
    [ -f "$tmp/redis/redis.pid" ] && kill "$(cat "$tmp/redis/redis.pid")" 2>/dev/null
    [ -d "$tmp/pg/data" ] && klaro_pg_stop "$tmp/pg"
    rm -rf "$tmp"
    exit "$status"
}
trap cleanup EXIT INT TERM

# MARK: servers and database

if [ -z "${KLARO_TEST_DATABASE_URL:-}" ]; then
    port=$(klaro_free_port)
    say "starting a throwaway PostgreSQL on 127.0.0.1:$port"
    klaro_pg_start "$tmp/pg" "$port"
    KLARO_TEST_DATABASE_URL="postgresql://postgres@127.0.0.1:$port/postgres"
fi
if [ -z "${KLARO_TEST_REDIS_URL:-}" ]; then
    port=$(klaro_free_port)
    say "starting a throwaway Redis on 127.0.0.1:$port"
    klaro_redis_start "$tmp/redis" "$port"
    KLARO_TEST_REDIS_URL="redis://127.0.0.1:$port/0"
fi
admin_url=$KLARO_TEST_DATABASE_URL
database="klaro_schemathesis_$(python3 -c 'import uuid; print(uuid.uuid4().hex[:12])')"
psql -q "$admin_url" -c "CREATE DATABASE $database" >/dev/null
database_url=$(python3 - "$admin_url" "$database" <<'PY'
import sys, urllib.parse
url = urllib.parse.urlsplit(sys.argv[1])
print(urllib.parse.urlunsplit(url._replace(path="/" + sys.argv[2])))
PY
)
# The last of the test server's logical databases, away from the Swift tests' ones.
redis_url="${KLARO_TEST_REDIS_URL%/*}/$(( ${KLARO_TEST_REDIS_DATABASES:-16} - 1 ))"
# Klaro's keys only (registrations, heartbeats, queues), left by an earlier run or by this one.
clear_redis() {
    redis-cli -u "$redis_url" --scan --pattern 'klaro:*' 2>/dev/null | xargs -r redis-cli -u "$redis_url" DEL >/dev/null 2>&1 || true
}
clear_redis

# MARK: schemathesis

venv=${KLARO_SCHEMATHESIS_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/klaro/schemathesis-venv}
if [ ! -x "$venv/bin/st" ]; then
    say "installing schemathesis into $venv"
    if ! python3 -m venv "$venv" 2>/dev/null; then
        klaro_ensure_packages python3-venv
        rm -rf "$venv"
        python3 -m venv "$venv"
    fi
    "$venv/bin/python" -m pip install -q --disable-pip-version-check schemathesis
fi

# MARK: klarod

say "building klarod"
# A failed build must stop here, not go on with an older klarod left in .build.
if ! swift build --product klarod >"$tmp/build.log" 2>&1; then
    grep -E "error" "$tmp/build.log" >&2 || tail -20 "$tmp/build.log" >&2
    klaro_die "klarod did not build"
fi
grep -E "warning: .*(Sources|Tests)/" "$tmp/build.log" >&2 || true
klarod="$(swift build --show-bin-path)/klarod"
[ -x "$klarod" ] || klaro_die "klarod was not built"

http_port=$(klaro_free_port)
base="http://127.0.0.1:$http_port"
jwt_secret=$(python3 -c 'import secrets; print(secrets.token_hex(32))')
export KLARO_DATABASE_URL="$database_url" KLARO_REDIS_URL="$redis_url" KLARO_HTTP_ADDRESS="127.0.0.1:$http_port"
export KLARO_ADMIN_TOKEN KLARO_JWT_SECRET="$jwt_secret" KLARO_CREDENTIAL_KEYS KLARO_LOG=stderr KLARO_LOG_LEVEL=warning
KLARO_ADMIN_TOKEN=$(python3 -c 'import secrets; print(secrets.token_hex(24))')
KLARO_CREDENTIAL_KEYS=$("$klarod" keys generate --id st1)
KLARO_STRIPE_WEBHOOK_SECRET="whsec_$(python3 -c 'import secrets; print(secrets.token_hex(16))')"
export KLARO_STRIPE_WEBHOOK_SECRET
# schemathesis checks that unauthenticated calls are refused; do not let that lock it out,
# nor the built-in identity's rate limits stop its sign-ups and log-ins.
export KLARO_AUTH_FAILURE_LIMIT=0 KLARO_AUTH_RATE_LIMIT=0 KLARO_AUTH_EMAIL_RATE_LIMIT=0
export KLARO_PUBLIC_URL="$base"
# Seeded slots stay alive without new heartbeats; jobs nobody answers are lost quickly.
export KLARO_SLOT_DEAD_AFTER=3600 KLARO_JOB_DEADLINE=5 KLARO_LOST_GRACE=0
export KLARO_CORS_ORIGINS="https://app.klaro.test"

KLARO_LOG_LEVEL=warning "$klarod" migrate >/dev/null
"$klarod" serve >"$tmp/klarod.log" 2>&1 &
klarod_pid=$!
for _ in $(seq 1 100); do
    curl -fsS "$base/readyz" >/dev/null 2>&1 && break
    kill -0 "$klarod_pid" 2>/dev/null || { cat "$tmp/klarod.log" >&2; klaro_die "klarod exited"; }
    sleep 0.2
done
curl -fsS "$base/readyz" >/dev/null || { cat "$tmp/klarod.log" >&2; klaro_die "klarod is not ready"; }

# MARK: a pro user with an account and a week of data

user=$(python3 -c 'import uuid; print(uuid.uuid4())')
token=$(python3 - "$jwt_secret" "$user" "$base/auth/v1" <<'PY'
import base64, hashlib, hmac, json, sys, time
def b64(data): return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
claims = {"sub": sys.argv[2], "aud": "authenticated", "role": "authenticated", "iss": sys.argv[3],
          "exp": int(time.time()) + 7200}
payload = b64(json.dumps(claims).encode())
signature = hmac.new(sys.argv[1].encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
print(f"{header}.{payload}.{b64(signature)}")
PY
)
psql -q "$database_url" -v ON_ERROR_STOP=1 >/dev/null <<SQL
INSERT INTO users (id) VALUES ('$user');
INSERT INTO subscriptions (user_id, stripe_subscription_id, stripe_customer_id, status) VALUES ('$user', 'sub_st', 'cus_st', 'active');
SQL
account=$(curl -fsS -X POST "$base/api/accounts" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -d '{"mt5_login": 5012345, "mt5_password": "investor", "mt5_server": "Broker-Demo", "account_name": "Seed"}' \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')
psql -q "$database_url" -v ON_ERROR_STOP=1 >/dev/null <<SQL
INSERT INTO account_snapshots (id, account_id, balance, equity, profit, margin, margin_free, margin_level, currency, "timestamp")
SELECT gen_random_uuid(), '$account', 10000 + g, 10000 + g * 1.5, g * 0.5, 100, 9900, 10000, 'USD', now() - g * interval '1 hour'
FROM generate_series(0, 200) g;
INSERT INTO deals (account_id, ticket, time, time_msc, type, entry, volume, price, profit, symbol)
VALUES ('$account', 1, now() - interval '8 days', 0, 2, 0, 0, 0, 10000, '');
INSERT INTO trades (account_id, ticket, symbol, type, volume, price_open, price_close, profit, commission, magic, time, time_close,
                    is_closed, closed_volume, deal_count)
SELECT '$account', 100 + g, (ARRAY['EURUSD', 'XAUUSD', 'GBPUSD'])[1 + g % 3], CASE WHEN g % 2 = 0 THEN 'BUY' ELSE 'SELL' END,
       0.1 * (1 + g % 5), 1.1, 1.2, (g % 7 - 3) * 10, -1, g % 4, now() - (g + 2) * interval '3 hours',
       now() - (g + 1) * interval '3 hours', true, 0.1 * (1 + g % 5), 2
FROM generate_series(1, 40) g;
INSERT INTO positions (account_id, ticket, symbol, type, volume, price_open, price_current, profit, time, time_msc)
VALUES ('$account', 999, 'EURUSD', 'BUY', 0.1, 1.1, 1.11, 10, now(), 0);
SQL

# MARK: a fleet (docs/protocol.md §4–5) and accounts in several states

# st-a and st-b are approved (st-a's slot 3 busy, st-b's slot 3 dead), st-c waits for
# approval, st-bad registered a key that is not one.
declare -A fingerprints=()
while read -r host slots key fingerprint; do
    fingerprints[$host]=$fingerprint
    now=$(date +%s%3N)
    redis-cli -u "$redis_url" SET "klaro:host:$host" \
        "{\"v\":1,\"host\":\"$host\",\"slots\":$slots,\"public_key\":\"$key\",\"version\":\"schemathesis 1\",\"started_at\":$now}" >/dev/null
    for slot in $(seq 1 "$slots"); do
        state=idle job=null
        if [ "$host/$slot" = st-a/3 ]; then state=busy job="\"$(python3 -c 'import uuid; print(uuid.uuid4())')\""; fi
        redis-cli -u "$redis_url" SET "klaro:hb:$host:$slot" \
            "{\"v\":1,\"host\":\"$host\",\"slot\":$slot,\"state\":\"$state\",\"job_id\":$job,\"terminal_build\":5200,\"terminal_connected\":true,\"ts\":$now,\"pid\":$((4000 + slot)),\"restarts\":$((slot - 1))}" \
            EX 900 >/dev/null
    done
done < <(python3 <<'PY'
import base64, hashlib, os
for host, slots in (("st-a", 3), ("st-b", 3), ("st-c", 1), ("st-bad", 1)):
    raw = os.urandom(32)
    key = base64.b64encode(raw).decode() if host != "st-bad" else base64.b64encode(b"not-a-key").decode()
    fingerprint = "SHA256:" + base64.b64encode(hashlib.sha256(raw).digest()).decode().rstrip("=")
    print(host, slots, key, fingerprint)
PY
)
for _ in $(seq 1 100); do
    [ "$(psql "$database_url" -Atqc "SELECT count(*) FROM terminal_slots")" = 8 ] && break
    sleep 0.2
done
[ "$(psql "$database_url" -Atqc "SELECT count(*) FROM terminal_slots")" = 8 ] \
    || { cat "$tmp/klarod.log" >&2; klaro_die "klarod did not register the seeded hosts"; }
admin() {
    local method=$1 path=$2 body=${3:-}
    curl -fsS -X "$method" "$base$path" -H "Authorization: Bearer $KLARO_ADMIN_TOKEN" -H 'X-Klaro-Actor: schemathesis' \
        ${body:+-H 'Content-Type: application/json' -d "$body"}
}
for host in st-a st-b; do
    admin POST "/admin/hosts/$host/approve" "{\"fingerprint\": \"${fingerprints[$host]}\"}" >/dev/null
done
psql -q "$database_url" -v ON_ERROR_STOP=1 \
    -c "UPDATE terminal_slots SET last_heartbeat_at = now() - interval '2 hours' WHERE host_id = 'st-b' AND slot = 3" >/dev/null

accounts=("$account")
for login in 5012346 5012347 5012348 5012349 5012350; do
    accounts+=("$(curl -fsS -X POST "$base/api/accounts" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
        -d "{\"mt5_login\": $login, \"mt5_password\": \"investor\", \"mt5_server\": \"Broker-Live\", \"account_name\": \"Fleet $login\"}" \
        | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')")
done
psql -q "$database_url" -v ON_ERROR_STOP=1 >/dev/null <<SQL
UPDATE user_mt5_accounts SET status = 'auth_failed' WHERE id = '${accounts[1]}';
UPDATE account_schedule SET consecutive_failures = 3, last_synced = now() - interval '1 hour', last_outcome = 'auth_failed',
       last_error_code = -6, last_error_message = 'Authorization failed'
WHERE account_id = '${accounts[1]}';
UPDATE user_mt5_accounts SET is_active = false WHERE id = '${accounts[2]}';
UPDATE user_mt5_accounts SET status = 'disabled' WHERE id = '${accounts[3]}';
UPDATE user_mt5_accounts SET last_success_at = now() - interval '5 minutes' WHERE id = '$account';
UPDATE account_schedule SET last_synced = now() - interval '5 minutes', last_outcome = 'ok' WHERE account_id = '$account';
INSERT INTO sync_runs (job_id, account_id, host_id, slot, attempt, fence, state, outcome, error_code, error_message,
                       enqueued_at, deadline, started_at, finished_at, queue_wait_ms, duration_ms, login_ms, fetch_ms,
                       positions_count, deals_count)
VALUES (gen_random_uuid(), '$account', 'st-a', 1, 1, 1, 'finished', 'ok', NULL, NULL, now() - interval '5 minutes',
        now() - interval '2 minutes', now() - interval '299 seconds', now() - interval '290 seconds', 1000, 9000, 2500, 5000, 1, 42),
       (gen_random_uuid(), '$account', 'st-a', 2, 2, 2, 'finished', 'timeout', -10005, 'IPC timeout', now() - interval '20 minutes',
        now() - interval '17 minutes', now() - interval '1199 seconds', now() - interval '1020 seconds', 1000, 179000, NULL, NULL,
        NULL, NULL),
       (gen_random_uuid(), '$account', 'st-b', 1, 1, 3, 'queued', NULL, NULL, NULL, now() - interval '1 day',
        now() - interval '1 day' + interval '3 minutes', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
SQL
admin POST "/admin/accounts/${accounts[4]}/pin" '{"host": "st-b", "slot": 1}' >/dev/null

# The seeded ids, for schemathesis to use besides random ones (see ops/checks/schemathesis.toml).
{
    cat "$root/ops/checks/schemathesis.toml"
    printf '\n# Appended by schemathesis.sh: the ids of this run.\n'
    printf '[dictionaries.fleet-accounts]\nvalues = [%s]\n' "$(printf '"%s", ' "${accounts[@]}")"
    printf '[dictionaries.fleet-fingerprints]\nvalues = [%s]\n' "$(printf '"%s", ' "${fingerprints[@]}")"
} >"$tmp/schemathesis.toml"
export KLARO_SCHEMATHESIS_USER_TOKEN="$token"

# MARK: run

say "running schemathesis against $base/openapi.yaml ($examples examples per operation)"
set +e
# From the temporary directory, where schemathesis keeps its cache. One worker: two threads
# of hypothesis compiling lambdas at once hit a CPython 3.11 bug ("AST constructor recursion
# depth mismatch", gh-106905) now and then, and one is as fast here.
cd "$tmp"
"$venv/bin/st" --config-file "$tmp/schemathesis.toml" run "$base/openapi.yaml" \
    --url "$base" \
    --max-examples "$examples" \
    --generation-database none \
    --workers 1 \
    --no-color \
    --report junit --report-dir "$tmp/report" \
    2>&1 | tee "$tmp/schemathesis.log"
status=${PIPESTATUS[0]}
set -e
if grep -qE 'level=(error|critical)' "$tmp/klarod.log"; then
    say "klarod logged errors:"
    grep -E 'level=(error|critical)' "$tmp/klarod.log" | tail -20 >&2
    status=1
fi
if [ "$status" -eq 0 ]; then say "passed"; else say "FAILED (exit $status)"; fi
exit "$status"
