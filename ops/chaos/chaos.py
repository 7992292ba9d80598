"""A bounded chaos run: 2 klarod replicas and simulated worker hosts under kills and restarts.

Events, in rounds: kill the leader (failover time), kill a slot, kill a whole host (rescue
time: until every account it held synced elsewhere), restart Redis with its data and without
it, restart PostgreSQL (readiness of each replica afterwards). Then it waits until every
account synced after the last event and checks what must hold whatever happened:

- results lost: a result a worker sent (its log says so after XADD returned) that klarod
  never recorded, except for jobs in flight when Redis lost its data (counted apart);
- duplicate rows: snapshots beyond one per ok run, runs or deals stored twice;
- overlapping jobs: two runs of one account in flight at the same time;
- stuck in flight: a job or account in flight long past deadline + grace;
- stale after recovery: an account with no ok sync after the last event;
- crashes: a replica that exited without being killed.

Run by ops/checks/chaos.sh (ops/test e2e, short) and ops/bench chaos (longer).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from cluster import Klarod, Postgres, Redis, WorkerHost, wait_until, write_json


def log(message: str) -> None:
    print(f"chaos: {message}", file=sys.stderr, flush=True)


class Run:
    def __init__(self, args: argparse.Namespace, directory: Path) -> None:
        self.args = args
        self.directory = directory
        self.pg = Postgres(directory / "pg")
        self.redis = Redis(directory / "redis")
        self.replicas: list[Klarod] = []
        self.hosts: list[WorkerHost] = []
        self.figures: dict[str, list[float]] = {
            "failover_s": [],
            "rescue_s": [],
            "ready_after_redis_s": [],
            "ready_after_postgres_s": [],
        }
        self.wiped_in_flight: set[str] = set()
        self.events: list[str] = []

    # MARK: setup

    def start(self) -> None:
        args = self.args
        self.pg.start()
        self.redis.start()
        environment = {
            "PATH": "/usr/bin:/bin",
            "KLARO_DATABASE_URL": self.pg.url,
            "KLARO_REDIS_URL": self.redis.url,
            "KLARO_ADMIN_TOKEN": "chaos-admin-" + uuid.uuid4().hex,
            "KLARO_JWT_SECRET": uuid.uuid4().hex * 2,
            "KLARO_SYNC_INTERVAL": str(args.interval),
            "KLARO_SCHEDULER_TICK": "0.2",
            "KLARO_JOB_DEADLINE": str(args.deadline),
            "KLARO_LOST_GRACE": "2",
            "KLARO_SLOT_DEAD_AFTER": str(args.slot_dead_after),
            "KLARO_LOG": "stderr",
            "KLARO_LOG_LEVEL": "notice",
            "KLARO_DATABASE_POOL_SIZE": "4",
        }
        keys = subprocess.run(
            [args.klarod, "keys", "generate", "--id", "chaos"],
            check=True,
            capture_output=True,
            text=True,
            env=environment,
        )
        environment["KLARO_CREDENTIAL_KEYS"] = keys.stdout.strip()
        subprocess.run([args.klarod, "migrate"], check=True, env=environment, stdout=subprocess.DEVNULL)
        accounts = self.directory / "accounts.jsonl"
        with accounts.open("w") as out:
            for n in range(args.accounts):
                out.write(
                    json.dumps(
                        {
                            "user_id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"chaos-{n}")),
                            "mt5_login": 7100000 + n,
                            "mt5_password": f"investor-{n}",
                            "mt5_server": ["Chaos-Demo", "Chaos-Live"][n % 2],
                        }
                    )
                    + "\n"
                )
        subprocess.run(
            [args.klarod, "accounts", "import", str(accounts)], check=True, env=environment, stdout=subprocess.DEVNULL
        )

        for name in ("chaos-a", "chaos-b"):
            replica = Klarod(name, Path(args.klarod), environment, self.directory / f"{name}.log")
            replica.start()
            self.replicas.append(replica)
        for replica in self.replicas:
            if wait_until(replica.ready, 60) is None:
                raise RuntimeError(f"{replica.node} did not become ready")

        scenario = write_json(
            self.directory / "scenario.json",
            {"seed": args.seed, "latency": {"initialize": 50, "login": args.login_ms, "call": 5}},
        )
        for index in range(1, args.hosts + 1):
            host = WorkerHost(f"chaos-{index}", args.slots, args.python, self.directory, self.redis.url, scenario)
            host.start()
            self.hosts.append(host)
        wait_until(lambda: self.pg.value("SELECT count(*) FROM worker_hosts") >= args.hosts, 60, every=0.2)
        self.pg.query("""UPDATE worker_hosts SET approved_key = public_key, admin_state = 'active', approved_at = now(),
                         approved_by = 'chaos' WHERE approved_key IS DISTINCT FROM public_key""")
        waited = wait_until(lambda: self.unsynced_since("'-infinity'") == 0, 120, every=0.5)
        if waited is None:
            raise RuntimeError("the accounts did not all sync before the chaos began")
        log(f"{args.accounts} accounts synced in {waited:.1f} s on {args.hosts} hosts × {args.slots} slots")

    def stop(self) -> None:
        for host in self.hosts:
            host.stop()
        for replica in self.replicas:
            replica.stop()
        self.redis.stop()
        self.pg.stop()

    # MARK: events

    def leader(self) -> Klarod:
        found: list[Klarod] = []
        wait_until(lambda: bool(found.extend(r for r in self.replicas if r.leader()) or found), 30, every=0.1)
        if not found:
            raise RuntimeError("no replica is leader")
        return found[0]

    def kill_leader(self) -> None:
        leader = self.leader()
        other = next(r for r in self.replicas if r is not leader)
        leader.kill()
        failover = wait_until(other.leader, 30, every=0.02)
        self.figures["failover_s"].append(failover if failover is not None else float("inf"))
        log(f"killed leader {leader.node}: {other.node} leads after {failover if failover is not None else 'never'} s")
        leader.start()
        wait_until(leader.ready, 60)

    def kill_slot(self, round_index: int) -> None:
        host = self.hosts[round_index % len(self.hosts)]
        pids = host.slot_pids()
        if pids:
            os.kill(pids[round_index % len(pids)], signal.SIGKILL)
        log(f"killed a slot of {host.name} (its host starts it again)")

    def kill_host(self, round_index: int) -> None:
        host = self.hosts[(round_index + 1) % len(self.hosts)]
        since = self.pg.query("SELECT now()")[0][0]
        # The accounts it holds now (placement moves them away once its slots are dead).
        held = [
            row[0]
            for row in self.pg.query(
                f"SELECT account_id FROM account_schedule WHERE assigned_host = '{host.name}' AND status = 'active'"
            )
        ]
        host.kill()
        ids = ",".join(held) or "00000000-0000-0000-0000-000000000000"
        rescued = wait_until(
            lambda: (
                self.pg.value(f"""
            SELECT count(*) FROM user_mt5_accounts a WHERE a.id = ANY('{{{ids}}}'::uuid[])
              AND NOT EXISTS (SELECT 1 FROM sync_runs r WHERE r.account_id = a.id AND r.outcome = 'ok'
                              AND r.enqueued_at > '{since}')""")
                == 0
            ),
            120,
            every=0.25,
        )
        self.figures["rescue_s"].append(rescued if rescued is not None else float("inf"))
        log(
            f"killed host {host.name} ({len(held)} accounts): all synced elsewhere after "
            f"{f'{rescued:.1f}' if rescued is not None else 'never'} s"
        )
        host.start()

    def restart_redis(self, keep_data: bool) -> None:
        if not keep_data:
            self.wiped_in_flight |= {
                row[0]
                for row in self.pg.query(
                    "SELECT inflight_job_id FROM account_schedule WHERE inflight_job_id IS NOT NULL"
                )
            }
        self.redis.restart(keep_data)
        self.measure_ready("ready_after_redis_s", f"Redis restarted {'with' if keep_data else 'without'} its data")

    def restart_postgres(self) -> None:
        self.pg.stop()
        time.sleep(1)
        self.pg.start()
        self.measure_ready("ready_after_postgres_s", "PostgreSQL restarted")

    def measure_ready(self, figure: str, what: str) -> None:
        times = [wait_until(replica.ready, 60, every=0.02) for replica in self.replicas]
        self.figures[figure] += [t if t is not None else float("inf") for t in times]
        log(f"{what}: replicas ready after " + ", ".join(f"{t:.2f} s" if t is not None else "never" for t in times))

    def chaos(self) -> None:
        gap = self.args.gap
        steps = [
            ("leader kill", lambda r: self.kill_leader()),
            ("slot kill", self.kill_slot),
            ("host kill", self.kill_host),
            ("Redis restart with data", lambda r: self.restart_redis(True)),
            ("Redis restart without data", lambda r: self.restart_redis(False)),
            ("PostgreSQL restart", lambda r: self.restart_postgres()),
        ]
        for round_index in range(self.args.rounds):
            for name, step in steps:
                time.sleep(gap)
                step(round_index)
                self.events.append(name)

    # MARK: checks

    def unsynced_since(self, since: str) -> int:
        return self.pg.value(f"""
            SELECT count(*) FROM user_mt5_accounts a WHERE a.status = 'active' AND NOT EXISTS (
                SELECT 1 FROM sync_runs r WHERE r.account_id = a.id AND r.outcome = 'ok' AND r.enqueued_at > {since})""")

    def check(self) -> bool:
        args = self.args
        since = self.pg.query("SELECT now()")[0][0]
        recovered = wait_until(
            lambda: self.unsynced_since(f"'{since}'") == 0, 2 * args.interval + args.deadline + 60, every=0.5
        )
        stale = self.unsynced_since(f"'{since}'")

        sent: dict[str, str] = {}
        for host in self.hosts:
            sent.update(host.results_sent())
        recorded = {
            job: outcome for job, outcome in self.pg.query("SELECT job_id, coalesce(outcome, '') FROM sync_runs")
        }
        missing = {job for job in sent if recorded.get(job, "") in ("", "lost")}
        lost_with_redis = missing & self.wiped_in_flight
        lost = missing - self.wiped_in_flight

        margin = f"interval '{args.deadline + 2 + 15} seconds'"
        duplicates = self.pg.value("""
            SELECT abs((SELECT count(*) FROM account_snapshots) - (SELECT count(*) FROM sync_runs WHERE outcome = 'ok'))
                 + (SELECT count(*) - count(DISTINCT job_id) FROM sync_runs)
                 + (SELECT count(*) - count(DISTINCT (account_id, ticket)) FROM deals)""")
        overlapping = self.pg.value("""
            SELECT count(*) FROM sync_runs a JOIN sync_runs b ON a.account_id = b.account_id AND a.job_id < b.job_id
            WHERE a.enqueued_at < coalesce(b.finished_at, now()) AND b.enqueued_at < coalesce(a.finished_at, now())""")
        stuck = self.pg.value(f"""
            SELECT (SELECT count(*) FROM account_schedule WHERE inflight_enqueued_at < now() - {margin})
                 + (SELECT count(*) FROM sync_runs WHERE state <> 'finished' AND enqueued_at < now() - {margin})""")
        crashed = [r.node for r in self.replicas if r.crashed()]
        runs = self.pg.value("SELECT count(*) FROM sync_runs")
        outcomes = dict(
            self.pg.query("SELECT coalesce(outcome, 'in flight'), count(*) FROM sync_runs GROUP BY 1 ORDER BY 1")
        )

        def figure(name: str) -> str:
            values = self.figures[name]
            if not values:
                return "none"
            return f"median {statistics.median(values):.2f} s, max {max(values):.2f} s, n={len(values)}"

        print(
            f"chaos run: {args.accounts} accounts, 2 replicas, {args.hosts} hosts × {args.slots} slots, "
            f"{args.rounds} round(s) of: {', '.join(dict.fromkeys(self.events))}"
        )
        print(f"  sync runs              {runs} ({', '.join(f'{k} {v}' for k, v in outcomes.items())})")
        print(f"  failover               {figure('failover_s')}")
        print(f"  host death rescued     {figure('rescue_s')}")
        print(f"  ready after Redis      {figure('ready_after_redis_s')}")
        print(f"  ready after PostgreSQL {figure('ready_after_postgres_s')}")
        print(
            f"  recovery after last    {recovered:.1f} s" if recovered is not None else "  recovery after last    never"
        )
        print(f"  klarod RSS             {', '.join(f'{r.node} {r.rss_mb():.0f} MB' for r in self.replicas)}")
        checks = [
            ("results lost", len(lost), f"of {len(sent)} sent; {len(lost_with_redis)} more went with Redis's data"),
            ("duplicate rows", duplicates, ""),
            ("overlapping jobs", overlapping, ""),
            ("stuck in flight", stuck, ""),
            ("stale after recovery", stale, ""),
            ("crashed replicas", len(crashed), " ".join(crashed)),
        ]
        for name, value, note in checks:
            print(f"  {'ok  ' if value == 0 else 'FAIL'} {name:<20} {value} {note}".rstrip())
        if lost:
            print(f"  lost results (first 5): {sorted(lost)[:5]}")
        slow = [
            v
            for v in self.figures["ready_after_redis_s"] + self.figures["ready_after_postgres_s"]
            if v > args.ready_bound
        ]
        if slow:
            print(f"  FAIL readiness beyond {args.ready_bound} s: {slow}")
        return all(value == 0 for _, value, _ in checks) and not slow


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--klarod", required=True)
    parser.add_argument("--python", required=True, help="a Python that imports klaro_worker")
    parser.add_argument("--accounts", type=int, default=60)
    parser.add_argument("--hosts", type=int, default=3)
    parser.add_argument("--slots", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--gap", type=float, default=4.0, help="seconds between events")
    parser.add_argument("--interval", type=int, default=10)
    parser.add_argument("--deadline", type=int, default=20)
    parser.add_argument("--slot-dead-after", type=int, default=5)
    parser.add_argument("--login-ms", type=int, default=300)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument(
        "--ready-bound",
        type=float,
        default=3.0,
        help="seconds a replica may take to be ready after Redis or PostgreSQL answers again",
    )
    parser.add_argument("--keep", action="store_true", help="keep the run's directory (logs) and print its path")
    args = parser.parse_args()

    # Under ops/test's directory when it runs us, so its clean-up finds anything left behind.
    directory = Path(tempfile.mkdtemp(prefix="klaro-chaos.", dir=os.environ.get("KLARO_TEST_TMP")))
    directory.chmod(0o777)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    run = Run(args, directory)
    passed = False
    try:
        run.start()
        run.chaos()
        passed = run.check()
    finally:
        run.stop()
        if args.keep or not passed:
            log(f"logs kept in {directory}")
        else:
            shutil.rmtree(directory, ignore_errors=True)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
