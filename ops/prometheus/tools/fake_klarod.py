#!/usr/bin/env python3
"""A stand-in for klarod and its fleet, to try ops/checks/observability-live.sh without the
real sync pipeline. Not used by any check; run by hand.

It serves /metrics as klarod does (Prometheus text format 0.0.4, with klarod's metric names), /healthz, and 404 for anything else (counted like Hummingbird's middleware
does). A simulated fleet syncs every account once per --interval; each finished sync adds
to klaro_syncs_total and inserts a row into sync_runs (through psql, connection from the PG*
environment variables). SIGUSR1 stops the fleet: every account goes stale after two intervals.

Example, with a scratch database:

    PGHOST=127.0.0.1 PGPORT=5432 PGUSER=klaro PGDATABASE=klaro_scratch \\
        python3 ops/prometheus/tools/fake_klarod.py --port 18940 --interval 10 --create-table &
    KLARO_URL=http://127.0.0.1:18940 KLARO_DATABASE_URL=postgresql://klaro@127.0.0.1/klaro_scratch \\
        KLARO_SYNC_INTERVAL=10 KLARO_STOP_FLEET_CMD="kill -USR1 $!" ops/checks/observability-live.sh

--lost-uncounted and --no-build-info make it misbehave, so that the live check can be seen to
fail.
"""

import argparse
import http.server
import random
import signal
import subprocess
import threading
import time

HOSTS = ["wh-1", "wh-2"]
OUTCOMES = ["ok", "auth_failed", "otp_required", "timeout", "ipc_error", "terminal_error", "lost"]
REJECTION_REASONS = ["invalid_json", "schema", "unknown_job", "stale_fence", "wrong_slot", "account_mismatch",
                     "late_result", "too_large"]
MOVE_REASONS = ["slot_dead", "slot_removed", "draining", "cordoned", "over_capacity", "rebalance", "pinned"]
SYNC_BUCKETS = [0.25, 0.5, 1, 2, 3, 5, 8, 13, 20, 30, 45, 60, 90, 120]
FAST_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]


class Histogram:
    def __init__(self, buckets):
        self.buckets = buckets
        self.counts = [0] * len(buckets)
        self.sum = 0.0
        self.count = 0

    def observe(self, value):
        for index, bound in enumerate(self.buckets):
            if value <= bound:
                self.counts[index] += 1
        self.sum += value
        self.count += 1

    def lines(self, name, labels=""):
        prefix = labels + "," if labels else ""
        braces = f"{{{labels}}}" if labels else ""
        result = [f'{name}_bucket{{{prefix}le="{b}"}} {c}' for b, c in zip(self.buckets, self.counts)]
        result.append(f'{name}_bucket{{{prefix}le="+Inf"}} {self.count}')
        result.append(f"{name}_sum{braces} {self.sum}")
        result.append(f"{name}_count{braces} {self.count}")
        return result


class Fleet:
    def __init__(self, options):
        self.options = options
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        self.started = time.time()
        self.syncs = {(host, outcome): 0 for host in HOSTS for outcome in OUTCOMES}
        self.jobs_lost = 0
        self.duration = Histogram(SYNC_BUCKETS)
        self.slow = {host: 0 for host in HOSTS}
        self.queue_wait = Histogram(SYNC_BUCKETS)
        self.login = Histogram(SYNC_BUCKETS)
        self.tick = Histogram(FAST_BUCKETS)
        self.ingest = Histogram(FAST_BUCKETS)
        self.http_requests, self.http_errors, self.http_duration = {}, {}, {}
        accounts = range(options.accounts)
        self.last_success = {account: self.started for account in accounts}
        self.next_due = {account: self.started + random.uniform(0, options.interval) for account in accounts}
        self.psql = subprocess.Popen(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1"], stdin=subprocess.PIPE, text=True)
        if options.create_table:
            self.sql("CREATE TABLE IF NOT EXISTS sync_runs (job_id bigserial, host_id text, state text, "
                     "outcome text, finished_at timestamptz)")

    def sql(self, statement):
        self.psql.stdin.write(statement + ";\n")
        self.psql.stdin.flush()

    def run(self):
        while True:
            time.sleep(0.05)
            if self.stopped.is_set():
                continue
            now = time.time()
            with self.lock:
                self.tick.observe(random.uniform(0.001, 0.01))
            for account, due in list(self.next_due.items()):
                if due <= now:
                    self.sync(account, now)

    def sync(self, account, now):
        host = HOSTS[account % len(HOSTS)]
        failed = random.random() < self.options.fail_rate
        outcome = random.choice(["timeout", "terminal_error", "lost"]) if failed else "ok"
        with self.lock:
            if outcome == "lost":
                self.jobs_lost += 1
            if outcome != "lost" or not self.options.lost_uncounted:
                self.syncs[(host, outcome)] += 1
            seconds = random.uniform(1, 8)
            self.duration.observe(seconds)
            if seconds > 30:
                self.slow[host] += 1
            self.queue_wait.observe(random.uniform(0, 2))
            self.login.observe(random.uniform(0.5, 3))
            self.ingest.observe(random.uniform(0.002, 0.02))
            if outcome == "ok":
                self.last_success[account] = now
        self.sql("INSERT INTO sync_runs (host_id, state, outcome, finished_at) "
                 f"VALUES ('{host}', 'finished', '{outcome}', to_timestamp({now}))")
        self.next_due[account] = now + self.options.interval

    def exposition(self):
        now = time.time()
        interval = self.options.interval
        lines = []

        def family(name, kind, samples):
            # Text format 0.0.4 types a counter by its sample name, `_total` included.
            if kind == "counter" and not name.endswith("_total"):
                name += "_total"
            lines.append(f"# TYPE {name} {kind}")
            lines.extend(samples)

        with self.lock:
            stale = sum(1 for t in self.last_success.values() if now - t > 2 * interval)
            oldest = max(now - t for t in self.last_success.values())
            dead = 4 if self.stopped.is_set() else 0
            by_outcome = {o: sum(v for (_, o2), v in self.syncs.items() if o2 == o) for o in OUTCOMES}
            family("klaro_syncs", "counter", [f'klaro_syncs_total{{outcome="{o}"}} {v}' for o, v in by_outcome.items()])
            by_result = {}
            for (h, o), v in self.syncs.items():
                result = o if o in ("ok", "lost") else "failed"
                by_result[(h, result)] = by_result.get((h, result), 0) + v
            family("klaro_host_syncs", "counter",
                   [f'klaro_host_syncs_total{{host="{h}",result="{r}"}} {v}' for (h, r), v in by_result.items()])
            family("klaro_syncs_slow", "counter",
                   [f'klaro_syncs_slow_total{{host="{h}"}} {v}' for h, v in self.slow.items()])
            family("klaro_sync_duration_seconds", "histogram", self.duration.lines("klaro_sync_duration_seconds"))
            for name, histogram in (("klaro_sync_queue_wait_seconds", self.queue_wait),
                                    ("klaro_sync_login_seconds", self.login),
                                    ("klaro_scheduler_tick_seconds", self.tick), ("klaro_ingest_seconds", self.ingest)):
                family(name, "histogram", histogram.lines(name))
            family("klaro_jobs_lost", "counter", [f"klaro_jobs_lost_total {self.jobs_lost}"])
            family("klaro_results_duplicate", "counter", ["klaro_results_duplicate_total 0"])
            family("klaro_results_rejected", "counter",
                   [f'klaro_results_rejected_total{{reason="{r}"}} 0' for r in REJECTION_REASONS])
            family("klaro_placement_moves", "counter",
                   [f'klaro_placement_moves_total{{reason="{r}"}} 0' for r in MOVE_REASONS])
            family("klaro_accounts", "gauge", [f'klaro_accounts{{status="{s}"}} {v}' for s, v in
                                               (("active", len(self.last_success)), ("auth_failed", 0),
                                                ("paused", 0), ("disabled", 0))])
            family("klaro_accounts_stale", "gauge", [f"klaro_accounts_stale {stale}"])
            family("klaro_account_oldest_success_age_seconds", "gauge",
                   [f"klaro_account_oldest_success_age_seconds {oldest}"])
            family("klaro_slots", "gauge", [f'klaro_slots{{state="{s}"}} {v}' for s, v in
                                            (("idle", 2 - dead // 2), ("busy", 2 - dead // 2), ("dead", dead),
                                             ("draining", 0), ("cordoned", 0), ("pending", 0))])
            family("klaro_jobs_in_flight", "gauge", ["klaro_jobs_in_flight 2"])
            family("klaro_scheduler_leader", "gauge", ["klaro_scheduler_leader 1"])
            family("klaro_fleet_demand_ratio", "gauge", ["klaro_fleet_demand_ratio 0.4"])
            family("klaro_dependency_up", "gauge",
                   ['klaro_dependency_up{dependency="postgres"} 1', 'klaro_dependency_up{dependency="redis"} 1'])
            family("klaro_host_busy_ratio", "gauge", [f'klaro_host_busy_ratio{{host="{h}"}} 0.5' for h in HOSTS])
            if not self.options.no_build_info:
                family("klaro_build_info", "gauge",
                       ['klaro_build_info{version="0.0.0",revision="fake",swift_version="6.3"} 1'])
            family("process_cpu_seconds", "counter", [f"process_cpu_seconds_total {time.process_time()}"])
            for name, value in (("process_resident_memory_bytes", 2e7), ("process_virtual_memory_bytes", 3e8),
                                ("process_open_fds", 12), ("process_max_fds", 1024),
                                ("process_start_time_seconds", self.started)):
                family(name, "gauge", [f"{name} {value}"])
            family("klaro_http_requests_total", "counter", [
                f'klaro_http_requests_total{{http_route="{r}",http_request_method="GET",http_response_status_code="{s}"}} {v}'
                for (r, s), v in self.http_requests.items()])
            family("klaro_http_request_errors_total", "counter", [
                f'klaro_http_request_errors_total{{http_route="{r}",http_request_method="GET",error_type="{s}"}} {v}'
                for (r, s), v in self.http_errors.items()])
            family("klaro_http_request_duration_seconds", "histogram", [
                line for (r, s), h in self.http_duration.items() for line in h.lines(
                    "klaro_http_request_duration_seconds",
                    f'http_route="{r}",http_request_method="GET",http_response_status_code="{s}"')])
            family("klaro_http_active_requests", "gauge", ['klaro_http_active_requests{http_request_method="GET"} 1'])
        return "\n".join(lines) + "\n"

    def count_request(self, route, status):
        with self.lock:
            self.http_requests[(route, status)] = self.http_requests.get((route, status), 0) + 1
            self.http_duration.setdefault((route, status), Histogram(HTTP_BUCKETS)).observe(0.001)
            if status >= 400:
                self.http_errors[(route, status)] = self.http_errors.get((route, status), 0) + 1


def handler_for(fleet):
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            route, status = {"/metrics": ("/metrics", 200), "/healthz": ("/healthz", 200)}.get(
                self.path, ("NotFound", 404))
            if route == "/metrics":
                body = fleet.exposition().encode()
                content_type = "text/plain; version=0.0.4; charset=utf-8"
            else:
                body = b"ok\n" if status == 200 else b"not found\n"
                content_type = "text/plain"
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.end_headers()
            self.wfile.write(body)
            fleet.count_request(route, status)

        def log_message(self, *args):
            pass

    return Handler


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=18940)
    parser.add_argument("--interval", type=float, default=10, help="sync interval, seconds")
    parser.add_argument("--accounts", type=int, default=60)
    parser.add_argument("--fail-rate", type=float, default=0.1)
    parser.add_argument("--create-table", action="store_true", help="create a minimal sync_runs if missing")
    parser.add_argument("--lost-uncounted", action="store_true", help="leave lost jobs out of klaro_syncs_total")
    parser.add_argument("--no-build-info", action="store_true", help="expose no klaro_build_info")
    options = parser.parse_args()
    fleet = Fleet(options)
    signal.signal(signal.SIGUSR1, lambda *_: fleet.stopped.set())
    threading.Thread(target=fleet.run, daemon=True).start()
    http.server.ThreadingHTTPServer(("127.0.0.1", options.port), handler_for(fleet)).serve_forever()


if __name__ == "__main__":
    main()
