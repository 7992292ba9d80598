"""No log line the worker writes (slot and driver, at DEBUG) holds a password or its base64."""

from __future__ import annotations

import base64
from pathlib import Path

import redis
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from klaro_worker import keys

from helpers import PASSWORD, SlotRunner, enqueue, make_job, scenario_file, wait_result

ACCOUNTS = [
    {"login": 66, "password": PASSWORD},
    {"login": 77, "otp": True},
    {"login": 88, "ipc_timeout": "login"},
    {"login": 99, "hang": "login"},
    {"login": 111, "crash": "account_info"},
]


def forms(secret: str) -> list[str]:
    raw = secret.encode()
    return [
        secret,
        base64.b64encode(raw).decode(),
        base64.urlsafe_b64encode(raw).decode().rstrip("="),
        raw.hex(),
        repr(secret),
    ]


def test_password_never_logged(
    tmp_path: Path, r: redis.Redis, redis_url: str, host_id: str, host_key: tuple[Path, keys.HostKey]
) -> None:
    key_file, key = host_key
    public = key.private.public_key()
    wrong_password = "Wr0ng-" + PASSWORD
    scenario = scenario_file(tmp_path, accounts=ACCOUNTS, faults={"ipc_timeout_ms": 30})
    jobs = [
        make_job(public, login=5012345),  # ok
        make_job(public, login=66),  # ok, protected account
        make_job(public, login=66, password=wrong_password),  # auth_failed
        make_job(public, login=77),  # otp_required
        make_job(public, login=88),  # IPC timeout, restart
        make_job(public, login=99, deadline_in_ms=1200),  # hang, watchdog, restart
        make_job(public, login=111),  # crash, restart
        make_job(X25519PrivateKey.generate().public_key()),  # sealed to another key
        make_job(public, v=2),  # unsupported version
    ]
    with SlotRunner(tmp_path, redis_url, host_id, key_file, scenario, log_level="DEBUG") as slot:
        slot.wait_ready(r, host_id)
        for job in jobs:
            enqueue(r, host_id, 1, job)
        outcomes = [wait_result(r, job["job_id"], timeout=20)["outcome"] for job in jobs]
    assert outcomes == [
        "ok",
        "ok",
        "auth_failed",
        "otp_required",
        "timeout",
        "timeout",
        "ipc_error",
        "seal_rejected",
        "terminal_error",
    ]
    text = slot.log
    assert "DEBUG" in text and "job " in text, "the log was captured at DEBUG"
    for secret in (PASSWORD, wrong_password):
        for form in forms(secret):
            assert form not in text, f"a form of the password appears in the log: {form[:4]}…"
