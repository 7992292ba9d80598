#!/usr/bin/env bash
# Adaptive scheduling end to end (issue 13): klarod and the real Python worker (simulator
# backend) sync moving, quiet and dormant accounts; with a 12 s interval (moving 4 s, dormant
# 48 s) moving accounts must be synced far more often than quiet ones and dormant ones rarely;
# a manual sync of a dormant account goes at once. Then two thirds of the slots go: intervals stretch
# (dormant, then quiet) and every account is still synced; the slots come back: every class is
# on target again.
#
# Uses the servers ops/test started (KLARO_TEST_DATABASE_URL, KLARO_TEST_REDIS_URL), with a
# database and a Redis database of its own.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=ops/lib.sh
. ops/lib.sh

klaro_check_init adaptive 1002
klaro_check_build
export KLARO_SYNC_INTERVAL=12 KLARO_SCHEDULER_TICK=0.2 KLARO_SLOT_DEAD_AFTER=3 KLARO_JOB_DEADLINE=20 KLARO_LOST_GRACE=2
# Refill windows to the scale of these intervals (seconds, not minutes): see the bound below.
export KLARO_REFILL_WINDOW_SECONDS=2
klaro_check_serve adaptive
python=$(klaro_worker_python)
q() { psql "$database" -Atqc "$1"; }
failures=()
check() {
    local what=$1 got=$2 want=$3
    if [ "$got" = "$want" ]; then echo "ok   $what ($got)"; else echo "FAIL $what: $got, expected $want"; failures+=("$what"); fi
}

# Six accounts of each kind on a broker opened 30 days ago: moving ones trade all day, quiet and
# dormant ones never traded after their deposit; dormant ones have been watched for 30 days.
"$python" - "$tmp/scenario.json" "$tmp/accounts.jsonl" <<'PY'
import json, sys, time, uuid
accounts, lines = [], []
for kind, base in (("moving", 9100000), ("quiet", 9200000), ("dormant", 9300000)):
    for n in range(6):
        rates = {"trades_per_day": 300} if kind == "moving" else {"trades_per_day": 0, "balance_ops_per_day": 0}
        accounts.append({"login": base + n, "deposit": 10000, **rates})
        lines.append({"user_id": str(uuid.uuid5(uuid.NAMESPACE_URL, "adaptive")), "mt5_login": base + n,
                      "mt5_password": f"investor-{n}", "mt5_server": "Adaptive-Demo"})
scenario = {"seed": 13, "epoch": int(time.time()) - 30 * 86400, "accounts": accounts,
            "latency": {"login": {"median": 1000, "sigma": 0.1, "max": 2000}}}
json.dump(scenario, open(sys.argv[1], "w"))
open(sys.argv[2], "w").write("".join(json.dumps(line) + "\n" for line in lines))
PY
"$bin/klarod" accounts import --ignore-plan "$tmp/accounts.jsonl" >/dev/null
q "UPDATE user_mt5_accounts SET created_at = now() - interval '30 days' WHERE mt5_login >= 9300000" >/dev/null
klaro_fleet_start "$tmp/fleet" "$redis" 3 2 "$tmp/scenario.json"
klaro_approve_hosts "$database" 3

# A first sync fetches 30 days of history (9,000 deals for a moving account): ~15 s for all on
# a quiet machine, several times that beside builds.
klaro_log "adaptive: waiting for every account's first sync"
for _ in $(seq 1 360); do
    [ "$(q "SELECT count(*) FROM user_mt5_accounts WHERE last_success_at IS NOT NULL")" -ge 18 ] && break
    sleep 0.5
done
check "accounts synced" "$(q "SELECT count(*) FROM user_mt5_accounts WHERE last_success_at IS NOT NULL")" 18
# One quiet interval for the classes to settle (a first sync classifies), then 60 s counted.
sleep 12
since=$(q "SELECT now()")
sleep 60
syncs() {  # login range → min, max and mean ok syncs per account since $since
    q "SELECT min(n), max(n), round(avg(n), 1) FROM (SELECT a.id, count(r.job_id) AS n FROM user_mt5_accounts a
       LEFT JOIN sync_runs r ON r.account_id = a.id AND r.outcome = 'ok' AND r.finished_at > '$since'
       WHERE a.mt5_login BETWEEN $1 AND $2 GROUP BY a.id) t"
}
IFS='|' read -r moving_min moving_max moving_mean < <(syncs 9100000 9199999)
IFS='|' read -r quiet_min quiet_max quiet_mean < <(syncs 9200000 9299999)
IFS='|' read -r dormant_min dormant_max dormant_mean < <(syncs 9300000 9399999)
echo "ok syncs per account in 60 s (min-max, mean): moving $moving_min-$moving_max, $moving_mean; quiet $quiet_min-$quiet_max, $quiet_mean; dormant $dormant_min-$dormant_max, $dormant_mean"
check "classes (moving, quiet, dormant)" "$(q "SELECT string_agg(c, ',' ORDER BY c) FROM (SELECT DISTINCT
    CASE WHEN a.mt5_login < 9200000 THEN 'moving' WHEN a.mt5_login < 9300000 THEN 'quiet' ELSE 'dormant' END
    || '=' || s.sync_class AS c FROM user_mt5_accounts a JOIN account_schedule s ON s.account_id = a.id) t")" \
    "dormant=dormant,moving=moving,quiet=quiet"
# Targets 4 s, 12 s and 48 s: about 15, 5 and 1 syncs a minute on a quiet machine. On a busy
# one (CI beside builds) every sync takes longer and moving accounts, whose 4 s interval is
# mostly sync time, lose the most; what must hold whatever the load is the order and the gap.
check "no moving account synced less often than a quiet one" \
    "$([ "$moving_min" -ge "$quiet_max" ] && echo yes || echo "no ($moving_min < $quiet_max)")" yes
check "moving accounts synced at least twice as often as quiet ones (means $moving_mean, $quiet_mean)" \
    "$(awk -v m="$moving_mean" -v q="$quiet_mean" 'BEGIN { print (m >= 2 * q) ? "yes" : "no" }')" yes
check "quiet accounts synced 3 to 7 times" "$([ "$quiet_min" -ge 3 ] && [ "$quiet_max" -le 7 ] && echo yes || echo "no ($quiet_min-$quiet_max)")" yes
check "dormant accounts synced at most twice" "$([ "$dormant_max" -le 2 ] && echo yes || echo "no ($dormant_max)")" yes
check "no class stretched" "$(q "SELECT count(*) FROM sync_class_stretch WHERE factor > 1")" 0

klaro_log "adaptive: a manual sync of a dormant account goes at once"
dormant=$(q "SELECT id FROM user_mt5_accounts WHERE mt5_login = 9300000")
before=$(q "SELECT count(*) FROM sync_runs WHERE account_id = '$dormant' AND outcome = 'ok'")
curl -sf -X POST -H "Authorization: Bearer $KLARO_ADMIN_TOKEN" "http://127.0.0.1:$port/admin/accounts/$dormant/sync" >/dev/null
# At once: dispatched on the next tick, ahead of the slot's scheduled jobs, so it waits at most
# for the jobs already queued on its slot (2 of ~1.1 s each here) — well under its 48 s interval.
requested=$SECONDS
for _ in $(seq 1 80); do
    [ "$(q "SELECT count(*) FROM sync_runs WHERE account_id = '$dormant' AND outcome = 'ok'")" -gt "$before" ] && break
    sleep 0.25
done
echo "manual sync finished after $((SECONDS - requested)) s"
check "manual sync done within 20 s" "$(q "SELECT count(*) FROM sync_runs WHERE account_id = '$dormant' AND outcome = 'ok'")" $((before + 1))

# About 1.1 s a sync: 6·1.1/4 + 6·1.1/12 + 6·1.1/48 ≈ 2.4 busy slots, under 0.8 × 6 live slots
# and over 0.8 × 2.
klaro_log "adaptive: two of three hosts go; intervals stretch, every account is still synced"
for host in sim-2 sim-3; do
    kill "$(cat "$tmp/fleet/$host.pid")"
    rm -f "$tmp/fleet/$host.pid"
done
for _ in $(seq 1 120); do
    [ "$(q "SELECT factor > 1 FROM sync_class_stretch WHERE sync_class = 'quiet'")" = t ] && break
    sleep 0.5
done
q "SELECT sync_class || ' ' || factor FROM sync_class_stretch ORDER BY sync_class" | tr '\n' ' '; echo
check "quiet stretched (the alert's expression is above 1)" \
    "$(curl -s "http://127.0.0.1:$port/metrics" | awk '/^klaro_sync_stretch_factor\{class="quiet"\}/ {print ($2 > 1) ? "yes" : "no"}')" yes
sleep 45
# Dispatch takes a slot's due jobs longest first within refill windows of their ranks
# (docs/scheduling.md): a due job may wait for longer ones ranking up to one window after it. At
# production intervals (moving 5 min) the default 30 s is a tenth of an interval; this check sets
# 2 s (KLARO_REFILL_WINDOW_SECONDS above) and the bound adds one window.
window=$KLARO_REFILL_WINDOW_SECONDS
check "every account synced within twice its stretched interval (+ one refill window)" "$(q "
    SELECT count(*) FROM account_schedule s JOIN sync_class_stretch f ON f.sync_class = s.sync_class
    WHERE s.status = 'active' AND now() - s.last_success_at > make_interval(secs => 2 * f.factor *
          CASE s.sync_class WHEN 'moving' THEN 4 WHEN 'quiet' THEN 12 ELSE 48 END + 5 + $window)")" 0
# Which accounts were late, if any: their class, age and the bound.
q "SELECT s.sync_class || ' ' || round(extract(epoch FROM now() - s.last_success_at)::numeric, 1) || ' s > '
          || round((2 * f.factor * CASE s.sync_class WHEN 'moving' THEN 4 WHEN 'quiet' THEN 12 ELSE 48 END + 5 + $window)::numeric, 1)
          || ' s (avg sync ' || coalesce(s.avg_sync_ms, 0) || ' ms)'
   FROM account_schedule s JOIN sync_class_stretch f ON f.sync_class = s.sync_class
   WHERE s.status = 'active' AND now() - s.last_success_at > make_interval(secs => 2 * f.factor *
         CASE s.sync_class WHEN 'moving' THEN 4 WHEN 'quiet' THEN 12 ELSE 48 END + 5 + $window)" | sed 's/^/late: /'
check "jobs in flight within the live slots' queues (2 slots × depth 2)" \
    "$([ "$(q "SELECT count(*) FROM account_schedule WHERE inflight_job_id IS NOT NULL")" -le 4 ] && echo yes || echo no)" yes

klaro_log "adaptive: the hosts come back; every class returns to its target"
klaro_fleet_start "$tmp/fleet" "$redis" 3 2 "$tmp/scenario.json"
for _ in $(seq 1 120); do
    [ "$(q "SELECT count(*) FROM sync_class_stretch WHERE factor > 1")" = 0 ] && break
    sleep 0.5
done
check "no class stretched after recovery" "$(q "SELECT count(*) FROM sync_class_stretch WHERE factor > 1")" 0
[ ${#failures[@]} -eq 0 ] || klaro_die "adaptive scheduling checks failed: ${failures[*]}"
