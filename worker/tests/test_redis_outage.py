"""Redis going away: the slot logs it once, reconnects with backoff, and loses no job it has read."""

from __future__ import annotations

import signal
from pathlib import Path

import redis

from klaro_worker import keys

from conftest import free_port, start_redis
from helpers import SlotRunner, enqueue, heartbeat, make_job, pending, scenario_file, wait_for, wait_result


def test_outage_during_a_job(tmp_path: Path, host_id: str, host_key: tuple[Path, keys.HostKey]) -> None:
    key_file, key = host_key
    port = free_port()
    data = tmp_path / "redis-data"
    data.mkdir()
    persistent = ("--appendonly", "yes", "--appendfsync", "always")
    server = start_redis(data, port, *persistent)
    url = f"redis://127.0.0.1:{port}/0"
    r = redis.Redis.from_url(url, decode_responses=True)
    scenario = scenario_file(tmp_path, latency={"initialize": 10, "login": 2000, "call": 1})
    slot = SlotRunner(tmp_path, url, host_id, key_file, scenario, log_level="INFO")
    try:
        slot.wait_ready(r, host_id)
        job = make_job(key.private.public_key(), login=3131, deadline_in_ms=60_000)
        enqueue(r, host_id, 1, job)
        assert wait_for(lambda: (b := heartbeat(r, host_id, 1)) and b["state"] == "busy", 5)
        server.send_signal(signal.SIGKILL)  # Redis dies while the slot is logging in
        server.wait(5)
        # The login ends meanwhile and the result's XADD meets the outage: the slot says so, once.
        xadd_failed = f"slot {host_id}:1: Redis at redis://127.0.0.1:{port}/0 unreachable during XADD result"
        assert wait_for(lambda: xadd_failed in slot.log, 15), slot.log
        server = start_redis(data, port, *persistent)
        result = wait_result(r, job["job_id"], timeout=40)
        assert result["outcome"] == "ok"
        assert wait_for(lambda: pending(r, host_id, 1) == 0, 10)
        assert r.get(f"klaro:host:{host_id}") is not None
        follow_up = make_job(key.private.public_key(), login=3132)
        enqueue(r, host_id, 1, follow_up)
        assert wait_result(r, follow_up["job_id"], timeout=20)["outcome"] == "ok"
    finally:
        slot.stop()
        server.terminate()
        server.wait(10)
    lines = slot.log.splitlines()
    slot_warnings = [line for line in lines if "unreachable" in line and f"slot {host_id}:1" in line]
    beat_warnings = [line for line in lines if "unreachable" in line and f"heartbeat {host_id}:1" in line]
    assert len(slot_warnings) == 1 and "during XADD result" in slot_warnings[0], slot_warnings
    assert len(beat_warnings) <= 1, beat_warnings
    assert any("reachable again" in line for line in lines)
