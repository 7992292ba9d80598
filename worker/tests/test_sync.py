"""One sync in-process (SyncRunner + sim driver): outcomes, watchdog, truncation, schema."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from klaro_worker import keys, protocol, sealing
from klaro_worker.backends import BackendSpec
from klaro_worker.session import TerminalSession
from klaro_worker.sync import SyncOutcome, SyncRunner

from helpers import FAST, make_job, schema

RESULT_SCHEMA = jsonschema.Draft202012Validator(schema("result"))
SPECIAL = [
    {"login": 66, "password": "right"},
    {"login": 77, "otp": True},
    {"login": 88, "ipc_timeout": "login"},
    {"login": 99, "hang": "login"},
    {"login": 111, "crash": "positions_get"},
    {"login": 122, "hang": "history_deals_get"},
]


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[SyncRunner, TerminalSession, keys.HostKey, Path]]:
    calls = tmp_path / "calls.jsonl"
    scenario = tmp_path / "scenario.json"
    scenario.write_text(
        json.dumps(
            {
                **FAST,
                "trades_per_day": 24,
                "accounts": SPECIAL,
                "record_calls": str(calls),
                "faults": {"ipc_timeout_ms": 50},
            }
        )
    )
    key = keys.generate(tmp_path / "host.key")
    session = TerminalSession(
        BackendSpec("sim", sim_scenario=str(scenario)), "C:\\k\\slot-2\\terminal64.exe", 5000, logging.DEBUG
    )
    session.start()
    yield SyncRunner("h-1", 2, key, session), session, key, calls
    session.stop()


def run(runner: SyncRunner, job: dict[str, Any]) -> tuple[SyncOutcome, dict[str, Any]]:
    outcome = runner.run(protocol.parse_job(json.dumps(job)))
    wire = json.loads(outcome.result.to_json())
    RESULT_SCHEMA.validate(wire)
    return outcome, wire


def call_names(calls: Path) -> list[str]:
    return [json.loads(line)["call"] for line in calls.read_text().splitlines()] if calls.exists() else []


def test_ok_sync_carries_mt5_records(world: Any) -> None:
    runner, _, key, calls = world
    job = make_job(key.private.public_key(), login=4040)
    outcome, result = run(runner, job)
    assert outcome.restart_reason is None
    assert result["outcome"] == "ok", result["mt5_error"]
    assert (result["job_id"], result["account_id"], result["fence"]) == (job["job_id"], job["account_id"], 7)
    assert (result["host"], result["slot"]) == ("h-1", 2)
    assert result["mt5_error"] == {"code": 1, "message": "Success"}
    assert result["account"]["login"] == 4040 and result["account"]["server"] == "Broker-Demo"
    assert isinstance(result["login_ms"], int) and isinstance(result["fetch_ms"], int)
    assert result["terminal"]["build"] == 5200 and result["terminal"]["connected"] is True
    deals = result["deals"]
    assert deals and deals == sorted(deals, key=lambda d: (d["time_msc"], d["ticket"]))
    assert all(job["history_from"] // 1000 <= d["time"] <= job["history_to"] // 1000 for d in deals)
    assert list(deals[0]) == [
        "ticket",
        "order",
        "time",
        "time_msc",
        "type",
        "entry",
        "magic",
        "position_id",
        "reason",
        "volume",
        "price",
        "commission",
        "swap",
        "profit",
        "fee",
        "symbol",
        "comment",
        "external_id",
    ]
    assert result["deals_truncated"] is False
    assert result["started_at"] <= result["finished_at"]
    # The history is read until two reads agree: twice for a terminal that has it all. Then the
    # clock and digits of the symbols seen (server_clock.py; tests in test_server_clock.py).
    names = call_names(calls)
    start = names.index("login")
    assert names[start : start + 6] == [
        "login",
        "account_info",
        "positions_get",
        "history_deals_get",
        "history_deals_get",
        "terminal_info",
    ]
    assert set(names[start + 6 :]) == {"symbol_info_tick", "symbol_info"}


def test_max_deals_keeps_the_oldest_and_marks_truncation(world: Any) -> None:
    runner, _, key, _ = world
    _, full = run(runner, make_job(key.private.public_key(), login=4041))
    _, cut = run(runner, make_job(key.private.public_key(), login=4041, max_deals=5))
    assert len(full["deals"]) > 5
    assert cut["deals_truncated"] is True
    assert [d["ticket"] for d in cut["deals"]] == [d["ticket"] for d in full["deals"][:5]]


@pytest.mark.parametrize(
    ("login", "password", "outcome", "code"),
    [
        (66, "wrong", "auth_failed", -6),
        (77, "pw", "otp_required", -7),
    ],
)
def test_login_refusals(world: Any, login: int, password: str, outcome: str, code: int) -> None:
    runner, _, key, _ = world
    done, result = run(runner, make_job(key.private.public_key(), login=login, password=password))
    assert result["outcome"] == outcome and result["mt5_error"]["code"] == code
    assert result["account"] is None and result["positions"] is None and result["deals"] is None
    assert isinstance(result["login_ms"], int) and result["fetch_ms"] is None
    assert done.restart_reason is None


def test_ipc_timeout_is_timeout_and_restarts_the_terminal(world: Any) -> None:
    runner, session, key, calls = world
    done, result = run(runner, make_job(key.private.public_key(), login=88))
    assert result["outcome"] == "timeout"
    assert result["mt5_error"] == {"code": -10005, "message": "IPC timeout"}
    assert done.restart_reason is not None
    before = call_names(calls).count("initialize")
    session.restart(done.restart_reason)
    assert session.status.restarts == 1
    assert call_names(calls).count("initialize") == before + 1
    _, after = run(runner, make_job(key.private.public_key(), login=4042))
    assert after["outcome"] == "ok"


@pytest.mark.parametrize("login", [99, 122])
def test_hang_past_the_deadline_is_timeout_within_a_second(world: Any, login: int) -> None:
    runner, session, key, _ = world
    job = make_job(key.private.public_key(), login=login, deadline_in_ms=1500)
    done, result = run(runner, job)
    assert result["outcome"] == "timeout"
    assert result["mt5_error"]["code"] == -10005 and "watchdog" in result["mt5_error"]["message"]
    assert job["deadline"] - 50 <= result["finished_at"] <= job["deadline"] + 1000
    assert done.restart_reason is not None
    session.restart(done.restart_reason)
    _, after = run(runner, make_job(key.private.public_key(), login=4043))
    assert after["outcome"] == "ok"


def test_job_past_its_deadline_is_timeout_without_login(world: Any) -> None:
    runner, _, key, calls = world
    before = call_names(calls)
    done, result = run(runner, make_job(key.private.public_key(), deadline_in_ms=-1))
    assert result["outcome"] == "timeout" and result["mt5_error"] is None
    assert result["login_ms"] is None and result["fetch_ms"] is None
    assert call_names(calls) == before
    assert done.restart_reason is None


def test_unsupported_version_is_terminal_error(world: Any) -> None:
    runner, _, key, _ = world
    _, result = run(runner, make_job(key.private.public_key(), v=2))
    assert result["outcome"] == "terminal_error"
    assert result["mt5_error"] == {"code": -2, "message": "unsupported job version"}
    assert result["v"] == 1


def test_password_sealed_to_another_key_or_for_other_job_fields_is_refused(world: Any) -> None:
    runner, _, key, _ = world
    other = X25519PrivateKey.generate().public_key()
    refused = [run(runner, make_job(other))[1]]
    # A job replayed with its sealed password but another job id, account, login or server.
    for field, value in [
        ("job_id", "0193a7c4-0000-7000-8000-000000000000"),
        ("account_id", "6f1c1a8e-0000-4000-8000-000000000000"),
        ("login", 999),
        ("server", "Attacker-Server"),
    ]:
        job = make_job(key.private.public_key())
        job[field] = value
        refused.append(run(runner, job)[1])
    # A v1 seal (bound to the job id alone) is refused too.
    job = make_job(key.private.public_key())
    job["password_sealed"] = sealing.seal(key.private.public_key(), sealing.SealBinding.of(job), b"pw", version=1)
    refused.append(run(runner, job)[1])
    for result in refused:
        assert result["outcome"] == "seal_rejected"
        assert result["mt5_error"] == {"code": -2, "message": "sealed password refused"}
        assert result["login_ms"] is None


def test_terminal_crash_is_ipc_error_and_restarts(world: Any) -> None:
    runner, session, key, _ = world
    done, result = run(runner, make_job(key.private.public_key(), login=111))
    assert result["outcome"] == "ipc_error"
    assert result["mt5_error"] == {"code": -10004, "message": "No IPC connection"}
    assert done.restart_reason is not None
    _, still_dead = run(runner, make_job(key.private.public_key(), login=4044))
    assert still_dead["outcome"] == "ipc_error"  # a crashed terminal stays down until restarted
    session.restart("test")
    _, after = run(runner, make_job(key.private.public_key(), login=4044))
    assert after["outcome"] == "ok"


def test_a_driver_dying_mid_call_is_an_ipc_error(world: Any) -> None:
    runner, session, key, _ = world
    process = session._driver._process
    threading.Timer(0.4, process.kill).start()
    done, result = run(runner, make_job(key.private.public_key(), login=99, deadline_in_ms=10_000))
    assert result["outcome"] == "ipc_error"
    assert result["mt5_error"]["code"] == -10000
    assert done.restart_reason is not None


def test_a_driver_dead_between_jobs_is_started_again(world: Any) -> None:
    runner, session, key, calls = world
    session._driver._process.kill()
    time.sleep(0.2)
    before = call_names(calls).count("initialize")
    _, result = run(runner, make_job(key.private.public_key(), login=4045))
    assert result["outcome"] == "ok"
    assert call_names(calls).count("initialize") == before + 1
