"""The simulator honours the real ``MetaTrader5`` module's contract (DESIGN §8)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

import klaro_worker.mt5sim as mt5
from klaro_worker.mt5sim.scenario import load_scenario
from klaro_worker.mt5sim.terminal import SimTerminal

ACCOUNT_FIELDS = [
    "login",
    "trade_mode",
    "leverage",
    "limit_orders",
    "margin_so_mode",
    "trade_allowed",
    "trade_expert",
    "margin_mode",
    "currency_digits",
    "fifo_close",
    "balance",
    "credit",
    "profit",
    "equity",
    "margin",
    "margin_free",
    "margin_level",
    "margin_so_call",
    "margin_so_so",
    "margin_initial",
    "margin_maintenance",
    "assets",
    "liabilities",
    "commission_blocked",
    "name",
    "server",
    "currency",
    "company",
]
TERMINAL_FIELDS = [
    "community_account",
    "community_connection",
    "connected",
    "dlls_allowed",
    "trade_allowed",
    "tradeapi_disabled",
    "email_enabled",
    "ftp_enabled",
    "notifications_enabled",
    "mqid",
    "build",
    "maxbars",
    "codepage",
    "ping_last",
    "community_balance",
    "retransmission",
    "company",
    "name",
    "language",
    "path",
    "data_path",
    "commondata_path",
]
POSITION_FIELDS = [
    "ticket",
    "time",
    "time_msc",
    "time_update",
    "time_update_msc",
    "type",
    "magic",
    "identifier",
    "reason",
    "volume",
    "price_open",
    "sl",
    "tp",
    "price_current",
    "swap",
    "profit",
    "symbol",
    "comment",
    "external_id",
]
DEAL_FIELDS = [
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
TERMINAL = "C:\\klaro\\slot-1\\terminal64.exe"
QUICK = {"epoch": int(time.time()) - 10 * 86_400, "latency": {"initialize": 0, "login": 0, "call": 0}}


def terminal(**changes: object) -> SimTerminal:
    return SimTerminal(load_scenario({**QUICK, **changes}))


def logged_in(**changes: object) -> SimTerminal:
    sim = terminal(**changes)
    assert sim.initialize(TERMINAL, None, None, None, 60_000, True)
    assert sim.login(5012345, "pw", "Broker-Demo", 60_000), sim.last_error()
    return sim


def test_record_field_lists_and_order_match_the_real_module() -> None:
    assert list(mt5.AccountInfo._fields) == ACCOUNT_FIELDS
    assert list(mt5.TerminalInfo._fields) == TERMINAL_FIELDS
    assert list(mt5.TradePosition._fields) == POSITION_FIELDS
    assert list(mt5.TradeDeal._fields) == DEAL_FIELDS


def test_asdict_gives_every_field_in_order_with_the_values() -> None:
    sim = logged_in(trades_per_day=48)
    records = [
        sim.account_info(),
        sim.terminal_info(),
        *sim.positions_get(None, None, None)[:1],
        *sim.history_deals_get(0, 4_000_000_000, None, None, None)[:3],
    ]
    assert len(records) >= 4
    for record in records:
        as_dict = record._asdict()
        assert isinstance(as_dict, dict)
        assert list(as_dict) == list(type(record)._fields)
        assert list(as_dict.values()) == list(record)


def test_field_types_are_mt5s() -> None:
    sim = logged_in(trades_per_day=48)
    account = sim.account_info()
    assert isinstance(account.login, int) and isinstance(account.balance, float)
    assert isinstance(account.trade_allowed, bool) and isinstance(account.currency, str)
    info = sim.terminal_info()
    assert isinstance(info.build, int) and isinstance(info.connected, bool) and isinstance(info.ping_last, int)
    for deal in sim.history_deals_get(0, 4_000_000_000, None, None, None):
        assert isinstance(deal.ticket, int) and isinstance(deal.time, int) and isinstance(deal.volume, float)
        assert deal.time == deal.time_msc // 1000


def test_calls_before_initialize_fail_with_no_ipc_connection() -> None:
    sim = terminal()
    assert sim.account_info() is None
    assert sim.last_error() == (-10004, "No IPC connection")
    assert sim.login(5012345, "pw", "Broker-Demo", 60_000) is False
    assert sim.last_error() == (-10004, "No IPC connection")
    assert sim.terminal_info() is None
    assert sim.history_deals_get(0, 10, None, None, None) is None
    assert sim.version() is None


def test_success_codes_and_version() -> None:
    sim = terminal(terminal_build=5230)
    assert sim.initialize(TERMINAL, None, None, None, 60_000, True) is True
    assert sim.last_error() == (1, "Success")
    assert sim.version() == (500, 5230, "14 Nov 2025")
    assert sim.terminal_info().connected is False
    assert sim.terminal_info().path == "C:\\klaro\\slot-1"


def test_data_calls_without_an_account_fail() -> None:
    sim = terminal()
    sim.initialize(TERMINAL, None, None, None, 60_000, True)
    assert sim.account_info() is None
    assert sim.last_error() == (-1, "Terminal: Call failed")


@pytest.mark.parametrize(
    ("changes", "login", "password", "server", "error"),
    [
        ({"wrong_passwords": ["bad"]}, 1, "bad", "Broker-Demo", (-6, "Terminal: Authorization failed")),
        (
            {"accounts": [{"login": 2, "password": "right"}]},
            2,
            "wrong",
            "Broker-Demo",
            (-6, "Terminal: Authorization failed"),
        ),
        ({"unknown_servers": ["Nowhere-Live"]}, 3, "pw", "Nowhere-Live", (-6, "Terminal: Authorization failed")),
        (
            {"accounts": [{"login": 4, "otp": True}]},
            4,
            "pw",
            "Broker-Demo",
            (-7, "Unsupported authorization mode, OTP or certificate password needed"),
        ),
        (
            {"accounts": [{"login": 5, "ipc_timeout": "login"}], "faults": {"ipc_timeout_ms": 5}},
            5,
            "pw",
            "Broker-Demo",
            (-10005, "IPC timeout"),
        ),
        ({}, -1, "pw", "Broker-Demo", (-2, "Terminal: Invalid params")),
    ],
)
def test_login_failures(
    changes: dict[str, object], login: int, password: str, server: str, error: tuple[int, str]
) -> None:
    sim = terminal(**changes)
    sim.initialize(TERMINAL, None, None, None, 60_000, True)
    assert sim.login(login, password, server, 60_000) is False
    assert sim.last_error() == error
    assert sim.account_info() is None


def test_right_password_of_a_protected_account_logs_in() -> None:
    sim = terminal(accounts=[{"login": 2, "password": "right"}])
    sim.initialize(TERMINAL, None, None, None, 60_000, True)
    assert sim.login(2, "right", "Broker-Demo", 60_000) is True


def test_login_slower_than_its_timeout_is_an_ipc_timeout() -> None:
    sim = terminal(latency={"login": 500})
    sim.initialize(TERMINAL, None, None, None, 60_000, True)
    started = time.monotonic()
    assert sim.login(1, "pw", "Broker-Demo", 50) is False
    assert sim.last_error() == (-10005, "IPC timeout")
    assert time.monotonic() - started < 0.45


def test_login_switches_account_and_saved_password_works() -> None:
    sim = logged_in()
    assert sim.account_info().login == 5012345
    assert sim.login(777, "other", "Broker-Live", 60_000)
    account = sim.account_info()
    assert (account.login, account.server, account.trade_mode) == (777, "Broker-Live", 2)
    assert sim.login(5012345, None, "Broker-Demo", 60_000)  # password saved by the terminal
    assert sim.account_info().login == 5012345
    assert sim.login(999, None, "Broker-Demo", 60_000) is False  # never logged in: no saved password


def test_shutdown_closes_the_connection() -> None:
    sim = logged_in()
    sim.shutdown()
    assert sim.account_info() is None
    assert sim.last_error() == (-10004, "No IPC connection")


def test_crash_kills_the_terminal_until_initialize() -> None:
    sim = logged_in(accounts=[{"login": 5012345, "crash": "positions_get"}])
    assert sim.account_info() is not None
    assert sim.positions_get(None, None, None) is None
    assert sim.last_error() == (-10004, "No IPC connection")
    assert sim.terminal_info() is None and sim.last_error()[0] == -10004
    assert sim.login(5012345, "pw", "Broker-Demo", 60_000) is False
    assert sim.initialize(TERMINAL, None, None, None, 60_000, True)
    assert sim.terminal_info() is not None


def test_random_faults_follow_their_rates() -> None:
    sim = logged_in(faults={"ipc_timeout_rate": 1.0, "ipc_timeout_ms": 1, "calls": ["account_info"]})
    assert sim.account_info() is None
    assert sim.last_error() == (-10005, "IPC timeout")
    assert sim.terminal_info() is not None  # not in faults.calls


def test_missing_terminal_file_fails_initialize(tmp_path: Path) -> None:
    sim = terminal(terminal_must_exist=True)
    missing = str(tmp_path / "slot-1" / "terminal64.exe")
    assert sim.initialize(missing, None, None, None, 60_000, True) is False
    code, message = sim.last_error()
    assert code == -10003 and message == f"IPC initialize failed, Process create failed '{missing}'"


def test_history_deals_get_arguments() -> None:
    sim = logged_in(trades_per_day=48)
    everything = sim.history_deals_get(0, 4_000_000_000, None, None, None)
    assert everything and list(everything) == sorted(everything, key=lambda d: (d.time_msc, d.ticket))
    low, high = everything[len(everything) // 3].time, everything[2 * len(everything) // 3].time
    as_datetimes = sim.history_deals_get(
        datetime.fromtimestamp(low, UTC), datetime.fromtimestamp(high, UTC), None, None, None
    )
    naive = sim.history_deals_get(
        datetime.fromtimestamp(low, UTC).replace(tzinfo=None),
        datetime.fromtimestamp(high, UTC).replace(tzinfo=None),
        None,
        None,
        None,
    )
    expected = tuple(d for d in everything if low <= d.time <= high)
    assert as_datetimes == expected == naive
    assert sim.history_deals_total(low, high) == len(expected)
    traded = next(d for d in everything if d.position_id)
    by_position = sim.history_deals_get(None, None, None, None, traded.position_id)
    assert by_position and all(d.position_id == traded.position_id for d in by_position)
    assert sim.history_deals_get(None, None, None, None, None) is None
    assert sim.last_error() == (-2, "Terminal: Invalid params")
    assert sim.history_deals_get("yesterday", high, None, None, None) is None


def test_group_filter_and_positions_filters() -> None:
    sim = logged_in(trades_per_day=96)
    deals = sim.history_deals_get(0, 4_000_000_000, None, None, None)
    symbols = {d.symbol for d in deals if d.symbol}
    first = sorted(symbols)[0]
    only = sim.history_deals_get(0, 4_000_000_000, f"*{first[1:]}", None, None)
    assert only and {d.symbol for d in only} == {first}
    without = sim.history_deals_get(0, 4_000_000_000, f"*,!{first}", None, None)
    assert first not in {d.symbol for d in without} and len(without) + len(only) == len(deals)
    positions = sim.positions_get(None, None, None)
    assert sim.positions_total() == len(positions)
    if positions:
        assert sim.positions_get(positions[0].symbol, None, None)[0].symbol == positions[0].symbol
        assert sim.positions_get(None, None, positions[0].ticket) == (positions[0],)


def test_module_functions_drive_one_terminal() -> None:
    mt5.configure({**QUICK, "seed": 3})
    assert mt5.account_info() is None and mt5.last_error() == (-10004, "No IPC connection")
    assert mt5.initialize(TERMINAL, portable=True, timeout=10_000)
    assert mt5.login(4242, password="pw", server="Broker-Demo", timeout=10_000)
    assert mt5.account_info().login == 4242
    assert isinstance(mt5.positions_get(), tuple)
    assert isinstance(mt5.history_deals_get(0, 4_000_000_000), tuple)
    mt5.shutdown()
    assert mt5.terminal_info() is None
    assert mt5.initialize(TERMINAL, login=4243, password="pw", server="Broker-Demo")
    assert mt5.account_info().login == 4243
    mt5.configure(None)
