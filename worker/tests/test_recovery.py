"""Crash recovery: pending jobs survive a killed slot; the host supervisor restarts slots."""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import redis

from klaro_worker import keys

from helpers import SlotRunner, enqueue, heartbeat, make_job, pending, result_for, scenario_file, wait_for, wait_result


def test_a_slot_killed_mid_job_runs_it_again_after_restart(
    tmp_path: Path, r: redis.Redis, redis_url: str, host_id: str, host_key: tuple[Path, keys.HostKey]
) -> None:
    key_file, key = host_key
    scenario = scenario_file(tmp_path, latency={"initialize": 10, "login": 3000, "call": 1})
    job = make_job(key.private.public_key(), login=2024, deadline_in_ms=30_000)
    first = SlotRunner(tmp_path, redis_url, host_id, key_file, scenario)
    try:
        first.wait_ready(r, host_id)
        enqueue(r, host_id, 1, job)
        assert wait_for(lambda: (b := heartbeat(r, host_id, 1)) and b["job_id"] == job["job_id"], 5)
        drivers = _children(first.process.pid)
        assert drivers, "the slot runs its MT5 calls in a child process"
        first.kill()
    finally:
        first.stop()
    assert pending(r, host_id, 1) == 1, "the read job must stay pending"
    assert result_for(r, job["job_id"]) is None
    # The driver child of the killed slot exits by itself.
    assert wait_for(lambda: not any(_running(pid) for pid in drivers), 5)
    with SlotRunner(tmp_path, redis_url, host_id, key_file, scenario) as second:
        result = wait_result(r, job["job_id"], timeout=20)
        assert result["outcome"] == "ok"
        assert wait_for(lambda: pending(r, host_id, 1) == 0, 5)
        assert "pending before restart" in second.log


def test_pending_jobs_past_their_deadline_are_dropped_on_restart(
    tmp_path: Path, r: redis.Redis, redis_url: str, host_id: str, host_key: tuple[Path, keys.HostKey]
) -> None:
    key_file, key = host_key
    queue = f"klaro:q:{host_id}:1"
    r.xgroup_create(queue, "slot", id="0", mkstream=True)
    job = make_job(key.private.public_key(), deadline_in_ms=-1000)
    enqueue(r, host_id, 1, job)
    r.xreadgroup("slot", f"{host_id}:1", {queue: ">"}, count=1)  # delivered to the slot, never acknowledged
    assert pending(r, host_id, 1) == 1
    with SlotRunner(tmp_path, redis_url, host_id, key_file, scenario_file(tmp_path)) as slot:
        slot.wait_ready(r, host_id)
        assert wait_for(lambda: pending(r, host_id, 1) == 0, 5)
    assert result_for(r, job["job_id"]) is None
    assert "past its deadline" in slot.log


def _children(parent: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and _status(int(entry.name)).get("PPid") == str(parent):
            found.append(int(entry.name))
    return found


def _status(pid: int) -> dict[str, str]:
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return {}
    return {key: value.strip() for key, _, value in (line.partition(":") for line in lines)}


def _running(pid: int) -> bool:
    state = _status(pid).get("State", "")
    return bool(state) and not state.startswith("Z")


def test_host_supervisor_restarts_a_killed_slot_and_stops_all(
    tmp_path: Path, r: redis.Redis, redis_url: str, host_id: str, host_key: tuple[Path, keys.HostKey]
) -> None:
    key_file, key = host_key
    log_path = tmp_path / "host.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("KLARO_WORKER_")}
    with open(log_path, "wb") as log:
        host = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "klaro_worker",
                "host",
                "--host-id",
                host_id,
                "--slots",
                "2",
                "--terminals-dir",
                str(tmp_path / "terminals"),
                "--redis",
                redis_url,
                "--key-file",
                str(key_file),
                "--backend",
                "sim",
                "--sim-scenario",
                str(scenario_file(tmp_path)),
                "--stop-timeout",
                "10",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
        )
        try:
            beats = wait_for(
                lambda: (
                    [heartbeat(r, host_id, n) for n in (1, 2)]
                    if all(heartbeat(r, host_id, n) for n in (1, 2))
                    else None
                ),
                20,
            )
            assert beats, log_path.read_text()
            victim = beats[0]["pid"]
            os.kill(victim, signal.SIGKILL)
            replaced = wait_for(lambda: (b := heartbeat(r, host_id, 1)) and b["pid"] != victim and b, 20)
            assert replaced, log_path.read_text()
            job = make_job(key.private.public_key())
            enqueue(r, host_id, 1, job)
            assert wait_result(r, job["job_id"])["outcome"] == "ok"
            slot_pids = [replaced["pid"], heartbeats_pid(r, host_id, 2)]
            host.send_signal(signal.SIGTERM)
            host.wait(20)
        finally:
            if host.poll() is None:
                host.kill()
    assert host.returncode == 0
    text = log_path.read_text()
    assert "exited with signal SIGKILL" in text and "all slots stopped" in text
    assert not any(_running(pid) for pid in slot_pids)
    registration = json.loads(r.get(f"klaro:host:{host_id}"))
    assert registration["slots"] == 2


def heartbeats_pid(r: redis.Redis, host_id: str, slot: int) -> int:
    beat = heartbeat(r, host_id, slot)
    assert beat is not None
    return beat["pid"]


def test_supervisor_backoff_grows_for_a_slot_that_keeps_dying(tmp_path: Path, redis_url: str, host_id: str) -> None:
    missing_key = tmp_path / "absent.key"  # every slot exits at once: it cannot read its key
    from klaro_worker.config import host_config
    from klaro_worker.host import Supervisor

    config = host_config(
        {
            "host_id": host_id,
            "slots": 1,
            "terminals_dir": str(tmp_path),
            "redis_url": redis_url,
            "key_file": str(missing_key),
            "backend": "sim",
            "restart_backoff_max_s": 2,
        },
        env={},
    )
    supervisor = Supervisor(config)
    started: list[float] = []
    original = supervisor._start

    def counting_start(entry, now):  # type: ignore[no-untyped-def]
        started.append(time.monotonic())
        original(entry, now)

    supervisor._start = counting_start  # type: ignore[method-assign]
    deadline = time.monotonic() + 6
    while time.monotonic() < deadline:
        for entry in supervisor.slots.values():
            supervisor._tend(entry, time.monotonic())
        time.sleep(0.05)
    for entry in supervisor.slots.values():
        if entry.process is not None and entry.process.poll() is None:
            entry.process.kill()
    gaps = [later - earlier for earlier, later in itertools.pairwise(started)]
    assert len(started) >= 3, started
    assert gaps[0] >= 0.9 and gaps[-1] >= 1.9, gaps  # 1 s, then 2 s (the cap)
