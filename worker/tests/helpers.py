"""Helpers that play klarod's part: build and seal jobs, run slots, wait for results."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import redis
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

from klaro_worker import sealing

SCHEMAS = Path(__file__).resolve().parents[2] / "docs" / "schemas"
PASSWORD = "Zq7-hunter2-Secret!"

#: A quick, healthy simulated world for tests (accounts opened 20 days ago, short latencies).
FAST = {
    "seed": 11,
    "epoch": int(time.time()) - 20 * 86_400,
    "latency": {"initialize": 10, "login": 20, "call": 1},
}


def schema(name: str) -> dict[str, Any]:
    return json.loads((SCHEMAS / f"{name}.v1.json").read_text())


def uuid7() -> str:
    """A version-7 UUID (time-ordered), as klarod makes job ids."""
    millis = int(time.time() * 1000)
    value = (millis << 80) | (0x7 << 76) | (int.from_bytes(os.urandom(2), "big") & 0xFFF) << 64
    value |= (0b10 << 62) | (int.from_bytes(os.urandom(8), "big") & ((1 << 62) - 1))
    return str(uuid.UUID(int=value))


def make_job(
    public: X25519PublicKey,
    login: int = 5012345,
    server: str = "Broker-Demo",
    password: str = PASSWORD,
    deadline_in_ms: int = 20_000,
    **overrides: Any,
) -> dict[str, Any]:
    now = int(time.time() * 1000)
    job_id = overrides.pop("job_id", uuid7())
    job = {
        "v": 1,
        "job_id": job_id,
        "account_id": str(uuid.uuid4()),
        "attempt": 1,
        "fence": 7,
        "login": login,
        "server": server,
        "history_from": now - 30 * 86_400_000,
        "history_to": now + 2 * 86_400_000,
        "dispatched_at": now,
        "deadline": now + deadline_in_ms,
        "max_deals": 20_000,
    }
    job.update(overrides)
    # Sealed last, bound to the job's final fields (seal v2).
    job.setdefault("password_sealed", sealing.seal(public, sealing.SealBinding.of(job), password.encode()))
    return job


def scenario_file(directory: Path, **changes: Any) -> Path:
    data = {**FAST, **changes}
    path = directory / f"scenario-{uuid.uuid4().hex[:6]}.json"
    path.write_text(json.dumps(data))
    return path


def enqueue(client: redis.Redis, host: str, slot: int, job: dict[str, Any]) -> str:
    return client.xadd(f"klaro:q:{host}:{slot}", {"job": json.dumps(job)})


def wait_for(predicate: Any, timeout: float, interval: float = 0.05) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            return value
        time.sleep(interval)


def result_for(client: redis.Redis, job_id: str) -> dict[str, Any] | None:
    for _, fields in client.xrange("klaro:results"):
        result = json.loads(fields["result"])
        if result["job_id"] == job_id:
            return result
    return None


def wait_result(client: redis.Redis, job_id: str, timeout: float = 15) -> dict[str, Any]:
    result = wait_for(lambda: result_for(client, job_id), timeout)
    assert result is not None, f"no result for job {job_id} within {timeout} s"
    return result


def pending(client: redis.Redis, host: str, slot: int) -> int:
    try:
        return int(client.xpending(f"klaro:q:{host}:{slot}", "slot")["pending"])
    except redis.ResponseError:
        return 0


def heartbeat(client: redis.Redis, host: str, slot: int) -> dict[str, Any] | None:
    text = client.get(f"klaro:hb:{host}:{slot}")
    return None if text is None else json.loads(text)


class SlotRunner:
    """A ``klaro-worker slot`` subprocess with its stderr in a file."""

    def __init__(
        self,
        tmp: Path,
        redis_url: str,
        host: str,
        key_file: Path,
        scenario: Path | None,
        slot: int = 1,
        log_level: str = "DEBUG",
    ) -> None:
        self.log_path = tmp / f"slot-{slot}-{uuid.uuid4().hex[:6]}.log"
        command = [
            sys.executable,
            "-m",
            "klaro_worker",
            "slot",
            "--host-id",
            host,
            "--slot",
            str(slot),
            "--terminal",
            f"C:\\klaro\\slot-{slot}\\terminal64.exe",
            "--redis",
            redis_url,
            "--key-file",
            str(key_file),
            "--backend",
            "sim",
            "--log-level",
            log_level,
            "--init-timeout-ms",
            "5000",
        ]
        if scenario is not None:
            command += ["--sim-scenario", str(scenario)]
        env = {k: v for k, v in os.environ.items() if not k.startswith("KLARO_WORKER_")}
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(command, stdout=self._log, stderr=subprocess.STDOUT, env=env)

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_ready(self, client: redis.Redis, host: str, slot: int = 1, timeout: float = 15) -> dict[str, Any]:
        beat = wait_for(
            lambda: (
                (b := heartbeat(client, host, slot))
                and b["pid"] == self.process.pid
                and b["terminal_build"] is not None
                and b
            ),
            timeout,
        )
        assert beat, f"slot did not report a ready terminal; log:\n{self.log}"
        return beat

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self, timeout: float = 15) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self._log.close()
        return self.process.returncode

    def __enter__(self) -> SlotRunner:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()
