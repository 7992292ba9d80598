"""A slot process end to end against a real Redis, with klarod's side played by the test."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path
from typing import Any

import jsonschema
import redis

from klaro_worker import keys

from helpers import (
    PASSWORD,
    SlotRunner,
    enqueue,
    heartbeat,
    make_job,
    pending,
    scenario_file,
    schema,
    wait_for,
    wait_result,
)

SPECIAL = [
    {"login": 66, "password": "right"},
    {"login": 77, "otp": True},
    {"login": 88, "ipc_timeout": "login"},
    {"login": 99, "hang": "login"},
]


def calls(path: Path) -> list[str]:
    return [json.loads(line)["call"] for line in path.read_text().splitlines()] if path.exists() else []


def test_job_in_result_out_and_acknowledged(
    tmp_path: Path, r: redis.Redis, redis_url: str, host_id: str, host_key: tuple[Path, keys.HostKey]
) -> None:
    key_file, key = host_key
    with SlotRunner(tmp_path, redis_url, host_id, key_file, scenario_file(tmp_path), slot=3) as slot:
        beat = slot.wait_ready(r, host_id, 3)
        jsonschema.validate(beat, schema("heartbeat"))
        assert beat["state"] == "idle" and beat["job_id"] is None and beat["terminal_build"] == 5200
        assert 5 <= r.ttl(f"klaro:hb:{host_id}:3") <= 15
        registration = json.loads(r.get(f"klaro:host:{host_id}"))
        jsonschema.validate(registration, schema("host"))
        assert registration["public_key"] == key.public_base64 and registration["slots"] == 4
        groups = r.xinfo_groups(f"klaro:q:{host_id}:3")
        assert [group["name"] for group in groups] == ["slot"]

        job = make_job(key.private.public_key(), login=5150)
        enqueue(r, host_id, 3, job)
        result = wait_result(r, job["job_id"])
        jsonschema.validate(result, schema("result"))
        assert result["outcome"] == "ok" and result["account"]["login"] == 5150
        assert (result["host"], result["slot"], result["fence"]) == (host_id, 3, job["fence"])
        assert wait_for(lambda: pending(r, host_id, 3) == 0, 5), "the job was not acknowledged"
        consumers = r.xinfo_consumers(f"klaro:q:{host_id}:3", "slot")
        assert [c["name"] for c in consumers] == [f"{host_id}:3"]
        assert wait_for(lambda: (b := heartbeat(r, host_id, 3)) and b["state"] == "idle", 5)
    assert slot.process.returncode == 0
    stored = json.dumps([fields for _, fields in r.xrange("klaro:results")])
    assert PASSWORD not in stored and base64.b64encode(PASSWORD.encode()).decode() not in stored


def test_outcomes_through_redis(
    tmp_path: Path, r: redis.Redis, redis_url: str, host_id: str, host_key: tuple[Path, keys.HostKey]
) -> None:
    key_file, key = host_key
    record = tmp_path / "calls.jsonl"
    scenario = scenario_file(tmp_path, accounts=SPECIAL, record_calls=str(record), faults={"ipc_timeout_ms": 50})
    public = key.private.public_key()
    with SlotRunner(tmp_path, redis_url, host_id, key_file, scenario) as slot:
        slot.wait_ready(r, host_id)
        wrong = make_job(public, login=66, password="wrong")
        otp = make_job(public, login=77)
        for job in (wrong, otp):
            enqueue(r, host_id, 1, job)
        assert wait_result(r, wrong["job_id"])["outcome"] == "auth_failed"
        assert wait_result(r, otp["job_id"])["outcome"] == "otp_required"

        # IPC timeout: outcome timeout, and the terminal is restarted (heartbeat counts it, initialize again).
        initializes = calls(record).count("initialize")
        ipc = make_job(public, login=88)
        enqueue(r, host_id, 1, ipc)
        result = wait_result(r, ipc["job_id"])
        assert result["outcome"] == "timeout" and result["mt5_error"]["code"] == -10005
        beat = wait_for(lambda: (b := heartbeat(r, host_id, 1)) and b["restarts"] == 1 and b, 10)
        assert beat, heartbeat(r, host_id, 1)
        assert wait_for(lambda: calls(record).count("initialize") == initializes + 1, 5)

        # A login that hangs past the deadline: timeout within deadline + 1 s, then a fresh terminal.
        hang = make_job(public, login=99, deadline_in_ms=2000)
        enqueue(r, host_id, 1, hang)
        result = wait_result(r, hang["job_id"])
        arrived = int(time.time() * 1000)
        assert result["outcome"] == "timeout"
        assert result["finished_at"] <= hang["deadline"] + 1000
        assert arrived <= hang["deadline"] + 1000
        assert wait_for(lambda: (b := heartbeat(r, host_id, 1)) and b["restarts"] == 2, 10)

        # A job already past its deadline: timeout, and no login was even tried.
        logins = calls(record).count("login")
        late = make_job(public, login=5151, deadline_in_ms=-5000)
        enqueue(r, host_id, 1, late)
        result = wait_result(r, late["job_id"])
        assert result["outcome"] == "timeout" and result["mt5_error"] is None and result["login_ms"] is None
        assert calls(record).count("login") == logins

        # Still healthy afterwards, and nothing is left pending.
        ok = make_job(public, login=5152)
        enqueue(r, host_id, 1, ok)
        assert wait_result(r, ok["job_id"])["outcome"] == "ok"
        assert wait_for(lambda: pending(r, host_id, 1) == 0, 5)
    validator = jsonschema.Draft202012Validator(schema("result"))
    for _, fields in r.xrange("klaro:results"):
        validator.validate(json.loads(fields["result"]))


def test_unusable_entries_are_dropped_not_stuck(
    tmp_path: Path, r: redis.Redis, redis_url: str, host_id: str, host_key: tuple[Path, keys.HostKey]
) -> None:
    key_file, key = host_key
    with SlotRunner(tmp_path, redis_url, host_id, key_file, scenario_file(tmp_path)) as slot:
        slot.wait_ready(r, host_id)
        r.xadd(f"klaro:q:{host_id}:1", {"job": "{not json"})
        r.xadd(f"klaro:q:{host_id}:1", {"other": "field"})
        job = make_job(key.private.public_key())
        enqueue(r, host_id, 1, job)
        assert wait_result(r, job["job_id"])["outcome"] == "ok"
        assert wait_for(lambda: pending(r, host_id, 1) == 0, 5)
        ours = [json.loads(f["result"]) for _, f in r.xrange("klaro:results")]
        assert [result["job_id"] for result in ours if result["host"] == host_id] == [job["job_id"]]
        assert "not a usable job" in slot.log


def test_stop_while_busy_finishes_the_job(
    tmp_path: Path, r: redis.Redis, redis_url: str, host_id: str, host_key: tuple[Path, keys.HostKey]
) -> None:
    key_file, key = host_key
    scenario = scenario_file(tmp_path, accounts=[{"login": 4321}], latency={"initialize": 10, "login": 1500, "call": 1})
    with SlotRunner(tmp_path, redis_url, host_id, key_file, scenario) as slot:
        slot.wait_ready(r, host_id)
        job = make_job(key.private.public_key(), login=4321)
        enqueue(r, host_id, 1, job)
        assert wait_for(lambda: (b := heartbeat(r, host_id, 1)) and b["state"] == "busy", 5)
        started = time.monotonic()
        code = slot.stop()
        assert code == 0
        assert time.monotonic() - started < 10
    result: dict[str, Any] = wait_result(r, job["job_id"], timeout=1)
    assert result["outcome"] == "ok"
    assert pending(r, host_id, 1) == 0


def test_wrong_redis_password_is_reported_and_the_slot_exits(
    tmp_path: Path, redis_server: Any, host_id: str, host_key: tuple[Path, keys.HostKey]
) -> None:
    key_file, _ = host_key
    url = f"redis://nobody:wrong-secret@{redis_server.host}:{redis_server.port}/0"
    slot = SlotRunner(tmp_path, url, host_id, key_file, scenario_file(tmp_path), log_level="INFO")
    try:
        assert slot.process.wait(20) == 1
    finally:
        slot.stop()
    assert "Redis refused this slot" in slot.log
    assert "wrong-secret" not in slot.log
