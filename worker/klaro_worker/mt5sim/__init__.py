"""``klaro_worker.mt5sim``: a stand-in for the ``MetaTrader5`` module, for Linux and tests.

Use it exactly like the real module::

    import klaro_worker.mt5sim as mt5
    mt5.configure("scenario.toml")        # optional; also $KLARO_MT5SIM_SCENARIO
    if not mt5.initialize(path, portable=True, timeout=60000):
        print(mt5.last_error())
    mt5.login(5012345, password="…", server="Broker-Demo")
    mt5.account_info()._asdict()

Same functions, signatures, record types (named tuples with MT5's field names and order), ``None``
or ``False`` on failure and ``last_error()`` codes. One module is one terminal: one process drives
one terminal and one terminal is logged into one account at a time.
"""

from __future__ import annotations

import dataclasses
import os
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from . import arguments, codes
from .codes import (
    RES_E_AUTH_FAILED,
    RES_E_AUTO_TRADING_DISABLED,
    RES_E_FAIL,
    RES_E_INTERNAL_FAIL,
    RES_E_INTERNAL_FAIL_CONNECT,
    RES_E_INTERNAL_FAIL_INIT,
    RES_E_INTERNAL_FAIL_RECEIVE,
    RES_E_INTERNAL_FAIL_SEND,
    RES_E_INTERNAL_FAIL_TIMEOUT,
    RES_E_INVALID_PARAMS,
    RES_E_INVALID_VERSION,
    RES_E_NO_MEMORY,
    RES_E_NOT_FOUND,
    RES_E_UNSUPPORTED,
    RES_S_OK,
)
from .records import AccountInfo, SymbolInfo, TerminalInfo, Tick, TradeDeal, TradePosition
from .scenario import Scenario, ScenarioError, load_scenario
from .terminal import SimTerminal

__author__ = "Klaro (MetaTrader5 simulator)"
__version__ = "5.0.5200"

ACCOUNT_TRADE_MODE_DEMO, ACCOUNT_TRADE_MODE_CONTEST, ACCOUNT_TRADE_MODE_REAL = 0, 1, 2
ACCOUNT_MARGIN_MODE_RETAIL_NETTING, ACCOUNT_MARGIN_MODE_EXCHANGE, ACCOUNT_MARGIN_MODE_RETAIL_HEDGING = 0, 1, 2
POSITION_TYPE_BUY, POSITION_TYPE_SELL = 0, 1
DEAL_TYPE_BUY, DEAL_TYPE_SELL, DEAL_TYPE_BALANCE, DEAL_TYPE_CREDIT, DEAL_TYPE_CHARGE = 0, 1, 2, 3, 4
DEAL_TYPE_CORRECTION, DEAL_TYPE_BONUS, DEAL_TYPE_COMMISSION = 5, 6, 7
DEAL_ENTRY_IN, DEAL_ENTRY_OUT, DEAL_ENTRY_INOUT, DEAL_ENTRY_OUT_BY = 0, 1, 2, 3
DEAL_REASON_CLIENT, DEAL_REASON_MOBILE, DEAL_REASON_WEB, DEAL_REASON_EXPERT = 0, 1, 2, 3
DEAL_REASON_SL, DEAL_REASON_TP, DEAL_REASON_SO = 4, 5, 6

_state_lock = threading.Lock()
_scenario: Scenario | None = None
_terminal: SimTerminal | None = None


def configure(scenario: str | Path | Mapping[str, Any] | Scenario | None, stream: tuple[int, int] = (0, 0)) -> None:
    """Choose the scenario (a JSON/TOML path, a mapping or a ``Scenario``) and reset the terminal.

    ``stream`` is (slot, start count): each terminal process draws its own faults from the
    scenario's seed and these. Not part of the real module. Without it, ``$KLARO_MT5SIM_SCENARIO``
    is read, else defaults.
    """
    global _scenario, _terminal
    with _state_lock:
        chosen = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
        _scenario = dataclasses.replace(chosen, stream=stream)
        _terminal = None


def _current() -> SimTerminal:
    global _scenario, _terminal
    with _state_lock:
        if _terminal is None:
            if _scenario is None:
                _scenario = load_scenario(os.environ.get("KLARO_MT5SIM_SCENARIO") or None)
            _terminal = SimTerminal(_scenario)
        return _terminal


def initialize(path: Any = None, *args: Any, **options: Any) -> bool:
    """Start (or attach to) the terminal; with ``login`` also log in. False on failure.

    Real signature: ``initialize(path, *, login, password, server, timeout=60000, portable=False)``.
    """
    terminal = _current()
    error = arguments.check("initialize", args, options, arguments.INITIALIZE)
    if error is not None:
        terminal.refuse("initialize", error)
        return False
    return terminal.initialize(
        path,
        options.get("login"),
        options.get("password"),
        options.get("server"),
        options.get("timeout", 60000),
        bool(options.get("portable", False)),
    )


def login(login: int, *args: Any, **options: Any) -> bool:
    """Log the terminal into ``login`` on ``server`` (switching account). False on failure.

    Real signature: ``login(login, *, password=None, server=None, timeout=60000)``.
    """
    terminal = _current()
    error = arguments.check("login", args, options, arguments.LOGIN)
    if error is not None:
        terminal.refuse("login", error)
        return False
    return terminal.login(login, options.get("password"), options.get("server"), options.get("timeout", 60000))


def shutdown() -> None:
    """Close the connection to the terminal."""
    _current().shutdown()


def last_error() -> tuple[int, str]:
    """``(code, message)`` of the last call."""
    return _current().last_error()


def version() -> tuple[int, int, str] | None:
    """``(500, build, build date)``, or None when not connected."""
    return _current().version()


def account_info() -> AccountInfo | None:
    return _current().account_info()


def terminal_info() -> TerminalInfo | None:
    return _current().terminal_info()


def positions_total() -> int | None:
    return _current().positions_total()


def positions_get(*args: Any, **options: Any) -> tuple[TradePosition, ...] | None:
    """Open positions; ``symbol``, ``group`` and ``ticket`` only by name, as the real module takes them."""
    terminal = _current()
    error = arguments.check("positions_get", args, options, arguments.POSITIONS_GET)
    if error is not None:
        terminal.refuse("positions_get", error)
        return None
    return terminal.positions_get(options.get("symbol"), options.get("group"), options.get("ticket"))


def history_deals_total(*args: Any, **options: Any) -> int | None:
    """Number of deals in ``[date_from, date_to]``, both given by position."""
    terminal = _current()
    error = arguments.check("history_deals_total", args, options, arguments.HISTORY_TOTAL)
    if error is not None:
        terminal.refuse("history_deals_total", error)
        return None
    return terminal.history_deals_total(args[0], args[1])


def history_deals_get(*args: Any, **options: Any) -> tuple[TradeDeal, ...] | None:
    """Deals with broker time in ``[date_from, date_to]``: the dates by position (a ``datetime``,
    naive = the machine's local time, or epoch seconds), ``group``/``ticket``/``position`` by name.
    """
    terminal = _current()
    error = arguments.check("history_deals_get", args, options, arguments.HISTORY_GET)
    if error is not None:
        terminal.refuse("history_deals_get", error)
        return None
    date_from, date_to = (args[0], args[1]) if args else (None, None)
    return terminal.history_deals_get(
        date_from, date_to, options.get("group"), options.get("ticket"), options.get("position")
    )


__all__ = [
    "RES_E_AUTH_FAILED",
    "RES_E_AUTO_TRADING_DISABLED",
    "RES_E_FAIL",
    "RES_E_INTERNAL_FAIL",
    "RES_E_INTERNAL_FAIL_CONNECT",
    "RES_E_INTERNAL_FAIL_INIT",
    "RES_E_INTERNAL_FAIL_RECEIVE",
    "RES_E_INTERNAL_FAIL_SEND",
    "RES_E_INTERNAL_FAIL_TIMEOUT",
    "RES_E_INVALID_PARAMS",
    "RES_E_INVALID_VERSION",
    "RES_E_NOT_FOUND",
    "RES_E_NO_MEMORY",
    "RES_E_UNSUPPORTED",
    "RES_S_OK",
    "AccountInfo",
    "Scenario",
    "ScenarioError",
    "SymbolInfo",
    "TerminalInfo",
    "Tick",
    "TradeDeal",
    "TradePosition",
    "account_info",
    "codes",
    "configure",
    "history_deals_get",
    "history_deals_total",
    "initialize",
    "last_error",
    "login",
    "positions_get",
    "positions_total",
    "shutdown",
    "symbol_info",
    "symbol_info_tick",
    "terminal_info",
    "version",
]


def symbol_info_tick(symbol: str) -> Tick | None:
    """The symbol's last tick, times on the server's wall clock (frozen over the weekend)."""
    return _current().symbol_info_tick(symbol)


def symbol_info(symbol: str) -> SymbolInfo | None:
    """The symbol's properties (a subset of the real record's fields)."""
    return _current().symbol_info(symbol)
