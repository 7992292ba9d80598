"""The simulator is as strict as the real module (5.0.6231) and produces its quirks on demand."""

from __future__ import annotations

import dataclasses
import json
import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

import klaro_worker.mt5sim as mt5
from klaro_worker.mt5sim.scenario import load_scenario
from klaro_worker.mt5sim.terminal import SimTerminal

TERMINAL = "C:\\klaro\\slot-1\\terminal64.exe"
QUICK = {"epoch": int(time.time()) - 10 * 86_400, "latency": {"initialize": 0, "login": 0, "call": 0}}
UNNAMED = (-2, "Unnamed arguments not allowed")
INVALID = (-2, "Invalid arguments")


@pytest.fixture
def module() -> Iterator[None]:
    mt5.configure({**QUICK, "trades_per_day": 96})
    assert mt5.initialize(TERMINAL, portable=True, timeout=10_000)
    assert mt5.login(4242, password="pw", server="Broker-Demo", timeout=10_000)
    yield
    mt5.configure(None)


def test_unnamed_arguments_are_refused_where_the_module_takes_names(module: None) -> None:
    positions = mt5.positions_get()
    assert positions, "the account needs an open position for this test"
    symbol = positions[0].symbol
    assert mt5.positions_get(symbol) is None and mt5.last_error() == UNNAMED
    assert mt5.positions_get(symbol=symbol)[0].symbol == symbol
    assert mt5.login(4242, "pw", "Broker-Demo") is False and mt5.last_error() == UNNAMED
    assert mt5.initialize(TERMINAL, 10_000) is False and mt5.last_error() == UNNAMED
    assert mt5.positions_get(sym=symbol) is None and mt5.last_error() == INVALID


def test_history_dates_go_by_position_and_filters_by_name(module: None) -> None:
    everything = mt5.history_deals_get(0, 4_000_000_000)
    assert everything
    assert mt5.history_deals_get(date_from=0, date_to=4_000_000_000) is None and mt5.last_error() == INVALID
    assert mt5.history_deals_get(0, 4_000_000_000, "EURUSD") is None and mt5.last_error() == INVALID
    assert mt5.history_deals_total(date_from=0, date_to=1) is None and mt5.last_error() == INVALID
    only = mt5.history_deals_get(0, 4_000_000_000, group="EURUSD")
    assert only is not None and {d.symbol for d in only} <= {"EURUSD"}
    traded = next(d for d in everything if d.position_id)
    assert all(d.position_id == traded.position_id for d in mt5.history_deals_get(position=traded.position_id))


def test_naive_datetimes_are_local_time(module: None, monkeypatch: pytest.MonkeyPatch) -> None:
    everything = mt5.history_deals_get(0, 4_000_000_000)
    low, high = everything[len(everything) // 3].time, everything[2 * len(everything) // 3].time
    expected = tuple(d for d in everything if low <= d.time <= high)
    monkeypatch.setenv("TZ", "Asia/Tokyo")  # UTC+9, no daylight saving
    time.tzset()
    try:
        aware = mt5.history_deals_get(datetime.fromtimestamp(low, UTC), datetime.fromtimestamp(high, UTC))
        local = mt5.history_deals_get(datetime.fromtimestamp(low), datetime.fromtimestamp(high))
        utc_wall = mt5.history_deals_get(
            datetime.fromtimestamp(low, UTC).replace(tzinfo=None),
            datetime.fromtimestamp(high, UTC).replace(tzinfo=None),
        )
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
    assert aware == expected == local
    assert utc_wall != expected  # a UTC wall time without its zone is read 9 hours off


def sim(**changes: object) -> SimTerminal:
    return SimTerminal(load_scenario({**QUICK, **changes}))


def test_incompatible_versions_fail_initialize() -> None:
    terminal = sim(incompatible_versions=True)
    assert terminal.initialize(TERMINAL, None, None, None, 60_000, True) is False
    assert terminal.last_error() == (
        -5,
        "Terminal: Incompatible versions, please install the latest version of Terminal and Python module",
    )


def test_reinitialize_fails_until_shutdown() -> None:
    terminal = sim(reinitialize_fails=True)
    assert terminal.initialize(TERMINAL, None, None, None, 60_000, True)
    assert terminal.initialize(TERMINAL, None, None, None, 60_000, True) is False
    assert terminal.last_error() == (-10003, "IPC initialize failed, CInterClient already initialized")
    terminal.shutdown()
    assert terminal.initialize(TERMINAL, None, None, None, 60_000, True)
    assert sim().initialize(TERMINAL, None, None, None, 60_000, True)  # by default a second call is harmless


def test_a_login_that_does_not_switch() -> None:
    terminal = sim(accounts=[{"login": 777, "login_does_not_switch": True}])
    assert terminal.initialize(TERMINAL, None, None, None, 60_000, True)
    assert terminal.login(555, "pw", "Broker-Demo", 60_000)
    assert terminal.login(777, "pw", "Broker-Demo", 60_000) is True
    assert terminal.last_error() == (1, "Success")
    assert terminal.account_info().login == 555


def test_late_history_arrives_oldest_first() -> None:
    terminal = sim(trades_per_day=48, accounts=[{"login": 888, "late_history_ms": 600}])
    assert terminal.initialize(TERMINAL, None, None, None, 60_000, True)
    assert terminal.login(888, "pw", "Broker-Demo", 60_000)
    first = terminal.history_deals_get(0, 4_000_000_000, None, None, None)
    time.sleep(0.3)
    second = terminal.history_deals_get(0, 4_000_000_000, None, None, None)
    time.sleep(0.35)
    whole = terminal.history_deals_get(0, 4_000_000_000, None, None, None)
    assert len(first) < len(second) < len(whole)
    assert whole[: len(second)] == second  # what arrived is the oldest part


def test_none_with_success_for_an_empty_window() -> None:
    terminal = sim(empty_history_is_none=True)
    assert terminal.initialize(TERMINAL, None, None, None, 60_000, True)
    assert terminal.login(555, "pw", "Broker-Demo", 60_000)
    assert terminal.history_deals_get(1, 2, None, None, None) is None
    assert terminal.last_error() == (1, "Success")
    assert terminal.history_deals_get(0, 4_000_000_000, None, None, None)


def test_a_portable_terminal_saves_the_accounts_it_logged_into(tmp_path: Path) -> None:
    path = str(tmp_path / "slot-1" / "terminal64.exe")
    os.makedirs(tmp_path / "slot-1")
    terminal = sim()
    assert terminal.initialize(path, None, None, None, 60_000, True)
    assert terminal.login(555, "pw", "Broker-Demo", 60_000)
    saved = json.loads((tmp_path / "slot-1" / "config" / "accounts.dat").read_text())
    assert saved == [{"login": 555, "server": "Broker-Demo", "password_saved": True}]
    assert terminal.terminal_info().data_path == str(tmp_path / "slot-1")
    other = tmp_path / "other"
    os.makedirs(other)
    not_portable = sim()
    assert not_portable.initialize(str(other / "terminal64.exe"), None, None, None, 60_000, False)
    assert not_portable.login(555, "pw", "Broker-Demo", 60_000)
    assert not (other / "config").exists()
    assert "AppData" in not_portable.terminal_info().data_path


def fresh_terminal(stream: tuple[int, int], rate: float, calls: list[str]) -> SimTerminal:
    """The terminal of one slot process at one start, as ``mt5sim.configure(scenario, stream)`` makes it."""
    scenario = load_scenario(
        {**QUICK, "seed": 11, "faults": {"ipc_timeout_rate": rate, "ipc_timeout_ms": 0, "calls": calls}}
    )
    return SimTerminal(dataclasses.replace(scenario, stream=stream))


def test_each_process_draws_its_own_faults() -> None:
    def draws(stream: tuple[int, int]) -> list[bool]:
        terminal = fresh_terminal(stream, 0.5, ["account_info"])
        assert terminal.initialize(TERMINAL, None, None, None, 60_000, True)
        assert terminal.login(555, "pw", "Broker-Demo", 60_000)
        return [terminal.account_info() is None for _ in range(40)]

    assert draws((1, 0)) == draws((1, 0))  # reproducible
    assert len({tuple(draws((slot, start))) for slot in (1, 2) for start in (0, 1)}) == 4


def test_observed_fault_rate_over_many_jobs_matches_the_configured_one() -> None:
    """4 slots x 100 terminal starts, one job each: with one seed for all they failed all together or not at all."""
    rate, calls = 0.02, ["login", "account_info", "positions_get", "history_deals_get", "terminal_info"]
    failed = 0
    jobs = 0
    for slot in range(1, 5):
        for start in range(100):
            terminal = fresh_terminal((slot, start), rate, calls)
            assert terminal.initialize(TERMINAL, None, None, None, 60_000, True)
            ok = (
                terminal.login(555, "pw", "Broker-Demo", 60_000)
                and terminal.account_info() is not None
                and terminal.positions_get(None, None, None) is not None
                and terminal.history_deals_get(0, 4_000_000_000, None, None, None) is not None
                and terminal.terminal_info() is not None
            )
            jobs += 1
            failed += not ok
    expected = 1 - (1 - rate) ** len(calls)  # about 9.6 %
    assert abs(failed / jobs - expected) < 0.04, (failed, jobs, expected)
