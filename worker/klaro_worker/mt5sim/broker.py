"""A deterministic synthetic broker: for each (server, login) an account that keeps trading.

Time is cut into buckets (one simulated hour each). What happens in a bucket depends only on the
seed, the server, the login and the bucket number, and every position's whole life (open, partial
close, reversal, close) is drawn when it opens. So a deal, once in the past, never changes, new
deals appear as wall-clock time passes, and two processes with the same seed agree exactly.

Money is kept in integer cents, so ``balance`` equals the sum of ``profit + commission + swap +
fee`` over all deals to the cent. Deal and position times are the broker's wall clock (UTC plus
the server's offset) written as epoch seconds/milliseconds, as MT5 does.
"""

from __future__ import annotations

import random
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from . import clock as broker_clock
from .market import CURRENCY_USD, SYMBOLS, SymbolSpec, mix64
from .records import AccountInfo, TradeDeal, TradePosition
from .scenario import Scenario

DEAL_TYPE_BUY, DEAL_TYPE_SELL, DEAL_TYPE_BALANCE, DEAL_TYPE_CHARGE = 0, 1, 2, 4
ENTRY_IN, ENTRY_OUT, ENTRY_INOUT = 0, 1, 2
REASON_CLIENT, REASON_EXPERT, REASON_SL, REASON_TP = 0, 3, 4, 5

TICKET_BASE = 10_000_000
ORDER_BASE = 20_000_000
_HOUR_MS = 3_600_000
_DAY_MS = 86_400_000
_MEAN_LIFE_BUCKETS = 8.0
_MAX_LIFE_BUCKETS = 72
_BUCKET_CACHE_SIZE = 50_000

_FIRST = ("Anna", "Ben", "Carla", "David", "Elif", "Farid", "Greta", "Hiro", "Ines", "Jonas", "Kemal", "Lena")
_LAST = ("Berg", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia", "Ivanov", "Kowalski", "Meyer", "Novak")


@dataclass(frozen=True)
class Profile:
    """The fixed properties of one simulated account."""

    key: str
    login: int
    server: str
    name: str
    company: str
    currency: str
    leverage: int
    trade_mode: int
    margin_mode: int
    created_ms: int
    offset_ms: int
    deposit_cents: int
    # "none" or "new_york" (mt5sim/clock.py); deals and positions use broker_ms().
    dst: str
    lot_unit: float
    commission_per_lot: float
    fee_per_lot: float
    symbols: tuple[SymbolSpec, ...]
    magics: tuple[int, ...]
    trades_per_day: float
    balance_ops_per_day: float


@dataclass(frozen=True)
class Event:
    """One change of a position: ``open``, ``partial``, ``reverse`` or ``close``."""

    utc_ms: int
    kind: str
    volume: float
    new_volume: float
    reason: int
    sub: int


@dataclass(frozen=True)
class Lifecycle:
    """A position's whole life, drawn when it opens."""

    symbol: SymbolSpec
    magic: int
    direction: int
    open_ms: int
    close_ms: int
    sl_pct: float
    tp_pct: float
    events: tuple[Event, ...]


@dataclass(frozen=True)
class Bucket:
    lifecycles: tuple[Lifecycle, ...]
    deals: tuple[tuple[int, TradeDeal, int], ...]  # (utc ms, deal, cents added to the balance)


@dataclass
class _Settled:
    next_bucket: int = 0
    cents: int = 0


class SyntheticBroker:
    """Accounts, deals and positions of every simulated server, computed from the scenario."""

    def __init__(self, scenario: Scenario, clock: Callable[[], float] = time.time) -> None:
        self._scenario = scenario
        self._clock = clock
        self._epoch_ms = scenario.epoch * 1000
        self._bucket_ms = max(100, round(_HOUR_MS / scenario.time_scale))
        self._max_life_ms = _MAX_LIFE_BUCKETS * self._bucket_ms
        self._profiles: dict[tuple[str, int], Profile] = {}
        self._buckets: OrderedDict[tuple[str, int], Bucket] = OrderedDict()
        self._settled: dict[str, _Settled] = {}

    def now_ms(self) -> int:
        return int(self._clock() * 1000)

    def broker_ms(self, profile: Profile, utc_ms: int) -> int:
        """A UTC instant on the server's wall clock (its offset, with its DST switches)."""
        return utc_ms + broker_clock.offset_ms(profile.offset_ms, profile.dst, utc_ms)

    # MARK: accounts

    def profile(self, login: int, server: str) -> Profile:
        cached = self._profiles.get((server, login))
        if cached is not None:
            return cached
        scenario = self._scenario
        key = f"{scenario.seed}/{server}/{login}"
        rng = random.Random(f"{key}/profile")
        rule = scenario.account_rule(login, server)
        server_rule = scenario.server_rule(server)
        deposit = (
            rule.deposit
            if rule and rule.deposit is not None
            else rng.choice((1_000, 2_500, 5_000, 10_000, 25_000, 50_000))
        )
        currency = rule.currency if rule and rule.currency else ("EUR" if rng.random() < 0.2 else "USD")
        if currency not in CURRENCY_USD:
            currency = "USD"
        company = server_rule.company or f"{server.split('-', maxsplit=1)[0] or 'Sim'} Ltd"
        symbol_count = rng.randint(2, len(SYMBOLS))
        profile = Profile(
            key=key,
            login=login,
            server=server,
            name=f"{rng.choice(_FIRST)} {rng.choice(_LAST)}",
            company=company,
            currency=currency,
            leverage=rng.choice((30, 100, 200, 500)),
            trade_mode=0 if "demo" in server.lower() else 2,
            margin_mode=0 if rng.random() < 0.3 else 2,
            created_ms=self._epoch_ms + rng.randrange(self._bucket_ms // 2),
            offset_ms=round(server_rule.utc_offset_hours * _HOUR_MS),
            dst=server_rule.dst,
            deposit_cents=round(deposit * 100),
            lot_unit=max(0.01, round(deposit / 200_000, 2)),
            commission_per_lot=rng.choice((0.0, 3.0, 3.5, 7.0)),
            fee_per_lot=rng.choice((0.0, 0.0, 0.0, 0.5)),
            symbols=tuple(rng.sample(SYMBOLS, symbol_count)),
            magics=rng.choice(((0,), (0, 1001), (0, 20240, 777), (31337,))),
            trades_per_day=(
                rule.trades_per_day if rule and rule.trades_per_day is not None else scenario.trades_per_day
            ),
            balance_ops_per_day=(
                rule.balance_ops_per_day
                if rule and rule.balance_ops_per_day is not None
                else scenario.balance_ops_per_day
            ),
        )
        self._profiles[(server, login)] = profile
        return profile

    def account_info(self, profile: Profile, now_ms: int) -> AccountInfo:
        balance = self.balance_cents(profile, now_ms) / 100
        positions = self.positions(profile, now_ms)
        floating = _money(sum(p.profit + p.swap for p in positions))
        rate = CURRENCY_USD[profile.currency]
        margin = round(
            sum(_spec(p.symbol).notional_usd(p.volume, p.price_open) for p in positions) / profile.leverage / rate, 2
        )
        equity = round(balance + floating, 2)
        return AccountInfo(
            login=profile.login,
            trade_mode=profile.trade_mode,
            leverage=profile.leverage,
            limit_orders=200,
            margin_so_mode=0,
            trade_allowed=True,
            trade_expert=True,
            margin_mode=profile.margin_mode,
            currency_digits=2,
            fifo_close=False,
            balance=balance,
            credit=0.0,
            profit=floating,
            equity=equity,
            margin=margin,
            margin_free=round(equity - margin, 2),
            margin_level=round(equity / margin * 100, 2) if margin > 0 else 0.0,
            margin_so_call=50.0,
            margin_so_so=30.0,
            margin_initial=0.0,
            margin_maintenance=0.0,
            assets=0.0,
            liabilities=0.0,
            commission_blocked=0.0,
            name=profile.name,
            server=profile.server,
            currency=profile.currency,
            company=profile.company,
        )

    # MARK: history and positions

    def deals(self, profile: Profile, from_s: int, to_s: int, now_ms: int) -> list[TradeDeal]:
        """Deals whose broker time (epoch seconds) lies in ``[from_s, to_s]`` and that already happened."""
        # The offset may switch inside the window: widen by an hour, then filter on broker time.
        low = from_s * 1000 - profile.offset_ms - _HOUR_MS
        high = min(to_s * 1000 + 999 - profile.offset_ms, now_ms)
        if high < profile.created_ms or low > high:
            return []
        found: list[TradeDeal] = []
        for k in range(max(0, self._bucket_of(low - self._max_life_ms)), self._bucket_of(high) + 1):
            found.extend(
                deal
                for utc, deal, _ in self._bucket(profile, k).deals
                if low <= utc <= high and from_s * 1000 <= deal.time_msc <= to_s * 1000 + 999
            )
        found.sort(key=lambda deal: (deal.time_msc, deal.ticket))
        return found

    def balance_cents(self, profile: Profile, now_ms: int) -> int:
        settled = self._settled.setdefault(profile.key, _Settled())
        last = self._bucket_of(now_ms)
        while settled.next_bucket <= last and self._bucket_end(settled.next_bucket) + self._max_life_ms <= now_ms:
            settled.cents += sum(cents for _, _, cents in self._bucket(profile, settled.next_bucket).deals)
            settled.next_bucket += 1
        pending = 0
        for k in range(settled.next_bucket, last + 1):
            pending += sum(cents for utc, _, cents in self._bucket(profile, k).deals if utc <= now_ms)
        return settled.cents + pending

    def positions(self, profile: Profile, now_ms: int) -> list[TradePosition]:
        found: list[TradePosition] = []
        for k in range(max(0, self._bucket_of(now_ms - self._max_life_ms)), self._bucket_of(now_ms) + 1):
            for lifecycle in self._bucket(profile, k).lifecycles:
                if lifecycle.open_ms <= now_ms < lifecycle.close_ms:
                    found.append(self._position(profile, lifecycle, now_ms))
        found.sort(key=lambda position: (position.time_msc, position.ticket))
        return found

    # MARK: buckets

    def _bucket_of(self, utc_ms: int) -> int:
        return (utc_ms - self._epoch_ms) // self._bucket_ms

    def _bucket_end(self, k: int) -> int:
        return self._epoch_ms + (k + 1) * self._bucket_ms

    def _bucket(self, profile: Profile, k: int) -> Bucket:
        key = (profile.key, k)
        bucket = self._buckets.get(key)
        if bucket is not None:
            self._buckets.move_to_end(key)
            return bucket
        bucket = self._make_bucket(profile, k)
        self._buckets[key] = bucket
        if len(self._buckets) > _BUCKET_CACHE_SIZE:
            self._buckets.popitem(last=False)
        return bucket

    def _make_bucket(self, profile: Profile, k: int) -> Bucket:
        if k < 0:
            return Bucket((), ())
        rng = random.Random(f"{profile.key}/{k}")
        start = self._epoch_ms + k * self._bucket_ms
        earliest = profile.created_ms + 1000
        deals: list[tuple[int, TradeDeal, int]] = []
        if k == 0:
            deals.append(
                self._cash(profile, profile.created_ms, DEAL_TYPE_BALANCE, profile.deposit_cents, "Initial deposit", 13)
            )
        per_bucket = profile.trades_per_day / 24.0
        count = int(per_bucket) + (1 if rng.random() < per_bucket - int(per_bucket) else 0)
        lifecycles: list[Lifecycle] = []
        for index in range(count):
            open_ms = start + int(rng.random() * self._bucket_ms)
            lifecycle = self._draw_lifecycle(profile, rng, open_ms, index)
            if open_ms >= earliest:
                lifecycles.append(lifecycle)
                deals.extend(self._lifecycle_deals(profile, lifecycle))
        self._draw_cash_ops(profile, rng, start, earliest, deals)
        return Bucket(tuple(lifecycles), tuple(deals))

    def _draw_cash_ops(
        self, profile: Profile, rng: random.Random, start: int, earliest: int, deals: list[tuple[int, TradeDeal, int]]
    ) -> None:
        balance_draw, charge_draw = rng.random(), rng.random()
        at_balance = start + int(rng.random() * self._bucket_ms)
        at_charge = start + int(rng.random() * self._bucket_ms)
        amount_draw, side_draw = rng.random(), rng.random()
        if balance_draw < profile.balance_ops_per_day / 24.0 and at_balance >= earliest:
            if side_draw < 0.65:
                cents = round(profile.deposit_cents * (0.05 + 0.45 * amount_draw), -2)
                deals.append(self._cash(profile, at_balance, DEAL_TYPE_BALANCE, cents, "Deposit", 15))
            else:
                cents = -round(profile.deposit_cents * (0.02 + 0.13 * amount_draw), -2)
                deals.append(self._cash(profile, at_balance, DEAL_TYPE_BALANCE, cents, "Withdrawal", 15))
        if charge_draw < profile.balance_ops_per_day / 24.0 / 5 and at_charge >= earliest:
            cents = -(100 + round(amount_draw * 1400))
            deals.append(self._cash(profile, at_charge, DEAL_TYPE_CHARGE, cents, "Data feed charge", 14))

    def _draw_lifecycle(self, profile: Profile, rng: random.Random, open_ms: int, index: int) -> Lifecycle:
        symbol = rng.choice(profile.symbols)
        magic = rng.choice(profile.magics)
        direction = 0 if rng.random() < 0.5 else 1
        volume = round(profile.lot_unit * rng.choice((1, 1, 1, 2, 2, 3, 5, 10)), 2)
        life = min(float(_MAX_LIFE_BUCKETS), max(0.02, rng.expovariate(1.0 / _MEAN_LIFE_BUCKETS)))
        close_ms = open_ms + max(1000, int(life * self._bucket_ms))
        span = close_ms - open_ms
        manual = REASON_EXPERT if magic else rng.choice((0, 0, 1, 2))
        partial_draw, partial_at, reverse_draw, reverse_at, close_draw, new_draw = (rng.random() for _ in range(6))
        sl_pct, tp_pct = rng.choice((0.0, 0.005, 0.01)), rng.choice((0.0, 0.008, 0.015))
        events = [Event(open_ms, "open", volume, 0.0, manual, index * 4)]
        remaining = volume
        half = round(volume / 2, 2)
        if partial_draw < 0.2 and 0.01 <= half < volume:
            events.append(
                Event(open_ms + int(span * (0.2 + 0.4 * partial_at)), "partial", half, 0.0, manual, index * 4 + 1)
            )
            remaining = round(volume - half, 2)
        if profile.margin_mode == 0 and reverse_draw < 0.1:
            new_volume = round(profile.lot_unit * (1 + int(new_draw * 3)), 2)
            reverse_ms = open_ms + int(span * (0.7 + 0.2 * reverse_at))
            events.append(
                Event(reverse_ms, "reverse", round(remaining + new_volume, 2), new_volume, manual, index * 4 + 2)
            )
            remaining = new_volume
        close_reason = REASON_SL if close_draw < 0.15 else REASON_TP if close_draw < 0.3 else manual
        events.append(Event(close_ms, "close", remaining, 0.0, close_reason, index * 4 + 3))
        return Lifecycle(symbol, magic, direction, open_ms, close_ms, sl_pct, tp_pct, tuple(events))

    # MARK: deals from a lifecycle

    def _lifecycle_deals(self, profile: Profile, lifecycle: Lifecycle) -> list[tuple[int, TradeDeal, int]]:
        spec, scale = lifecycle.symbol, self._scenario.time_scale
        rate = CURRENCY_USD[profile.currency]
        position_id = self._order_ticket(lifecycle.open_ms, lifecycle.events[0].sub)
        direction, price_open, swap_since = lifecycle.direction, 0.0, lifecycle.open_ms
        out: list[tuple[int, TradeDeal, int]] = []
        for event in lifecycle.events:
            price = spec.price(event.utc_ms, scale)
            commission = -round(event.volume * profile.commission_per_lot * 100)
            fee = -round(event.volume * profile.fee_per_lot * 100)
            profit = swap = 0
            if event.kind == "open":
                deal_type, entry, price_open = direction, ENTRY_IN, price
            else:
                closed = event.volume if event.kind != "reverse" else round(event.volume - event.new_volume, 2)
                profit = round(spec.profit_usd(direction, closed, price_open, price) / rate * 100)
                swap = round(self._swap_usd(spec, direction, closed, swap_since, event.utc_ms) / rate * 100)
                deal_type = 1 - direction
                entry = ENTRY_INOUT if event.kind == "reverse" else ENTRY_OUT
                if event.kind == "reverse":
                    direction, price_open, swap_since = 1 - direction, price, event.utc_ms
            comment = {REASON_SL: f"[sl {price}]", REASON_TP: f"[tp {price}]"}.get(event.reason, "")
            broker_ms = self.broker_ms(profile, event.utc_ms)
            deal = TradeDeal(
                ticket=self._deal_ticket(event.utc_ms, event.sub),
                order=self._order_ticket(event.utc_ms, event.sub),
                time=broker_ms // 1000,
                time_msc=broker_ms,
                type=deal_type,
                entry=entry,
                magic=lifecycle.magic,
                position_id=position_id,
                reason=event.reason,
                volume=event.volume,
                price=price,
                commission=commission / 100,
                swap=swap / 100,
                profit=profit / 100,
                fee=fee / 100,
                symbol=spec.name,
                comment=comment if event.kind == "close" else "",
                external_id="",
            )
            out.append((event.utc_ms, deal, profit + commission + swap + fee))
        return out

    def _position(self, profile: Profile, lifecycle: Lifecycle, now_ms: int) -> TradePosition:
        spec, scale = lifecycle.symbol, self._scenario.time_scale
        direction, volume, price_open = lifecycle.direction, 0.0, 0.0
        swap_since, updated = lifecycle.open_ms, lifecycle.open_ms
        for event in lifecycle.events:
            if event.utc_ms > now_ms:
                break
            updated = event.utc_ms
            if event.kind == "open":
                volume, price_open = event.volume, spec.price(event.utc_ms, scale)
            elif event.kind == "partial":
                volume = round(volume - event.volume, 2)
            elif event.kind == "reverse":
                direction, volume = 1 - direction, event.new_volume
                price_open, swap_since = spec.price(event.utc_ms, scale), event.utc_ms
        rate = CURRENCY_USD[profile.currency]
        current = spec.price(now_ms, scale)
        sign = 1 if direction == 0 else -1
        ticket = self._order_ticket(lifecycle.open_ms, lifecycle.events[0].sub)
        return TradePosition(
            ticket=ticket,
            time=self.broker_ms(profile, lifecycle.open_ms) // 1000,
            time_msc=self.broker_ms(profile, lifecycle.open_ms),
            time_update=self.broker_ms(profile, updated) // 1000,
            time_update_msc=self.broker_ms(profile, updated),
            type=direction,
            magic=lifecycle.magic,
            identifier=ticket,
            reason=lifecycle.events[0].reason,
            volume=volume,
            price_open=price_open,
            sl=round(price_open * (1 - sign * lifecycle.sl_pct), spec.digits) if lifecycle.sl_pct else 0.0,
            tp=round(price_open * (1 + sign * lifecycle.tp_pct), spec.digits) if lifecycle.tp_pct else 0.0,
            price_current=current,
            swap=_money(self._swap_usd(spec, direction, volume, swap_since, now_ms) / rate),
            profit=_money(spec.profit_usd(direction, volume, price_open, current) / rate),
            symbol=spec.name,
            comment="",
            external_id="",
        )

    def _swap_usd(self, spec: SymbolSpec, direction: int, volume: float, since_ms: int, until_ms: int) -> float:
        nights = int((until_ms - since_ms) * self._scenario.time_scale // _DAY_MS)
        return nights * volume * (spec.swap_long if direction == 0 else spec.swap_short)

    def _cash(
        self, profile: Profile, utc_ms: int, deal_type: int, cents: int, comment: str, sub: int
    ) -> tuple[int, TradeDeal, int]:
        broker_ms = self.broker_ms(profile, utc_ms)
        deal = TradeDeal(
            ticket=self._deal_ticket(utc_ms, sub),
            order=0,
            time=broker_ms // 1000,
            time_msc=broker_ms,
            type=deal_type,
            entry=ENTRY_IN,
            magic=0,
            position_id=0,
            reason=REASON_CLIENT,
            volume=0.0,
            price=0.0,
            commission=0.0,
            swap=0.0,
            profit=cents / 100,
            fee=0.0,
            symbol="",
            comment=comment,
            external_id="",
        )
        return (utc_ms, deal, cents)

    def _deal_ticket(self, utc_ms: int, sub: int) -> int:
        return TICKET_BASE + (utc_ms - self._epoch_ms) * 16 + sub % 16

    def _order_ticket(self, utc_ms: int, sub: int) -> int:
        return ORDER_BASE + (utc_ms - self._epoch_ms) * 16 + sub % 16


def _money(value: float) -> float:
    """Round to cents without a negative zero."""
    return round(value, 2) + 0.0


def _spec(name: str) -> SymbolSpec:
    for spec in SYMBOLS:
        if spec.name == name:
            return spec
    raise KeyError(name)


__all__ = ["Profile", "SyntheticBroker", "mix64"]
