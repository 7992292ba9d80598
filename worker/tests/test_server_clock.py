"""The broker's clock (issue 12): the simulator's UTC offsets with New York's DST switches and
frozen weekend ticks, and the optional ``server_clock`` and ``symbols`` of a sync's result."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema

from klaro_worker import keys, protocol, server_clock
from klaro_worker.backends import BackendSpec
from klaro_worker.mt5sim import clock
from klaro_worker.mt5sim.scenario import ScenarioError, load_scenario
from klaro_worker.mt5sim.terminal import SimTerminal
from klaro_worker.session import TerminalSession
from klaro_worker.sync import SyncRunner

from helpers import FAST, make_job, schema

HOUR = 3_600_000
# New York starts daylight saving on Sunday 2026-03-08 at 07:00 UTC and ends it on Sunday
# 2026-11-01 at 06:00 UTC.
SPRING = int(datetime(2026, 3, 8, 7, tzinfo=UTC).timestamp() * 1000)
AUTUMN = int(datetime(2026, 11, 1, 6, tzinfo=UTC).timestamp() * 1000)


def utc_ms(*parts: int) -> int:
    return int(datetime(*parts, tzinfo=UTC).timestamp() * 1000)


class Clock:
    def __init__(self, ms: int) -> None:
        self.ms = ms

    def __call__(self) -> float:
        return self.ms / 1000


def test_offsets_switch_with_new_york() -> None:
    base = 2 * HOUR
    assert clock.offset_ms(base, "new_york", SPRING - 1) == 2 * HOUR
    assert clock.offset_ms(base, "new_york", SPRING) == 3 * HOUR
    assert clock.offset_ms(base, "new_york", AUTUMN - 1) == 3 * HOUR
    assert clock.offset_ms(base, "new_york", AUTUMN) == 2 * HOUR
    assert clock.offset_ms(base, "none", SPRING + HOUR) == 2 * HOUR


def test_forex_hours_and_the_frozen_weekend_tick() -> None:
    friday_close = utc_ms(2026, 3, 6, 22)
    assert clock.market_open(friday_close - 1)
    assert not clock.market_open(friday_close)
    assert not clock.market_open(utc_ms(2026, 3, 7, 12))
    assert not clock.market_open(utc_ms(2026, 3, 8, 21, 59))
    assert clock.market_open(utc_ms(2026, 3, 8, 22))
    assert clock.last_trading_ms(utc_ms(2026, 3, 7, 12)) == friday_close - 1
    assert clock.last_trading_ms(utc_ms(2026, 3, 9, 12)) == utc_ms(2026, 3, 9, 12)


def test_scenario_dst_is_validated() -> None:
    scenario = load_scenario({"seed": 1, "servers": {"Sim-Live": {"utc_offset_hours": 2, "dst": "new_york"}}})
    assert scenario.server_rule("Sim-Live").dst == "new_york"
    try:
        load_scenario({"seed": 1, "servers": {"Sim-Live": {"dst": "london"}}})
    except ScenarioError as error:
        assert "dst" in str(error)
    else:
        raise AssertionError("an unknown dst mode was accepted")


def terminal_at(ms: int) -> tuple[SimTerminal, Clock]:
    scenario = load_scenario(
        {**FAST, "servers": {"Sim-Live": {"utc_offset_hours": 2, "dst": "new_york"}}, "epoch": 1_767_225_600}
    )
    now = Clock(ms)
    terminal = SimTerminal(scenario, clock=now, sleep=lambda _: None)
    assert terminal.initialize(None, None, None, None, 60_000, False)
    assert terminal.login(5012345, "pw", "Sim-Live", 60_000)
    return terminal, now


def test_ticks_on_both_sides_of_the_spring_switch() -> None:
    # Friday before the switch: UTC+2; the tick is 1.5 s old.
    terminal, now = terminal_at(utc_ms(2026, 3, 6, 12))
    tick = terminal.symbol_info_tick("EURUSD")
    assert tick is not None and tick.time_msc == now.ms - 1_500 + 2 * HOUR
    assert tick.time == tick.time_msc // 1000 and tick.bid < tick.ask
    # Saturday: frozen at Friday's close (broker 23:59:59.999).
    now.ms = utc_ms(2026, 3, 7, 12)
    frozen = terminal.symbol_info_tick("EURUSD")
    assert frozen is not None and frozen.time_msc == utc_ms(2026, 3, 6, 22) - 1 + 2 * HOUR
    # Monday after the switch: UTC+3.
    now.ms = utc_ms(2026, 3, 9, 12)
    monday = terminal.symbol_info_tick("EURUSD")
    assert monday is not None and monday.time_msc == now.ms - 1_500 + 3 * HOUR
    info = terminal.symbol_info("USDJPY")
    assert info is not None and (info.digits, info.point, info.name) == (3, 0.001, "USDJPY")
    assert terminal.symbol_info_tick("NOPE") is None
    assert terminal.last_error()[0] == -2


def test_deals_carry_the_offset_in_force_when_they_happened() -> None:
    terminal, _ = terminal_at(utc_ms(2026, 3, 20))
    deals = terminal.history_deals_get(0, 4_000_000_000, None, None, None)
    assert deals
    # Each deal's broker time minus its UTC instant is the offset of that instant; the ticket
    # encodes nothing usable, so check through the broker directly.
    profile = terminal.broker.profile(5012345, "Sim-Live")
    assert terminal.broker.broker_ms(profile, SPRING - 1) == SPRING - 1 + 2 * HOUR
    assert terminal.broker.broker_ms(profile, SPRING) == SPRING + 3 * HOUR
    # Broker times never go backwards across the spring switch (the clock jumps forward).
    times = [deal.time_msc for deal in deals]
    assert times == sorted(times)


def test_read_picks_the_newest_tick_and_every_symbols_digits() -> None:
    terminal, now = terminal_at(utc_ms(2026, 3, 9, 12))

    def call(name: str, *args: Any) -> Any:
        record = getattr(terminal, name)(*args)
        return None if record is None else record._asdict()

    deals = [{"symbol": "XAUUSD"}, {"symbol": ""}]
    symbols = server_clock.symbols_seen(deals, [{"symbol": "USDJPY"}, {"symbol": "XAUUSD"}])
    assert symbols == ["USDJPY", "XAUUSD", "EURUSD", "BTCUSD"]
    sample, specs = server_clock.read(call, [*symbols, "NOPE"], now_ms=lambda: now.ms)
    assert sample is not None
    offset = sample["tick_time_msc"] - sample["utc_ms"]
    assert abs(offset - 3 * HOUR) <= 5_000, offset
    assert specs == [
        {"symbol": "USDJPY", "digits": 3, "point": 0.001},
        {"symbol": "XAUUSD", "digits": 2, "point": 0.01},
        {"symbol": "EURUSD", "digits": 5, "point": 1e-05},
        {"symbol": "BTCUSD", "digits": 2, "point": 0.01},
    ]
    assert server_clock.read(lambda *_: None, ["EURUSD"]) == (None, None)
    # At the weekend forex ticks stand still and BTCUSD's are the newest: still a usable sample.
    now.ms = utc_ms(2026, 3, 7, 12)
    weekend, _ = server_clock.read(call, ["EURUSD", "BTCUSD"], now_ms=lambda: now.ms)
    assert weekend is not None and weekend["symbol"] == "BTCUSD"
    assert weekend["tick_time_msc"] - weekend["utc_ms"] == 2 * HOUR - 1_500


def test_a_sync_reports_server_clock_and_symbols(tmp_path: Path) -> None:
    scenario = tmp_path / "scenario.json"
    scenario.write_text(json.dumps({**FAST, "trades_per_day": 24}))
    key = keys.generate(tmp_path / "host.key")
    session = TerminalSession(
        BackendSpec("sim", sim_scenario=str(scenario)), "C:\\k\\slot-1\\terminal64.exe", 5000, logging.DEBUG
    )
    session.start()
    try:
        outcome = SyncRunner("h-1", 1, key, session).run(
            protocol.parse_job(json.dumps(make_job(key.private.public_key(), login=4040)))
        )
    finally:
        session.stop()
    wire = json.loads(outcome.result.to_json())
    jsonschema.Draft202012Validator(schema("result")).validate(wire)
    assert wire["outcome"] == "ok"
    clock_sample = wire["server_clock"]
    assert set(clock_sample) == {"utc_ms", "tick_time_msc", "symbol"}
    # The default simulated server runs UTC+2; BTCUSD ticks at weekends too.
    assert abs(clock_sample["tick_time_msc"] - clock_sample["utc_ms"] - 2 * HOUR) < 60_000
    symbols = {spec["symbol"]: spec for spec in wire["symbols"]}
    assert symbols["EURUSD"] == {"symbol": "EURUSD", "digits": 5, "point": 1e-05}
    assert {deal["symbol"] for deal in wire["deals"] if deal["symbol"]} <= set(symbols)
