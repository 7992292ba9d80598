"""The synthetic broker: deterministic, consistent over time, and its balance adds up."""

from __future__ import annotations

from collections import defaultdict

from klaro_worker.mt5sim.broker import SyntheticBroker
from klaro_worker.mt5sim.scenario import load_scenario

DAY = 86_400
EPOCH = 1_767_225_600  # 2026-01-01
FAR = 4_000_000_000


class Clock:
    def __init__(self, seconds: float) -> None:
        self.now = seconds

    def __call__(self) -> float:
        return self.now


def broker(seed: int = 1, clock: Clock | None = None, **changes: object) -> tuple[SyntheticBroker, Clock]:
    clock = clock or Clock(EPOCH + 60 * DAY)
    return SyntheticBroker(load_scenario({"seed": seed, "epoch": EPOCH, **changes}), clock), clock


def snapshot(b: SyntheticBroker, login: int, server: str, now: float) -> tuple[object, ...]:
    profile = b.profile(login, server)
    ms = int(now * 1000)
    return (b.account_info(profile, ms), tuple(b.positions(profile, ms)), tuple(b.deals(profile, 0, FAR, ms)))


def test_same_seed_same_world_other_seed_other_world() -> None:
    first, clock = broker(seed=5)
    second, _ = broker(seed=5, clock=clock)
    other, _ = broker(seed=6, clock=clock)
    a = snapshot(first, 5012345, "Broker-Demo", clock.now)
    assert a == snapshot(second, 5012345, "Broker-Demo", clock.now)
    assert a[2], "an account two months old has deals"
    assert a != snapshot(other, 5012345, "Broker-Demo", clock.now)
    assert a != snapshot(first, 5012346, "Broker-Demo", clock.now)


def test_history_only_grows_and_never_changes() -> None:
    b, clock = broker(seed=2, trades_per_day=24)
    profile = b.profile(900, "Broker-Live")
    seen: dict[int, object] = {}
    counts = []
    for step in range(6):
        clock.now = EPOCH + 10 * DAY + step * DAY / 3
        deals = b.deals(profile, 0, FAR, int(clock.now * 1000))
        for deal in deals:
            assert seen.setdefault(deal.ticket, deal) == deal, "a visible deal changed"
        assert set(seen) == {deal.ticket for deal in deals}, "a visible deal disappeared"
        counts.append(len(deals))
    assert counts == sorted(counts) and counts[-1] > counts[0], counts
    # A fresh broker (another process) sees exactly the same history at the same instant.
    again, _ = broker(seed=2, clock=clock, trades_per_day=24)
    assert again.deals(again.profile(900, "Broker-Live"), 0, FAR, int(clock.now * 1000)) == deals


def test_window_queries_agree_with_the_full_history() -> None:
    b, clock = broker(seed=3, trades_per_day=24)
    profile = b.profile(31, "Broker-Demo")
    now = int(clock.now * 1000)
    everything = b.deals(profile, 0, FAR, now)
    low, high = everything[len(everything) // 2].time, everything[-5].time
    assert b.deals(profile, low, high, now) == [d for d in everything if low <= d.time <= high]


def test_balance_is_the_sum_of_deal_money_to_the_cent() -> None:
    b, _clock = broker(seed=4)
    for login in (1, 2, 3, 44, 555):
        profile = b.profile(login, "Broker-Demo")
        for now in (EPOCH + DAY, EPOCH + 30 * DAY + 123, EPOCH + 200 * DAY + 7):
            ms = now * 1000
            deals = b.deals(profile, 0, FAR, ms)
            cents = sum(round((d.profit + d.commission + d.swap + d.fee) * 100) for d in deals)
            account = b.account_info(profile, ms)
            assert round(account.balance * 100) == cents, (login, now)
            floating = sum(p.profit + p.swap for p in b.positions(profile, ms))
            assert abs(account.equity - (account.balance + account.credit + floating)) < 0.011
            assert abs(account.margin_free - (account.equity - account.margin)) < 0.011


def test_the_broker_trades_like_a_broker() -> None:
    """Over a season and a few accounts: every kind of deal the worker must carry shows up."""
    b, _clock = broker(seed=9, trades_per_day=12, balance_ops_per_day=0.5)
    deals = []
    for login in range(100, 112):
        deals += b.deals(b.profile(login, "Broker-Live"), 0, FAR, int((EPOCH + 120 * DAY) * 1000))
    entries = {(d.type, d.entry) for d in deals}
    assert {(0, 0), (1, 0), (0, 1), (1, 1)} <= entries, "buys and sells, in and out"
    assert any(d.entry == 2 for d in deals), "a reversal (entry in/out)"
    assert any(d.type == 2 and d.profit > 0 for d in deals), "a deposit"
    assert any(d.type == 2 and d.profit < 0 for d in deals), "a withdrawal"
    assert any(d.commission < 0 for d in deals) and any(d.swap != 0 for d in deals) and any(d.fee < 0 for d in deals)
    assert len({d.symbol for d in deals if d.symbol}) >= 4
    assert len({d.magic for d in deals if d.type in (0, 1)}) >= 3
    by_position: dict[int, list[object]] = defaultdict(list)
    for deal in deals:
        if deal.position_id:
            by_position[deal.position_id].append(deal)
    partial = [ds for ds in by_position.values() if sum(1 for d in ds if d.entry == 1) >= 2]
    assert partial, "a position closed in parts"
    for position_deals in by_position.values():
        opened = sum(d.volume for d in position_deals if d.entry == 0)
        closed = sum(d.volume for d in position_deals if d.entry == 1)
        assert closed <= opened + sum(d.volume for d in position_deals if d.entry == 2) + 1e-9


def test_open_positions_move_with_time() -> None:
    b, clock = broker(seed=12, trades_per_day=48)
    profile = b.profile(77, "Broker-Demo")
    now = int(clock.now * 1000)
    positions = b.positions(profile, now)
    assert positions, "a busy account has open positions"
    later = {p.ticket: p for p in b.positions(profile, now + 120_000)}
    common = [p for p in positions if p.ticket in later]
    assert common and any(later[p.ticket].price_current != p.price_current for p in common)
    assert all(p.time_msc <= now + profile.offset_ms for p in positions)
    assert all(p.ticket == p.identifier for p in positions)


def test_times_are_broker_wall_clock_with_the_server_offset() -> None:
    clock = Clock(EPOCH + 40 * DAY)
    plus2, _ = broker(seed=8, clock=clock, servers={"Broker-Live": {"utc_offset_hours": 2}})
    plus3, _ = broker(seed=8, clock=clock, servers={"Broker-Live": {"utc_offset_hours": 3}})
    ms = int(clock.now * 1000)
    two = plus2.deals(plus2.profile(5, "Broker-Live"), 0, FAR, ms)
    three = plus3.deals(plus3.profile(5, "Broker-Live"), 0, FAR, ms)
    assert [d.ticket for d in two] == [d.ticket for d in three]
    assert all(c.time_msc - b.time_msc == 3_600_000 for b, c in zip(two, three, strict=True))
    first_utc_ms = EPOCH * 1000
    assert all(d.time_msc - 2 * 3_600_000 >= first_utc_ms for d in two)
    assert max(d.time_msc for d in two) - 2 * 3_600_000 <= ms


def test_time_scale_speeds_the_world_up() -> None:
    clock = Clock(EPOCH + DAY)
    slow, _ = broker(seed=1, clock=clock)
    fast, _ = broker(seed=1, clock=clock, time_scale=24)
    ms = int(clock.now * 1000)
    slow_count = len(slow.deals(slow.profile(1, "X-Demo"), 0, FAR, ms))
    fast_count = len(fast.deals(fast.profile(1, "X-Demo"), 0, FAR, ms))
    assert fast_count > 5 * max(1, slow_count)


def test_an_account_can_trade_more_or_not_at_all() -> None:
    quiet, busy = 7001, 7002
    b, clock = broker(
        seed=4,
        trades_per_day=6,
        accounts=[
            {"login": quiet, "trades_per_day": 0, "balance_ops_per_day": 0},
            {"login": busy, "trades_per_day": 200},
        ],
    )
    now = int(clock.now * 1000)
    idle = b.profile(quiet, "Broker-Live")
    # Only the first deposit, months ago, and nothing open: an account Klaro calls dormant.
    assert [deal.comment for deal in b.deals(idle, 0, FAR, now)] == ["Initial deposit"]
    assert b.positions(idle, now) == []
    active = b.profile(busy, "Broker-Live")
    assert b.positions(active, now), "an account opening 200 positions a day has some open"
    usual = b.profile(7003, "Broker-Live")
    assert len(b.deals(active, 0, FAR, now)) > 10 * len(b.deals(usual, 0, FAR, now))


def test_a_negative_rate_is_refused() -> None:
    import pytest

    from klaro_worker.mt5sim.scenario import ScenarioError

    with pytest.raises(ScenarioError, match=r"accounts\[0\]\.trades_per_day"):
        load_scenario({"accounts": [{"login": 1, "trades_per_day": -1}]})
