"""The worker against what the real terminal does and the simulator now produces (issue 14)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import redis

from klaro_worker import keys, protocol
from klaro_worker.backends import BackendSpec
from klaro_worker.session import TerminalSession
from klaro_worker.sync import SyncOutcome, SyncRunner

from helpers import FAST, SlotRunner, heartbeat, make_job, scenario_file, schema, wait_for

RESULT_SCHEMA = jsonschema.Draft202012Validator(schema("result"))
HEARTBEAT_SCHEMA = jsonschema.Draft202012Validator(schema("heartbeat"))
ACCOUNTS = [
    {"login": 901, "login_does_not_switch": True},
    {"login": 902, "late_history_ms": 1500},
    {"login": 903, "late_history_ms": 20_000},
]


def session_for(tmp_path: Path, terminal: Path | None = None, **scenario: Any) -> TerminalSession:
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps({**FAST, "trades_per_day": 24, "accounts": ACCOUNTS, **scenario}))
    spec = BackendSpec("sim", sim_scenario=str(path), slot=2)
    location = str(terminal) if terminal is not None else "C:\\k\\slot-2\\terminal64.exe"
    return TerminalSession(spec, location, 5000, logging.DEBUG)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[SyncRunner, TerminalSession, keys.HostKey]]:
    key = keys.generate(tmp_path / "host.key")
    session = session_for(tmp_path)
    session.start()
    yield SyncRunner("h-1", 2, key, session), session, key
    session.stop()


def run(runner: SyncRunner, job: dict[str, Any]) -> tuple[SyncOutcome, dict[str, Any]]:
    outcome = runner.run(protocol.parse_job(json.dumps(job)))
    wire = json.loads(outcome.result.to_json())
    RESULT_SCHEMA.validate(wire)
    return outcome, wire


def test_a_login_that_did_not_switch_sends_no_data_and_restarts(world: Any, caplog: Any) -> None:
    runner, session, key = world
    _, first = run(runner, make_job(key.private.public_key(), login=900))
    assert first["outcome"] == "ok" and first["account"]["login"] == 900
    caplog.set_level(logging.ERROR)
    outcome, result = run(runner, make_job(key.private.public_key(), login=901))
    assert result["outcome"] == "wrong_account"
    assert result["mt5_error"]["code"] == -20001 and result["mt5_error"]["reason"] == "wrong_account"
    assert "900" not in result["mt5_error"]["message"]  # another trader's login stays out of the result
    assert result["account"] is None and result["positions"] is None and result["deals"] is None
    assert outcome.restart_reason is not None
    assert session.status.wrong_accounts == 1
    assert "login() answered True but the terminal is on login 900, not 901" in caplog.text


def test_late_history_is_read_until_it_settles(world: Any) -> None:
    runner, _, key = world
    _, early = run(runner, make_job(key.private.public_key(), login=902))
    _, later = run(runner, make_job(key.private.public_key(), login=902))  # long after it has all arrived
    assert early["outcome"] == later["outcome"] == "ok", early["mt5_error"]
    assert len(later["deals"]) > 100
    assert [d["ticket"] for d in early["deals"]] == [d["ticket"] for d in later["deals"]]


def test_a_history_that_never_settles_is_incomplete_not_stored(world: Any) -> None:
    runner, _, key = world
    _, result = run(runner, make_job(key.private.public_key(), login=903, deadline_in_ms=3000))
    assert result["outcome"] == "terminal_error"
    assert result["mt5_error"]["code"] == -20002 and result["mt5_error"]["reason"] == "history_incomplete"
    assert result["deals"] is None


def test_none_with_success_is_an_empty_window(tmp_path: Path) -> None:
    key = keys.generate(tmp_path / "host.key")
    session = session_for(tmp_path, empty_history_is_none=True)
    session.start()
    try:
        job = make_job(key.private.public_key(), login=904, history_from=1_000_000, history_to=2_000_000)
        _, result = run(SyncRunner("h-1", 2, key, session), job)
    finally:
        session.stop()
    assert result["outcome"] == "ok", result["mt5_error"]
    assert result["deals"] == []


def test_incompatible_terminal_is_named_in_result_and_heartbeat(tmp_path: Path) -> None:
    key = keys.generate(tmp_path / "host.key")
    session = session_for(tmp_path, incompatible_versions=True)
    session.start()
    try:
        outcome, result = run(SyncRunner("h-1", 2, key, session), make_job(key.private.public_key()))
    finally:
        session.stop()
    assert result["outcome"] == "terminal_incompatible" and outcome.restart_reason is None
    assert result["mt5_error"]["code"] == -5 and result["mt5_error"]["reason"] == "terminal_incompatible"
    assert "Incompatible versions" in result["mt5_error"]["message"]
    assert session.status.problem == "incompatible_versions" and session.status.init_failures == 2
    status = session.status
    beat = json.loads(protocol.Heartbeat("h-1", 2, "idle", None, None, None, 42, 0, status.problem, 2).to_json())
    HEARTBEAT_SCHEMA.validate(beat)
    assert beat["terminal_problem"] == "incompatible_versions"


def test_a_slot_that_keeps_failing_to_initialize_says_so(tmp_path: Path) -> None:
    key = keys.generate(tmp_path / "host.key")
    missing = tmp_path / "slot-2" / "terminal64.exe"
    session = session_for(tmp_path, terminal=missing, terminal_must_exist=True)
    session.start()
    runner = SyncRunner("h-1", 2, key, session)
    try:
        assert session.status.problem is None and session.status.init_failures == 1
        run(runner, make_job(key.private.public_key()))
        _, result = run(runner, make_job(key.private.public_key()))
    finally:
        session.stop()
    assert result["outcome"] == "ipc_error" and result["mt5_error"]["code"] == -10003
    assert session.status.init_failures == 3 and session.status.problem == "initialize_failing"


def test_the_terminals_saved_accounts_are_removed_after_each_job(tmp_path: Path) -> None:
    key = keys.generate(tmp_path / "host.key")
    terminal = tmp_path / "slot-2" / "terminal64.exe"
    terminal.parent.mkdir()
    saved = terminal.parent / "config" / "accounts.dat"
    session = session_for(tmp_path, terminal=terminal, record_calls=str(tmp_path / "calls.jsonl"))
    session.start()
    try:
        _, result = run(SyncRunner("h-1", 2, key, session), make_job(key.private.public_key(), login=905))
        assert result["outcome"] == "ok"
        assert not saved.exists()
        saved.parent.mkdir(exist_ok=True)
        saved.write_text("left by a terminal that stopped")
    finally:
        session.stop()
    assert not saved.exists()  # and when the terminal stops


def test_heartbeat_of_a_slot_with_an_incompatible_terminal(
    tmp_path: Path, r: redis.Redis, redis_url: str, host_id: str, host_key: tuple[Path, keys.HostKey]
) -> None:
    key_file, _ = host_key
    scenario = scenario_file(tmp_path, incompatible_versions=True)
    with SlotRunner(tmp_path, redis_url, host_id, key_file, scenario, slot=1) as slot:
        beat = wait_for(lambda: (b := heartbeat(r, host_id, 1)) and b.get("terminal_problem") and b, 15)
        assert beat, slot.log
        HEARTBEAT_SCHEMA.validate(beat)
        assert beat["terminal_problem"] == "incompatible_versions" and beat["init_failures"] >= 1
        assert "update the module or pin the terminal" in slot.log


def test_an_unknown_server_is_named_beside_a_wrong_password(tmp_path: Path) -> None:
    key = keys.generate(tmp_path / "host.key")
    session = session_for(tmp_path, unknown_servers=["Nowhere-Live"])
    session.start()
    try:
        job = make_job(key.private.public_key(), login=906, server="Nowhere-Live")
        _, result = run(SyncRunner("h-1", 2, key, session), job)
    finally:
        session.stop()
    assert result["outcome"] == "auth_failed" and result["mt5_error"]["code"] == -6
    assert result["mt5_error"]["message"] == (
        "Terminal: Authorization failed: wrong login or password, or no server named 'Nowhere-Live'"
    )


def test_slots_and_restarted_terminals_draw_their_own_faults(tmp_path: Path) -> None:
    """Through the driver: each slot, and each restart of its terminal, gets its own fault stream."""
    key = keys.generate(tmp_path / "host.key")
    faults = {"ipc_timeout_rate": 0.4, "ipc_timeout_ms": 0, "calls": ["account_info"]}

    def outcomes(slot: int) -> list[str]:
        path = tmp_path / f"scenario-{slot}.json"
        path.write_text(json.dumps({**FAST, "trades_per_day": 1, "faults": faults}))
        spec = BackendSpec("sim", sim_scenario=str(path), slot=slot)
        session = TerminalSession(spec, f"C:\\k\\slot-{slot}\\terminal64.exe", 5000, logging.INFO)
        session.start()
        runner = SyncRunner("h-1", slot, key, session)
        seen = []
        try:
            for _ in range(12):
                outcome, result = run(runner, make_job(key.private.public_key(), login=907))
                seen.append(result["outcome"])
                if outcome.restart_reason is not None:
                    session.restart(outcome.restart_reason)  # as the slot does: a new driver, a new stream
        finally:
            session.stop()
        return seen

    first, second = outcomes(1), outcomes(2)
    assert "timeout" in first and "ok" in first
    assert first != second  # one seed for every process made them fail in step
    assert outcomes(1) == first  # and a run is reproducible


def test_the_saved_accounts_of_a_wine_terminal_are_found_in_the_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    from klaro_worker.terminal_store import accounts_file

    monkeypatch.setenv("WINEPREFIX", "/var/lib/klaro-worker/wine")
    assert accounts_file("C:\\klaro\\terminals\\slot-3\\terminal64.exe") == Path(
        "/var/lib/klaro-worker/wine/dosdevices/c:/klaro/terminals/slot-3/config/accounts.dat"
    )
    assert accounts_file("/opt/mt5/slot-1/terminal64.exe") == Path("/opt/mt5/slot-1/config/accounts.dat")
