"""Protocol pieces: outcome mapping, wire documents against docs/schemas, job parsing."""

from __future__ import annotations

import json
import math

import jsonschema
import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from klaro_worker import protocol as p
from klaro_worker.redis_link import mask_url

from helpers import make_job, schema


@pytest.mark.parametrize(
    ("code", "outcome", "restart"),
    [
        (-6, "auth_failed", False),
        (-7, "otp_required", False),
        (-10005, "timeout", True),
        (-10004, "ipc_error", True),
        (-10003, "ipc_error", True),
        (-10000, "ipc_error", True),
        (-1, "terminal_error", False),
        (-2, "terminal_error", False),
        (-4, "terminal_error", False),
        (-5, "terminal_incompatible", False),
        (-9999, "terminal_error", False),
    ],
)
def test_outcome_for_codes(code: int, outcome: str, restart: bool) -> None:
    assert p.outcome_for(code) == outcome
    assert p.restarts_terminal(code) is restart


def test_key_names() -> None:
    assert p.host_key("win-fra-01") == "klaro:host:win-fra-01"
    assert p.heartbeat_key("win-fra-01", 2) == "klaro:hb:win-fra-01:2"
    assert p.queue_key("win-fra-01", 2) == "klaro:q:win-fra-01:2"
    assert p.consumer_name("win-fra-01", 2) == "win-fra-01:2"


def test_host_and_heartbeat_documents_match_their_schemas() -> None:
    public = "A" * 43 + "="
    jsonschema.validate(
        json.loads(p.host_registration("win-fra-01", 4, public, "klaro-worker 0.1.0", 1)), schema("host")
    )
    for state, job_id, build, connected in [
        ("idle", None, None, None),
        ("busy", "0193a7c4-5e0b-7cc1-9d6e-52e1d1b2a9f4", 5200, True),
    ]:
        beat = json.loads(p.Heartbeat("win-fra-01", 2, state, job_id, build, connected, 4242, 0).to_json())
        jsonschema.validate(beat, schema("heartbeat"))


def test_test_jobs_match_the_job_schema() -> None:
    job = make_job(X25519PrivateKey.generate().public_key())
    jsonschema.validate(job, schema("job"))
    parsed = p.parse_job(json.dumps(job))
    assert parsed.job_id == job["job_id"] and parsed.max_deals == 20_000
    assert job["password_sealed"] not in repr(parsed)


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[1]",
        '{"job_id": "x"}',
        '{"job_id": "x", "account_id": "y"}',
        '{"job_id": "x", "account_id": "y", "fence": true}',
    ],
)
def test_unaddressable_jobs_are_rejected(text: str) -> None:
    with pytest.raises(p.JobError):
        p.parse_job(text)


def test_incomplete_jobs_parse_and_name_their_problem() -> None:
    job = p.parse_job('{"v": 1, "job_id": "x", "account_id": "y", "fence": 3, "server": "S"}')
    assert p.job_problem(job) == "job has no valid login"


def test_every_failure_result_matches_the_schema_and_carries_no_data() -> None:
    validator = jsonschema.Draft202012Validator(schema("result"))
    job = p.parse_job(json.dumps(make_job(X25519PrivateKey.generate().public_key())))
    for outcome, error in [
        ("auth_failed", (-6, "Terminal: Authorization failed")),
        ("otp_required", (-7, "Unsupported authorization mode")),
        ("timeout", None),
        ("ipc_error", (-10004, "No IPC connection")),
        ("terminal_error", (-2, "unsupported job version")),
    ]:
        result = p.Result(job=job, host="h", slot=1, started_at=1, account={"login": 1}, deals=[])
        wire = json.loads(result.fail(outcome, error).to_json())
        validator.validate(wire)
        assert wire["outcome"] == outcome and wire["account"] is None and wire["deals"] is None


def test_non_finite_numbers_become_zero() -> None:
    job = p.parse_job(json.dumps(make_job(X25519PrivateKey.generate().public_key())))
    result = p.Result(
        job=job,
        host="h",
        slot=1,
        started_at=1,
        outcome="ok",
        account={"margin_level": math.nan},
        positions=[],
        deals=[{"profit": math.inf}],
    )
    wire = json.loads(result.to_json())
    assert wire["account"]["margin_level"] == 0.0 and wire["deals"][0]["profit"] == 0.0


def test_mask_url_hides_the_password() -> None:
    assert mask_url("redis://worker:s3cret@10.0.0.5:6379/0") == "redis://worker:***@10.0.0.5:6379/0"
    assert mask_url("redis://127.0.0.1:6379/1") == "redis://127.0.0.1:6379/1"
