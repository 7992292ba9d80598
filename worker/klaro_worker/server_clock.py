"""The broker server's clock and the symbols' digits, read with each sync (protocol §8,
optional ``server_clock`` and ``symbols``): klarod learns the server's UTC offset from the newest
tick time beside the worker's UTC clock, and rounds prices and counts pips with the digits."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from . import protocol as p

log = logging.getLogger(__name__)

#: Read for the clock even when the sync saw no symbol: most brokers quote EURUSD, and many quote
#: BTCUSD at weekends too, when forex ticks stand still (a missing symbol is skipped).
CLOCK_SYMBOLS = ("EURUSD", "BTCUSD")
#: At most this many symbols are read per sync (each is two MT5 calls).
MAX_SYMBOLS = 50

Call = Callable[..., Any]


def symbols_seen(deals: Iterable[dict[str, Any]], positions: Iterable[dict[str, Any]]) -> list[str]:
    """The symbols of the deals and positions, then ``CLOCK_SYMBOLS``, without repeats or blanks."""
    seen: dict[str, None] = {}
    for record in (*positions, *deals):
        symbol = record.get("symbol")
        if isinstance(symbol, str) and symbol:
            seen.setdefault(symbol)
    for symbol in CLOCK_SYMBOLS:
        seen.setdefault(symbol)
    return list(seen)[:MAX_SYMBOLS]


def read(
    call: Call, symbols: list[str], now_ms: Callable[[], int] = p.now_ms
) -> tuple[dict[str, Any] | None, list[dict[str, Any]] | None]:
    """``(server_clock, symbols)`` for the result. ``call(name, *args)`` runs an MT5 call and
    returns its value (None when it failed); a failing symbol is left out, never fails the sync.
    ``now_ms`` is the worker's UTC clock, read right after each tick."""
    newest: dict[str, Any] | None = None
    specs: list[dict[str, Any]] = []
    for symbol in symbols:
        tick = call("symbol_info_tick", symbol)
        utc_ms = now_ms()
        if tick:
            tick_ms = int(tick.get("time_msc") or int(tick.get("time", 0)) * 1000)
            if tick_ms > 0 and (newest is None or tick_ms > newest["tick_time_msc"]):
                newest = {"utc_ms": utc_ms, "tick_time_msc": tick_ms, "symbol": symbol}
        info = call("symbol_info", symbol)
        if info and isinstance(info.get("digits"), int) and float(info.get("point") or 0) > 0:
            specs.append({"symbol": symbol, "digits": int(info["digits"]), "point": float(info["point"])})
    return newest, (specs or None)
