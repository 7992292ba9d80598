#!/usr/bin/env bash
# The analytics oracle (issue 12): klarod and the real Python worker (simulator backend) sync
# four simulated accounts with a year of history on a UTC+2/+3 broker; then
# ops/checks/analytics_oracle.py recomputes cumulative return, max drawdown, Sharpe, Sortino,
# volatility, CAGR, Calmar, profit factor, win rate and payoff from the raw deals with
# empyrical-reloaded and quantstats (from PyPI, into the worker's virtual environment) and
# compares each with klarod's answer to 1e-6 relative.
#
# Uses the servers ops/test started (KLARO_TEST_DATABASE_URL, KLARO_TEST_REDIS_URL), with a
# database and a Redis database of its own.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=ops/lib.sh
. ops/lib.sh
accounts=4
klaro_check_init oracle 1001
python=$(klaro_worker_python)
"$python" -c 'import empyrical, quantstats' 2>/dev/null \
    || "$python" -m pip install -q --disable-pip-version-check empyrical-reloaded quantstats >&2

klaro_check_build
export KLARO_SYNC_INTERVAL=600 KLARO_SCHEDULER_TICK=0.2
klaro_check_serve oracle

# Accounts opened a year ago on a broker at UTC+2 in winter and UTC+3 in summer. A deposit or
# withdrawal a day on average (the simulator's default is one in ten days): the simulated prices
# follow the calendar, so with the default an account's year of trading went broke on 73 of the
# 150 days from a month before 2026-12-07 (seed 12, account 7100001; CI failed that day), and
# time-weighted returns have no meaning on a non-positive balance. Deposits outweigh withdrawals:
# no account went broke on any of 144 days checked from then to a year later.
epoch=$(($(date +%s) - 366 * 86400))
cat >"$tmp/scenario.json" <<JSON
{"seed": 12, "epoch": $epoch, "trades_per_day": 6, "balance_ops_per_day": 1,
 "servers": {"Oracle-Live": {"utc_offset_hours": 2, "dst": "new_york"}},
 "accounts": [{"login": 7100000, "deposit": 10000}, {"login": 7100001, "deposit": 25000},
              {"login": 7100002, "deposit": 50000}, {"login": 7100003, "deposit": 5000}]}
JSON
klaro_fleet_start "$tmp/fleet" "$redis" 1 2 "$tmp/scenario.json"
"$python" - "$tmp/accounts.jsonl" "$accounts" <<'PY'
import json, sys, uuid
with open(sys.argv[1], "w") as out:
    for n in range(int(sys.argv[2])):
        out.write(json.dumps({"user_id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"oracle-{n}")), "mt5_login": 7100000 + n,
                              "mt5_password": f"investor-{n}", "mt5_server": "Oracle-Live"}) + "\n")
PY
"$bin/klarod" accounts import "$tmp/accounts.jsonl" >/dev/null
psql "$database" -qc "INSERT INTO subscriptions (user_id, stripe_subscription_id, stripe_customer_id, status)
    SELECT id, 'sub_' || id, 'cus_' || id, 'active' FROM users" >/dev/null
klaro_approve_hosts "$database" 1

klaro_log "waiting for $accounts accounts' whole history"
q() { psql "$database" -Atqc "$1"; }
for _ in $(seq 1 600); do
    [ "$(q "SELECT count(*) FROM user_mt5_accounts WHERE history_complete AND last_success_at IS NOT NULL")" -ge "$accounts" ] && break
    sleep 0.2
done
[ "$(q "SELECT count(*) FROM user_mt5_accounts WHERE history_complete")" -ge "$accounts" ] \
    || klaro_die "only $(q "SELECT count(*) FROM user_mt5_accounts WHERE history_complete") of $accounts accounts have their whole history"
"$python" ops/checks/analytics_oracle.py "$database" "http://127.0.0.1:$port" "$KLARO_JWT_SECRET"
