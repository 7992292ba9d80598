#!/usr/bin/env bash
# Interoperability, end to end: klarod and a fleet of the real Python worker (klaro-worker
# host, MT5 simulator backend) sync 100 accounts; the database must then hold their snapshots,
# positions, deals and trades, consistent with each other. Then the observability pack's live
# test runs against this klarod (Prometheus scraping it; stopping the fleet must raise the
# stale-account alerts).
#
# Uses the servers ops/test started (KLARO_TEST_DATABASE_URL, KLARO_TEST_REDIS_URL), with a
# database and a Redis database of its own.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=ops/lib.sh
. ops/lib.sh
accounts=${KLARO_E2E_ACCOUNTS:-100}
klaro_check_init e2e 1000
klaro_check_build
export KLARO_SYNC_INTERVAL=10 KLARO_SCHEDULER_TICK=0.2
klaro_check_serve e2e

klaro_log "fleet: 2 simulated worker hosts × 3 slots (Python klaro-worker, sim backend)"
# A few IPC timeouts, so that the success rate the live test compares is not trivially 1.
echo '{"seed": 3, "faults": {"ipc_timeout_rate": 0.02, "ipc_timeout_ms": 200, "calls": ["login"]}}' >"$tmp/scenario.json"
klaro_fleet_start "$tmp/fleet" "$redis" 2 3 "$tmp/scenario.json"
python3 - "$tmp/accounts.jsonl" "$accounts" <<'PY'
import json, sys, uuid
with open(sys.argv[1], "w") as out:
    for n in range(int(sys.argv[2])):
        out.write(json.dumps({"user_id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"e2e-{n % 7}")), "mt5_login": 8100000 + n,
                              "mt5_password": f"investor-{n}", "mt5_server": ["E2E-Demo", "E2E-Live"][n % 2]}) + "\n")
PY
"$bin/klarod" accounts import --ignore-plan "$tmp/accounts.jsonl" >/dev/null
# Pro traders: their whole history is fetched (the free plan's is 30 days), so the balance
# can be checked against the sum of every deal.
psql "$database" -qc "INSERT INTO subscriptions (user_id, stripe_subscription_id, stripe_customer_id, status)
    SELECT id, 'sub_' || id, 'cus_' || id, 'active' FROM users" >/dev/null
klaro_approve_hosts "$database" 2

klaro_log "waiting for $accounts accounts to sync"
q() { psql "$database" -Atqc "$1"; }
# Up to 5 minutes (it takes ~20 s): a job lost to an injected IPC timeout is retried only after
# its deadline, which once left one account unsynced at 2 minutes on a loaded machine.
for _ in $(seq 1 600); do
    [ "$(q "SELECT count(*) FROM user_mt5_accounts WHERE last_success_at IS NOT NULL")" -ge "$accounts" ] && break
    sleep 0.5
done
synced=$(q "SELECT count(*) FROM user_mt5_accounts WHERE last_success_at IS NOT NULL")
[ "$synced" -ge "$accounts" ] || klaro_die "only $synced of $accounts accounts synced"

failures=()
check() {
    local what=$1 got=$2 want=$3
    if [ "$got" = "$want" ]; then echo "ok   $what ($got)"; else echo "FAIL $what: $got, expected $want"; failures+=("$what"); fi
}
check "accounts with a snapshot" "$(q "SELECT count(DISTINCT account_id) FROM account_snapshots")" "$accounts"
check "accounts without deals" "$(q "SELECT count(*) FROM user_mt5_accounts a WHERE NOT EXISTS (SELECT 1 FROM deals d WHERE d.account_id = a.id)")" 0
check "accounts with trades" "$(q "SELECT count(DISTINCT account_id) FROM trades")" "$accounts"
# Positions against the simulator: each account's stored positions must be the ones the
# simulator had open while its last ok sync ran (one snapshot of the database, so positions
# and run agree). A position that opened or closed during that sync makes the account
# ambiguous; it is left out of the comparison and counted.
q "SELECT a.mt5_login, a.mt5_server, (extract(epoch FROM r.started_at) * 1000)::bigint,
          (extract(epoch FROM r.finished_at) * 1000)::bigint,
          coalesce((SELECT string_agg(p.ticket::text, ',' ORDER BY p.ticket) FROM positions p WHERE p.account_id = a.id), '')
   FROM user_mt5_accounts a
   JOIN LATERAL (SELECT started_at, finished_at FROM sync_runs r WHERE r.account_id = a.id AND r.outcome = 'ok'
                 ORDER BY r.finished_at DESC LIMIT 1) r ON true" >"$tmp/positions.txt"
read -r with_positions expected_with ambiguous differing < <("$(klaro_worker_python)" - "$tmp/scenario.json" "$tmp/positions.txt" <<'PY'
import sys
from klaro_worker.mt5sim.broker import SyntheticBroker
from klaro_worker.mt5sim.scenario import load_scenario

broker = SyntheticBroker(load_scenario(sys.argv[1]))
stored_with = expected_with = ambiguous = differing = 0
for line in open(sys.argv[2]):
    login, server, started, finished, tickets = line.rstrip("\n").split("|")
    profile = broker.profile(int(login), server)
    before = {p.ticket for p in broker.positions(profile, int(started))}
    after = {p.ticket for p in broker.positions(profile, int(finished))}
    stored = {int(t) for t in tickets.split(",") if t}
    if before != after:
        ambiguous += 1
        continue
    stored_with += bool(stored)
    expected_with += bool(before)
    differing += stored != before
print(stored_with, expected_with, ambiguous, differing)
PY
)
check "accounts with positions (against the simulator)" "$with_positions" "$expected_with"
check "accounts whose positions differ from the simulator's" "$differing" 0
check "some accounts hold positions" "$([ "${expected_with:-0}" -gt 0 ] && echo yes || echo no)" yes
check "accounts left out as ambiguous (a position opened or closed during the sync), at most 10 %" \
    "$([ "${ambiguous:-$accounts}" -le $((accounts / 10)) ] && echo yes || echo "no ($ambiguous)")" yes
# Set-based: a subquery per trade scans the account's deals each time (200,000 trades × 4,500
# deals took over 15 minutes).
check "closed trades whose profit differs from their deals'" "$(q "
    SELECT count(*) FROM trades t
    JOIN (SELECT account_id, position_id, sum(profit) AS profit FROM deals WHERE type IN (0, 1) GROUP BY 1, 2) d
      ON d.account_id = t.account_id AND d.position_id = t.ticket
    WHERE t.is_closed AND abs(t.profit - d.profit) > 0.005")" 0
check "snapshots whose balance is not the sum of the deals" "$(q "
    SELECT count(*) FROM user_mt5_accounts a
    JOIN LATERAL (SELECT balance FROM account_snapshots s WHERE s.account_id = a.id ORDER BY \"timestamp\" DESC LIMIT 1) s ON true
    WHERE abs(s.balance - (SELECT sum(profit + commission + swap + fee) FROM deals d WHERE d.account_id = a.id)) > 0.01
      AND NOT EXISTS (SELECT 1 FROM sync_runs r WHERE r.account_id = a.id AND r.deals_count >= 20000)")" 0
check "sync runs neither ok nor a simulated IPC timeout" "$(q "SELECT count(*) FROM sync_runs WHERE state = 'finished' AND outcome NOT IN ('ok', 'timeout')")" 0
check "results rejected" "$(curl -s "http://127.0.0.1:$port/metrics" | awk '/^klaro_results_rejected_total/ {n += $NF} END {print n + 0}')" 0
[ ${#failures[@]} -eq 0 ] || klaro_die "end-to-end checks failed: ${failures[*]}"

klaro_log "live observability test against this klarod"
fleet_pids=$(cat "$tmp"/fleet/*.pid | tr '\n' ' ')
KLARO_URL="http://127.0.0.1:$port" KLARO_STOP_FLEET_CMD="kill $fleet_pids" KLARO_LIVE_FOR_SCALE=0.02 \
    KLARO_LIVE_MIN_WINDOW=${KLARO_LIVE_MIN_WINDOW:-60} ops/checks/observability-live.sh
