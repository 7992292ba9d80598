"""The simulator's market: a few symbols whose prices follow a deterministic path in time.

Every account of every server sees the same prices, so positions on one symbol move together.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

_MASK64 = (1 << 64) - 1
_DAY_S = 86_400.0


def mix64(*values: int) -> int:
    """A fast, stable 64-bit hash (splitmix64 over the values); unlike ``hash()`` it is not salted."""
    state = 0x9E3779B97F4A7C15
    for value in values:
        state = (state ^ (value & _MASK64)) & _MASK64
        state = (state + 0x9E3779B97F4A7C15) & _MASK64
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
        state = z ^ (z >> 31)
    return state


def unit(*values: int) -> float:
    """A stable pseudo-random number in ``[0, 1)`` for the values."""
    return mix64(*values) / float(1 << 64)


@dataclass(frozen=True)
class SymbolSpec:
    """A tradable symbol: price level and swing, contract size, quote currency, daily swap per lot."""

    index: int
    name: str
    digits: int
    base: float
    swing: float
    contract: float
    quote: str
    swap_long: float
    swap_short: float

    def price(self, utc_ms: int, time_scale: float) -> float:
        """The mid price at a UTC instant; the path runs ``time_scale`` times faster than real time."""
        days = utc_ms / 1000.0 * time_scale / _DAY_S
        phase = unit(self.index, 1) * 2 * math.pi
        wave = (
            0.6 * math.sin(2 * math.pi * days / 30.0 + phase)
            + 0.3 * math.sin(2 * math.pi * days / 2.0 + 2 * phase)
            + 0.1 * math.sin(2 * math.pi * days * 16.0 + 3 * phase)
        )
        minute = int(utc_ms * time_scale // 60_000)
        noise = (unit(self.index, 2, minute) - 0.5) * 0.02
        return round(self.base * (1.0 + self.swing * (wave + noise)), self.digits)

    def profit_usd(self, direction: int, volume: float, price_open: float, price_close: float) -> float:
        """Profit in USD of ``volume`` lots opened at ``price_open`` and closed at ``price_close``."""
        sign = 1.0 if direction == 0 else -1.0
        raw = sign * (price_close - price_open) * volume * self.contract
        return raw / price_close if self.quote == "JPY" else raw

    def notional_usd(self, volume: float, price: float) -> float:
        return volume * self.contract if self.quote == "JPY" else volume * self.contract * price


SYMBOLS: tuple[SymbolSpec, ...] = (
    SymbolSpec(0, "EURUSD", 5, 1.08, 0.03, 100_000, "USD", -6.5, 1.2),
    SymbolSpec(1, "GBPUSD", 5, 1.27, 0.035, 100_000, "USD", -4.0, -1.5),
    SymbolSpec(2, "USDJPY", 3, 150.0, 0.04, 100_000, "JPY", 12.0, -25.0),
    SymbolSpec(3, "XAUUSD", 2, 2400.0, 0.06, 100, "USD", -35.0, 15.0),
    SymbolSpec(4, "US30", 1, 42_000.0, 0.05, 1, "USD", -9.0, 2.0),
    SymbolSpec(5, "BTCUSD", 2, 90_000.0, 0.12, 1, "USD", -30.0, -30.0),
)

#: USD value of one unit of each account currency the simulator uses.
CURRENCY_USD = {"USD": 1.0, "EUR": 1.08}
