"""Scenario of the MT5 simulator: timings, faults and special accounts, from JSON or TOML.

Every field is optional; an empty scenario is a healthy broker that accepts any login on any
server with short, realistic timings. See ``worker/README.md`` for the file format.
"""

from __future__ import annotations

import json
import math
import random
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .clock import DST_MODES

#: 2026-01-01T00:00:00Z: accounts open on or after this instant unless the scenario says otherwise.
DEFAULT_EPOCH = 1767225600

DATA_CALLS = ("account_info", "positions_get", "history_deals_get", "terminal_info")
FAULTABLE_CALLS = ("initialize", "login", *DATA_CALLS)


class ScenarioError(ValueError):
    """The scenario file or mapping is invalid; the message names the offending field."""


@dataclass(frozen=True)
class Latency:
    """A log-normal latency in milliseconds (of simulated time), clamped to ``[min_ms, max_ms]``."""

    median_ms: float
    sigma: float = 0.0
    min_ms: float = 0.0
    max_ms: float = 600_000.0

    def draw(self, rng: random.Random) -> float:
        value = self.median_ms * math.exp(rng.gauss(0.0, self.sigma)) if self.sigma > 0 else self.median_ms
        return min(self.max_ms, max(self.min_ms, value))


@dataclass(frozen=True)
class AccountRule:
    """Behaviour of one login (optionally on one server) that differs from a healthy account."""

    login: int
    server: str | None = None
    password: str | None = None
    otp: bool = False
    hang: str | None = None
    ipc_timeout: str | None = None
    crash: str | None = None
    deposit: float | None = None
    currency: str | None = None
    #: ``login()`` answers True but the terminal stays on the account it had (users report it).
    login_does_not_switch: bool = False
    #: For this long (simulated ms) after login the terminal is still loading the history:
    #: ``history_deals_get`` returns only what has arrived, oldest first.
    late_history_ms: float = 0.0
    #: This account's own activity (None: the scenario's): 0 and 0 make an account that never
    #: trades after its first deposit, which Klaro comes to call dormant.
    trades_per_day: float | None = None
    balance_ops_per_day: float | None = None

    def matches(self, login: int, server: str | None) -> bool:
        return self.login == login and (self.server is None or server is None or self.server == server)


@dataclass(frozen=True)
class ServerRule:
    utc_offset_hours: float = 2.0
    company: str | None = None
    # "none" or "new_york": +1 h while New York is on daylight-saving time (mt5sim/clock.py).
    dst: str = "none"


@dataclass(frozen=True)
class Faults:
    ipc_timeout_rate: float = 0.0
    ipc_timeout_ms: float = 10_000.0
    hang_rate: float = 0.0
    hang_ms: float = 3_600_000.0
    crash_rate: float = 0.0
    calls: tuple[str, ...] = ("login", *DATA_CALLS)


@dataclass(frozen=True)
class Scenario:
    seed: int = 0
    time_scale: float = 1.0
    epoch: int = DEFAULT_EPOCH
    trades_per_day: float = 6.0
    balance_ops_per_day: float = 0.1
    terminal_build: int = 5200
    terminal_must_exist: bool = False
    record_calls: str | None = None
    latency_initialize: Latency = Latency(300, 0.3, 50, 30_000)
    latency_login: Latency = Latency(150, 0.4, 20, 30_000)
    latency_call: Latency = Latency(5, 0.5, 1, 2_000)
    faults: Faults = Faults()
    accounts: tuple[AccountRule, ...] = ()
    servers: Mapping[str, ServerRule] = field(default_factory=dict)
    unknown_servers: frozenset[str] = frozenset()
    wrong_passwords: frozenset[str] = frozenset()
    #: ``initialize()`` fails with -5: the terminal updated itself past this module's version.
    incompatible_versions: bool = False
    #: ``initialize()`` of a terminal already initialized fails (the module's state outlived its caller).
    reinitialize_fails: bool = False
    #: ``history_deals_get`` answers None with ``last_error() == (1, 'Success')`` for an empty window.
    empty_history_is_none: bool = False
    #: Per-process stream of the random generator: (slot, start count), mixed with ``seed``.
    stream: tuple[int, int] = (0, 0)

    def account_rule(self, login: int, server: str | None) -> AccountRule | None:
        for rule in self.accounts:
            if rule.matches(login, server):
                return rule
        return None

    def server_rule(self, server: str) -> ServerRule:
        return self.servers.get(server, ServerRule())

    def rng_seed(self) -> str:
        """The seed of one terminal process: the world's seed, the slot and the start count.

        Each slot and each restarted terminal draws its own fault sequence (one seed for all made
        every process replay the same faults in step), and a run is still reproducible.
        """
        slot, start = self.stream
        return f"{self.seed}:{slot}:{start}"

    def sleep_seconds(self, simulated_ms: float) -> float:
        """Wall-clock seconds for a simulated duration, after the time scale."""
        return max(0.0, simulated_ms) / 1000.0 / self.time_scale


def load_scenario(source: str | Path | Mapping[str, Any] | None) -> Scenario:
    """Read a scenario from a JSON/TOML file path, a mapping, or ``None`` (healthy defaults)."""
    if source is None:
        return Scenario()
    if isinstance(source, Mapping):
        return _from_mapping(source)
    path = Path(source)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ScenarioError(f"scenario file {path}: {error.strerror or error}") from error
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
    except (ValueError, tomllib.TOMLDecodeError) as error:
        raise ScenarioError(f"scenario file {path}: not valid {path.suffix or 'TOML'}: {error}") from error
    return _from_mapping(data)


def _from_mapping(data: Mapping[str, Any]) -> Scenario:
    known = {
        "seed",
        "time_scale",
        "epoch",
        "trades_per_day",
        "balance_ops_per_day",
        "terminal_build",
        "terminal_must_exist",
        "record_calls",
        "latency",
        "faults",
        "accounts",
        "servers",
        "unknown_servers",
        "wrong_passwords",
        "incompatible_versions",
        "reinitialize_fails",
        "empty_history_is_none",
    }
    unknown = sorted(set(data) - known)
    if unknown:
        raise ScenarioError(f"scenario: unknown field(s) {', '.join(unknown)}")
    time_scale = float(data.get("time_scale", 1.0))
    if not time_scale > 0:
        raise ScenarioError("scenario: time_scale must be > 0")
    defaults = Scenario()
    latency = data.get("latency", {})
    return Scenario(
        seed=int(data.get("seed", 0)),
        time_scale=time_scale,
        epoch=int(data.get("epoch", DEFAULT_EPOCH)),
        trades_per_day=float(data.get("trades_per_day", defaults.trades_per_day)),
        balance_ops_per_day=float(data.get("balance_ops_per_day", defaults.balance_ops_per_day)),
        terminal_build=int(data.get("terminal_build", defaults.terminal_build)),
        terminal_must_exist=bool(data.get("terminal_must_exist", False)),
        record_calls=data.get("record_calls"),
        latency_initialize=_latency(latency.get("initialize"), defaults.latency_initialize, "initialize"),
        latency_login=_latency(latency.get("login"), defaults.latency_login, "login"),
        latency_call=_latency(latency.get("call"), defaults.latency_call, "call"),
        faults=_faults(data.get("faults", {})),
        accounts=tuple(_account(item, index) for index, item in enumerate(data.get("accounts", []))),
        servers={name: _server(name, value) for name, value in data.get("servers", {}).items()},
        unknown_servers=frozenset(data.get("unknown_servers", [])),
        wrong_passwords=frozenset(data.get("wrong_passwords", [])),
        incompatible_versions=bool(data.get("incompatible_versions", False)),
        reinitialize_fails=bool(data.get("reinitialize_fails", False)),
        empty_history_is_none=bool(data.get("empty_history_is_none", False)),
    )


def _latency(value: Any, default: Latency, name: str) -> Latency:
    if value is None:
        return default
    if isinstance(value, int | float):
        return Latency(float(value))
    if not isinstance(value, Mapping) or "median" not in value:
        raise ScenarioError(f"scenario: latency.{name} must be a number or {{median, sigma, min, max}}")
    return Latency(
        median_ms=float(value["median"]),
        sigma=float(value.get("sigma", 0.0)),
        min_ms=float(value.get("min", 0.0)),
        max_ms=float(value.get("max", 600_000.0)),
    )


def _faults(value: Mapping[str, Any]) -> Faults:
    calls = tuple(value.get("calls", Faults().calls))
    bad = [call for call in calls if call not in FAULTABLE_CALLS]
    if bad:
        raise ScenarioError(f"scenario: faults.calls has unknown call(s) {', '.join(bad)}")
    return Faults(
        ipc_timeout_rate=float(value.get("ipc_timeout_rate", 0.0)),
        ipc_timeout_ms=float(value.get("ipc_timeout_ms", 10_000.0)),
        hang_rate=float(value.get("hang_rate", 0.0)),
        hang_ms=float(value.get("hang_ms", 3_600_000.0)),
        crash_rate=float(value.get("crash_rate", 0.0)),
        calls=calls,
    )


def _account(item: Mapping[str, Any], index: int) -> AccountRule:
    if "login" not in item:
        raise ScenarioError(f"scenario: accounts[{index}] needs a login")
    for key in ("hang", "ipc_timeout", "crash"):
        call = item.get(key)
        if call is not None and call not in FAULTABLE_CALLS:
            raise ScenarioError(f"scenario: accounts[{index}].{key} must name a call, one of {FAULTABLE_CALLS}")
    return AccountRule(
        login=int(item["login"]),
        server=item.get("server"),
        password=item.get("password"),
        otp=bool(item.get("otp", False)),
        hang=item.get("hang"),
        ipc_timeout=item.get("ipc_timeout"),
        crash=item.get("crash"),
        deposit=float(item["deposit"]) if "deposit" in item else None,
        currency=item.get("currency"),
        login_does_not_switch=bool(item.get("login_does_not_switch", False)),
        late_history_ms=float(item.get("late_history_ms", 0.0)),
        trades_per_day=_rate(item, "trades_per_day", index),
        balance_ops_per_day=_rate(item, "balance_ops_per_day", index),
    )


def _rate(item: Mapping[str, Any], key: str, index: int) -> float | None:
    if key not in item:
        return None
    value = float(item[key])
    if value < 0:
        raise ScenarioError(f"scenario: accounts[{index}].{key} must not be negative")
    return value


def _server(name: str, value: Mapping[str, Any]) -> ServerRule:
    if not isinstance(value, Mapping):
        raise ScenarioError(f"scenario: servers.{name} must be a table")
    dst = value.get("dst", "none")
    if dst not in DST_MODES:
        raise ScenarioError(f"scenario: servers.{name}.dst must be one of {', '.join(DST_MODES)}")
    return ServerRule(
        utc_offset_hours=float(value.get("utc_offset_hours", 2.0)),
        company=value.get("company"),
        dst=dst,
    )
