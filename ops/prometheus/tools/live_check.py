#!/usr/bin/env python3
"""The live half of ops/checks/observability-live.sh: talks to a Prometheus that scrapes a
running klarod (with a simulated fleet) every second and evaluates Klaro's rules every second.

Checks, in order:
1. Prometheus scraped klarod a few times (up == 1).
2. The success-rate recording rule agrees with PostgreSQL's sync_runs over the same window.
3. Every dashboard query returns at least one series (after 2, so that per-host series exist).
4. With --stop-fleet-cmd: the fleet is healthy (no stale alert), the command stops it, and
   KlaroAccountsStale and KlaroOldestSuccessTooOld go pending (or firing).

Exits 1 on the first failed check, after printing what it saw.
"""

import argparse
import itertools
import json
import math
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import pack
import promql

STALE_ALERTS = ("KlaroAccountsStale", "KlaroOldestSuccessTooOld")


class CheckFailed(Exception):
    pass


def log(message):
    print(f"observability-live: {message}", flush=True)


class Prometheus:
    def __init__(self, base_url):
        self.base_url = base_url.rstrip("/")

    def get(self, path, **params):
        url = f"{self.base_url}{path}"
        if params:
            url += "?" + urllib.parse.urlencode(params)
        with urllib.request.urlopen(url, timeout=15) as response:
            body = json.loads(response.read().decode("utf-8"))
        if body.get("status") != "success":
            raise CheckFailed(f"Prometheus {path} {params}: {body}")
        return body["data"]

    def query(self, expr, at=None):
        params = {"query": expr}
        if at is not None:
            params["time"] = f"{at:.3f}"
        return self.get("/api/v1/query", **params)

    def vector(self, expr, at=None):
        data = self.query(expr, at)
        if data["resultType"] != "vector":
            raise CheckFailed(f"{expr}: expected an instant vector, got {data['resultType']}")
        return data["result"]

    def scalar_value(self, expr, at=None):
        """The value of a query that returns exactly one series, or None if it returns none."""
        result = self.vector(expr, at)
        if not result:
            return None
        if len(result) > 1:
            raise CheckFailed(f"{expr}: expected one series, got {len(result)}")
        return float(result[0]["value"][1])

    def alert_states(self):
        return {(alert["labels"]["alertname"], alert["state"]) for alert in self.get("/api/v1/alerts")["alerts"]}


def wait_until(description, timeout, probe, interval=1.0):
    """Calls probe() until it returns a true value; raises CheckFailed after `timeout` s."""
    deadline = time.monotonic() + timeout
    last_error = None
    while True:
        try:
            value = probe()
            if value:
                return value
        except (OSError, CheckFailed, ValueError) as error:
            last_error = error
        if time.monotonic() >= deadline:
            detail = f" (last error: {last_error})" if last_error else ""
            raise CheckFailed(f"timed out after {timeout:g} s waiting for {description}{detail}")
        time.sleep(interval)


# MARK: 1. Scrapes


def poke_klarod(klaro_url):
    """One ordinary request and one unknown path, so that Hummingbird's request, latency and
    error series exist (they are created on first use)."""
    for path, expected in (("/healthz", 200), ("/klaro-observability-live-unknown-path", 404)):
        try:
            with urllib.request.urlopen(klaro_url.rstrip("/") + path, timeout=10) as response:
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
        if status != expected:
            raise CheckFailed(f"GET {path} on klarod answered {status}, expected {expected}")


def check_scrapes(prometheus, minimum, timeout):
    wait_until("Prometheus's readiness", 60, lambda: urllib.request.urlopen(
        prometheus.base_url + "/-/ready", timeout=5).status == 200)
    wait_until(f"{minimum} successful scrapes of job klarod", timeout,
               lambda: (prometheus.scalar_value('sum(count_over_time(up{job="klarod"}[10m]))') or 0) >= minimum
               and (prometheus.scalar_value('min(up{job="klarod"})') or 0) == 1)
    log(f"ok: Prometheus scraped klarod at least {minimum} times")


# MARK: 3. Dashboard queries


def check_dashboard_queries(prometheus, allow_empty):
    empty = []
    queries = pack.dashboard_queries()
    for where, expr in queries:
        expr = promql.substitute_grafana_variables(expr)
        if not prometheus.vector(expr) and not (allow_empty and allow_empty.search(where)):
            empty.append(f"{where}: {expr}")
    if empty:
        raise CheckFailed("dashboard queries that returned no series:\n  " + "\n  ".join(empty))
    log(f"ok: all {len(queries)} dashboard queries return series")


# MARK: 2. Success rate against PostgreSQL


def counter_increase(values):
    """Increase of a counter over its samples, counting resets as Prometheus does."""
    total = 0.0
    for previous, current in itertools.pairwise(values):
        total += current - previous if current >= previous else current
    return total


# libpq connection parameters and the environment variables psql reads them from.
PG_ENVIRONMENT = {
    "host": "PGHOST", "hostaddr": "PGHOSTADDR", "port": "PGPORT", "user": "PGUSER", "password": "PGPASSWORD",
    "dbname": "PGDATABASE", "sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT", "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY", "connect_timeout": "PGCONNECT_TIMEOUT", "application_name": "PGAPPNAME",
    "options": "PGOPTIONS", "target_session_attrs": "PGTARGETSESSIONATTRS", "passfile": "PGPASSFILE",
}


def psql_environment(database_url):
    """The environment for psql with the connection in PG* variables, so that the password is
    never on a command line (visible to every local user in the process list)."""
    parameters = {}
    url = urllib.parse.urlsplit(database_url)
    if url.scheme in ("postgres", "postgresql"):
        if url.hostname:
            parameters["host"] = urllib.parse.unquote(url.hostname)
        if url.port:
            parameters["port"] = str(url.port)
        if url.username:
            parameters["user"] = urllib.parse.unquote(url.username)
        if url.password:
            parameters["password"] = urllib.parse.unquote(url.password)
        if url.path.strip("/"):
            parameters["dbname"] = urllib.parse.unquote(url.path.strip("/"))
        parameters.update(urllib.parse.parse_qsl(url.query))
    else:
        for key, value in re.findall(r"(\w+)\s*=\s*('(?:\\.|[^'\\])*'|\S+)", database_url):
            if value.startswith("'"):
                value = re.sub(r"\\(.)", r"\1", value[1:-1])
            parameters[key] = value
    unknown = sorted(set(parameters) - set(PG_ENVIRONMENT))
    if unknown:
        raise CheckFailed(f"KLARO_DATABASE_URL: parameters psql cannot take from the environment: {unknown}")
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    environment.update({PG_ENVIRONMENT[key]: value for key, value in parameters.items()})
    return environment


def database_counts(database_url, start, end):
    sql = ("SELECT count(*) FILTER (WHERE outcome = 'ok'), count(*) FROM sync_runs "
           f"WHERE state = 'finished' AND finished_at > to_timestamp({start:.3f}) "
           f"AND finished_at <= to_timestamp({end:.3f})")
    result = subprocess.run(["psql", "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql], check=False,
                            capture_output=True, text=True, env=psql_environment(database_url))
    if result.returncode != 0:
        # psql's message names the server, not the password; do not echo the URL itself.
        raise CheckFailed(f"psql on KLARO_DATABASE_URL failed: {result.stderr.strip()}")
    ok, finished = result.stdout.strip().split("|")
    return int(ok), int(finished)


def success_window(prometheus):
    """The recording rule's latest value, and the raw counter samples it was computed from."""
    recorded_at = prometheus.scalar_value("timestamp(klaro:sync_success:ratio_rate5m)")
    if recorded_at is None:
        raise CheckFailed("klaro:sync_success:ratio_rate5m has no value: no sync finished in the last 5 min")
    value = prometheus.scalar_value("klaro:sync_success:ratio_rate5m", at=recorded_at)
    # The same selection the rule made at the same evaluation time.
    data = prometheus.query("klaro_syncs_total[5m]", at=recorded_at)
    ok_increase = all_increase = 0.0
    timestamps = set()
    for series in data["result"]:
        samples = [(float(t), float(v)) for t, v in series["values"]]
        timestamps.update(t for t, _ in samples)
        increase = counter_increase([v for _, v in samples])
        all_increase += increase
        if series["metric"].get("outcome") == "ok":
            ok_increase += increase
    if len(timestamps) < 3:
        raise CheckFailed("fewer than 3 scrapes of klaro_syncs_total in the rule's window")
    return {"value": value, "ok": ok_increase, "all": all_increase, "first": min(timestamps),
            "last": max(timestamps), "scrapes": len(timestamps)}


def check_success_rate(prometheus, database_url, min_syncs, min_window, lag, timeout):
    """Compares klaro:sync_success:ratio_rate5m with ok ÷ finished in sync_runs.

    The windows are made the same: the rule read counter samples scraped at times first…last,
    so PostgreSQL is asked for runs finished in (first, last]. Both clocks are this machine's.
    Two differences remain; the tolerance is the sum of their bounds:
    - Extrapolation: rate() stretches each series' increase by at most 1.1 average scrape steps
      at each end of the window (less for counters near zero), and stretches ok and failed
      series alike, so the rule's ratio is within 2.2·step/T of the exact ratio of increases.
      A window of at least --min-window seconds keeps this small (1.8 % at 120 s, 1 s steps).
    - Edges: a run is counted by Prometheus at the first scrape after klarod ingested it, up
      to `lag` s after its finished_at (one scrape interval plus ingest). Only runs finished
      within `lag` s before either edge can fall on different sides in the two sources, and
      PostgreSQL counts exactly those: that count is the allowed difference in runs.
    """
    def long_enough():
        window = success_window(prometheus)
        if window["all"] >= min_syncs and window["last"] - window["first"] >= min_window:
            return window
        return None

    window = wait_until(f"a window of {min_window:g} s with {min_syncs} finished syncs", timeout, long_enough)
    value, first, last = window["value"], window["first"], window["last"]
    span = last - first
    if math.isnan(value):
        raise CheckFailed("klaro:sync_success:ratio_rate5m is NaN although syncs finished")
    db_ok, db_finished = database_counts(database_url, first, last)
    if db_finished == 0:
        raise CheckFailed(f"sync_runs has no finished run in the window while klaro_syncs_total grew by "
                          f"{window['all']:g}")
    edges = sum(database_counts(database_url, edge - lag, edge)[1] for edge in (first, last))
    exact = window["ok"] / window["all"]
    db_ratio = db_ok / db_finished
    step = span / (window["scrapes"] - 1)
    extrapolation = 2.2 * step / span
    edge_ratio = edges / max(1, db_finished - edges)
    log(f"window {span:.1f} s ({window['scrapes']} scrapes): rule {value:.4f}; counters "
        f"{window['ok']:g}/{window['all']:g} = {exact:.4f}; sync_runs {db_ok}/{db_finished} = {db_ratio:.4f}; "
        f"allowed: {edges} runs at the edges (ratio ±{edge_ratio:.4f}), extrapolation ±{extrapolation:.4f}")
    problems = []
    if abs(window["all"] - db_finished) > edges:
        problems.append(f"klaro_syncs_total grew by {window['all']:g} but sync_runs has {db_finished} finished runs "
                        f"(at most {edges} may differ)")
    if abs(exact - db_ratio) > edge_ratio:
        problems.append(f"the counters' ok ratio {exact:.4f} differs from sync_runs' {db_ratio:.4f}")
    if abs(value - db_ratio) > extrapolation + edge_ratio:
        problems.append(f"klaro:sync_success:ratio_rate5m {value:.4f} differs from sync_runs' {db_ratio:.4f}")
    if problems:
        raise CheckFailed("; ".join(problems))
    log("ok: the success-rate recording rule matches sync_runs")


# MARK: 4. Stale alert


def active_alerts(prometheus, names):
    return {name for name, state in prometheus.alert_states() if name in names and state in ("pending", "firing")}


def check_stale_alert(prometheus, stop_command, baseline_timeout, timeout):
    """Stopping the fleet must make the stale alerts go pending. They must be inactive first,
    or the test proves nothing: a fleet with failing accounts can have a stale one now and
    then, so wait for a moment where none is stale."""
    wait_until("a healthy fleet (no stale-account alert active) before stopping it", baseline_timeout,
               lambda: not active_alerts(prometheus, STALE_ALERTS))
    log(f"stopping the fleet: {stop_command}")
    subprocess.run(["bash", "-c", stop_command], check=True)
    started = time.monotonic()
    remaining = set(STALE_ALERTS)

    def all_active():
        active = active_alerts(prometheus, remaining)
        for name in sorted(active):
            log(f"{name} active {time.monotonic() - started:.0f} s after the fleet stopped")
        remaining.difference_update(active)
        return not remaining

    wait_until(f"alerts {sorted(remaining)} to go pending", timeout, all_active)
    # A fleet that fails a lot has a stale account now and then without being stopped. Proof
    # that the stop caused the alerts: every active account goes stale, and the alerts stay.
    wait_until("every active account to be stale (klaro:accounts_stale:ratio = 1)", timeout,
               lambda: (prometheus.scalar_value("klaro:accounts_stale:ratio") or 0) >= 1)
    still = active_alerts(prometheus, STALE_ALERTS)
    if still != set(STALE_ALERTS):
        raise CheckFailed(f"with every account stale, only {sorted(still)} of {list(STALE_ALERTS)} are active")
    log(f"ok: all accounts stale {time.monotonic() - started:.0f} s after the fleet stopped, "
        "stale-account alerts pending or firing")


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--prometheus", required=True, help="base URL of the test Prometheus")
    parser.add_argument("--klaro-url", required=True)
    parser.add_argument("--stop-fleet-cmd")
    parser.add_argument("--min-scrapes", type=int, default=10)
    parser.add_argument("--min-syncs", type=int, default=20)
    parser.add_argument("--min-window", type=float, default=120,
                        help="seconds of scrapes the success-rate comparison needs at least")
    parser.add_argument("--lag", type=float, default=1.5,
                        help="seconds between a run's finished_at and the scrape that counts it")
    parser.add_argument("--allow-empty", help="regex of dashboard panels (file: panel title) allowed no data")
    parser.add_argument("--sync-timeout", type=float, default=600)
    parser.add_argument("--stale-timeout", type=float, default=1890)
    args = parser.parse_args(argv[1:])

    prometheus = Prometheus(args.prometheus)
    database_url = os.environ.get("KLARO_DATABASE_URL")
    if not database_url:
        print("observability-live: FAIL: KLARO_DATABASE_URL is not set", file=sys.stderr)
        return 1
    try:
        poke_klarod(args.klaro_url)
        check_scrapes(prometheus, args.min_scrapes, timeout=max(60, 3 * args.min_scrapes))
        check_success_rate(prometheus, database_url, args.min_syncs, args.min_window, args.lag,
                           args.sync_timeout)
        # After the success-rate wait, so that every per-host series has had time to appear.
        poke_klarod(args.klaro_url)
        time.sleep(2)
        check_dashboard_queries(prometheus, re.compile(args.allow_empty) if args.allow_empty else None)
        if args.stop_fleet_cmd:
            check_stale_alert(prometheus, args.stop_fleet_cmd, args.stale_timeout, args.stale_timeout)
        else:
            log("note: KLARO_STOP_FLEET_CMD not set, stale-alert check skipped")
    except CheckFailed as error:
        print(f"observability-live: FAIL: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
