"""Broker clocks of the simulator: each server's UTC offset, optionally switching with New York's
daylight saving (most MT5 brokers run UTC+2 in winter and UTC+3 in summer), and forex hours.

Scenario, per server: ``utc_offset_hours`` (the winter offset) and ``dst`` = ``"none"`` (default,
a fixed offset) or ``"new_york"`` (one hour more while New York is on daylight-saving time).
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

NEW_YORK = ZoneInfo("America/New_York")
DST_MODES = ("none", "new_york")
_HOUR_MS = 3_600_000
_WEEK_MS = 7 * 24 * _HOUR_MS
# 1970-01-02 was a Friday; the forex week closes Friday 22:00 UTC and opens Sunday 22:00 UTC.
_FRIDAY_CLOSE_MS = (24 + 22) * _HOUR_MS
_CLOSED_MS = 48 * _HOUR_MS


def offset_ms(base_ms: int, dst: str, utc_ms: int) -> int:
    """The broker's offset (broker wall clock − UTC) at a UTC instant."""
    if dst == "new_york":
        moment = datetime.fromtimestamp(utc_ms / 1000, UTC).astimezone(NEW_YORK)
        if moment.dst():
            return base_ms + _HOUR_MS
    return base_ms


def market_open(utc_ms: int) -> bool:
    """Whether the forex market trades at a UTC instant (closed Friday 22:00 to Sunday 22:00 UTC)."""
    return (utc_ms - _FRIDAY_CLOSE_MS) % _WEEK_MS >= _CLOSED_MS


def last_trading_ms(utc_ms: int) -> int:
    """The instant itself while the market is open, else the last millisecond before the close."""
    if market_open(utc_ms):
        return utc_ms
    return utc_ms - (utc_ms - _FRIDAY_CLOSE_MS) % _WEEK_MS - 1
