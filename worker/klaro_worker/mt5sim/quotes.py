"""``symbol_info_tick`` and ``symbol_info`` of the simulator: the last tick of a symbol on the
server's wall clock (frozen at Friday's close over the weekend, like a real feed) and its spec."""

from __future__ import annotations

from . import clock
from .broker import Profile, SyntheticBroker
from .market import SYMBOLS, SymbolSpec
from .records import SymbolInfo, Tick

#: How old the newest tick is while the market trades.
TICK_LAG_MS = 1_500
#: Symbols quoted at weekends too (crypto); the others stand still from Friday's close.
ALWAYS_OPEN = frozenset({"BTCUSD"})
_SPREAD_POINTS = 12


def find(name: str) -> SymbolSpec | None:
    return next((spec for spec in SYMBOLS if spec.name == name), None)


def tick(broker: SyntheticBroker, profile: Profile, spec: SymbolSpec, now_ms: int, time_scale: float) -> Tick:
    """The newest tick of ``spec`` as the account's server stamps it."""
    utc = now_ms - TICK_LAG_MS
    if spec.name not in ALWAYS_OPEN:
        utc = clock.last_trading_ms(utc)
    mid = spec.price(utc, time_scale)
    half = _SPREAD_POINTS / 2 * 10.0**-spec.digits
    broker_ms = broker.broker_ms(profile, utc)
    bid, ask = round(mid - half, spec.digits), round(mid + half, spec.digits)
    return Tick(
        time=broker_ms // 1000, bid=bid, ask=ask, last=0.0, volume=0, time_msc=broker_ms, flags=6, volume_real=0.0
    )


def info(broker: SyntheticBroker, profile: Profile, spec: SymbolSpec, now_ms: int, time_scale: float) -> SymbolInfo:
    """The symbol's spec (the subset ``SymbolInfo`` carries)."""
    last = tick(broker, profile, spec, now_ms, time_scale)
    point = 10.0**-spec.digits
    return SymbolInfo(
        custom=False,
        select=True,
        visible=True,
        time=last.time,
        digits=spec.digits,
        spread=_SPREAD_POINTS,
        trade_mode=4,
        bid=last.bid,
        ask=last.ask,
        point=point,
        trade_tick_size=point,
        trade_contract_size=spec.contract,
        volume_min=0.01,
        volume_max=100.0,
        volume_step=0.01,
        currency_base=spec.name[:3],
        currency_profit=spec.quote,
        currency_margin=spec.name[:3],
        description=spec.name,
        name=spec.name,
    )
