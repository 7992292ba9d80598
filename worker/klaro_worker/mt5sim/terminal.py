"""The simulated terminal: connection state, one account at a time, latencies and injected faults."""

from __future__ import annotations

import fnmatch
import json
import os
import random
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from . import codes, quotes
from .broker import Profile, SyntheticBroker
from .records import AccountInfo, SymbolInfo, TerminalInfo, Tick, TradeDeal, TradePosition
from .scenario import Scenario

T = TypeVar("T")

DEFAULT_PATH = "C:\\Program Files\\MetaTrader 5\\terminal64.exe"
BUILD_DATE = "14 Nov 2025"


class _Failed(Exception):
    """Internal: the call fails with this ``last_error()``."""

    def __init__(self, error: tuple[int, str]) -> None:
        super().__init__(error[1])
        self.error = error


class SimTerminal:
    """One terminal driven by one process, as the real module drives one ``terminal64.exe``."""

    def __init__(
        self, scenario: Scenario, clock: Callable[[], float] = time.time, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self.scenario = scenario
        self.broker = SyntheticBroker(scenario, clock)
        self._clock = clock
        self._sleep = sleep
        self._rng = random.Random(scenario.rng_seed())
        self._lock = threading.RLock()
        self._initialized = False
        self._dead = False
        self._path = DEFAULT_PATH
        self._portable = False
        self._account: Profile | None = None
        self._logged_in_ms = 0
        self._saved_passwords: dict[tuple[int, str], str] = {}
        self._last_error: tuple[int, str] = codes.SUCCESS

    # MARK: connection

    def initialize(
        self,
        path: str | None,
        login: int | None,
        password: str | None,
        server: str | None,
        timeout: int,
        portable: bool,
    ) -> bool:
        with self._lock:
            self._record("initialize")
            try:
                if path is not None and self.scenario.terminal_must_exist and not Path(path).exists():
                    raise _Failed(codes.ipc_init_failed(f"Process create failed '{path}'"))
                if self._initialized and not self._dead and self.scenario.reinitialize_fails:
                    raise _Failed(codes.ipc_init_failed("CInterClient already initialized"))
                self._inject("initialize", None, timeout)
                if self.scenario.incompatible_versions:
                    raise _Failed(codes.INCOMPATIBLE_VERSIONS)
                delay = self.scenario.latency_initialize.draw(self._rng)
                if delay > timeout:
                    self._wait(timeout)
                    raise _Failed(codes.ipc_init_failed(f"Pipe server didn't answer in {timeout // 1000} sec"))
                self._wait(delay)
                self._initialized, self._dead = True, False
                self._path = path or DEFAULT_PATH
                self._portable = portable
                self._last_error = codes.SUCCESS
            except _Failed as failure:
                self._last_error = failure.error
                return False
        if login is not None:
            return self.login(login, password, server, timeout)
        return True

    def login(self, login: int, password: str | None, server: str | None, timeout: int) -> bool:
        with self._lock:
            self._record("login")
            try:
                self._require_connection()
                previous, self._account = self._account, None
                if not isinstance(login, int) or login <= 0 or timeout <= 0:
                    raise _Failed(codes.INVALID_PARAMS)
                server_name = server or ""
                rule = self.scenario.account_rule(login, server_name)
                self._inject("login", rule, timeout)
                delay = self.scenario.latency_login.draw(self._rng)
                if delay > timeout:
                    self._wait(timeout)
                    raise _Failed(codes.IPC_TIMEOUT)
                self._wait(delay)
                secret = password if password is not None else self._saved_passwords.get((login, server_name))
                if (
                    secret is None
                    or not server_name
                    or server_name in self.scenario.unknown_servers
                    or secret in self.scenario.wrong_passwords
                    or (rule is not None and rule.password is not None and secret != rule.password)
                ):
                    raise _Failed(codes.AUTH_FAILED)
                if rule is not None and rule.otp:
                    raise _Failed(codes.OTP_REQUIRED)
                if rule is not None and rule.login_does_not_switch:
                    self._account = previous  # True, yet still on the account it had
                    self._last_error = codes.SUCCESS
                    return True
                self._account = self.broker.profile(login, server_name)
                self._logged_in_ms = self.broker.now_ms()
                self._saved_passwords[(login, server_name)] = secret
                save_accounts(self._data_folder(), self._saved_passwords)
                self._last_error = codes.SUCCESS
                return True
            except _Failed as failure:
                self._last_error = failure.error
                return False

    def shutdown(self) -> None:
        with self._lock:
            self._record("shutdown")
            self._initialized = False
            self._account = None

    def last_error(self) -> tuple[int, str]:
        return self._last_error

    def refuse(self, call: str, error: tuple[int, str]) -> None:
        """A call the module refuses before it reaches the terminal (bad arguments)."""
        with self._lock:
            self._record(call)
            self._last_error = error

    def version(self) -> tuple[int, int, str] | None:
        return self._data("version", lambda: (500, self.scenario.terminal_build, BUILD_DATE), needs_account=False)

    # MARK: data

    def terminal_info(self) -> TerminalInfo | None:
        def make() -> TerminalInfo:
            folder = self._data_folder()
            account = self._account
            return TerminalInfo(
                community_account=False,
                community_connection=False,
                connected=account is not None,
                dlls_allowed=False,
                trade_allowed=False,
                tradeapi_disabled=False,
                email_enabled=False,
                ftp_enabled=False,
                notifications_enabled=False,
                mqid=False,
                build=self.scenario.terminal_build,
                maxbars=100_000,
                codepage=0,
                ping_last=20_000 + self._rng.randrange(60_000) if account else 0,
                community_balance=0.0,
                retransmission=0.0,
                company=account.company if account else "MetaQuotes Ltd.",
                name="MetaTrader 5",
                language="English",
                path=_folder(self._path),
                data_path=folder,
                commondata_path="C:\\users\\klaro\\AppData\\Roaming\\MetaQuotes\\Terminal\\Common",
            )

        return self._data("terminal_info", make, needs_account=False)

    def account_info(self) -> AccountInfo | None:
        return self._data("account_info", lambda: self.broker.account_info(self._profile(), self.broker.now_ms()))

    def positions_total(self) -> int | None:
        return self._data("positions_total", lambda: len(self.broker.positions(self._profile(), self.broker.now_ms())))

    def positions_get(
        self, symbol: str | None, group: str | None, ticket: int | None
    ) -> tuple[TradePosition, ...] | None:
        def make() -> tuple[TradePosition, ...]:
            found = self.broker.positions(self._profile(), self.broker.now_ms())
            return tuple(
                p
                for p in found
                if (symbol is None or p.symbol == symbol)
                and (ticket is None or p.ticket == ticket)
                and (group is None or group_match(group, p.symbol))
            )

        return self._data("positions_get", make)

    def history_deals_total(self, date_from: Any, date_to: Any) -> int | None:
        def make() -> int:
            low, high = _seconds(date_from), _seconds(date_to)
            return len(self.broker.deals(self._profile(), low, high, self.broker.now_ms()))

        return self._data("history_deals_total", make)

    def history_deals_get(
        self, date_from: Any, date_to: Any, group: str | None, ticket: int | None, position: int | None
    ) -> tuple[TradeDeal, ...] | None:
        def make() -> tuple[TradeDeal, ...]:
            if date_from is None or date_to is None:
                if ticket is None and position is None:
                    raise _Failed(codes.INVALID_PARAMS)
                low, high = 0, 32_503_680_000  # year 3000: the whole history
            else:
                low, high = _seconds(date_from), _seconds(date_to)
            found = self._arrived(self.broker.deals(self._profile(), low, high, self.broker.now_ms()))
            deals = tuple(
                d
                for d in found
                if (ticket is None or d.order == ticket)
                and (position is None or d.position_id == position)
                and (group is None or group_match(group, d.symbol))
            )
            if not deals and self.scenario.empty_history_is_none:
                raise _Failed(codes.SUCCESS)  # None, yet last_error() says Success
            return deals

        return self._data("history_deals_get", make)

    def _arrived(self, deals: list[TradeDeal]) -> list[TradeDeal]:
        """The part of the history the terminal has loaded since login: oldest first."""
        profile = self._profile()
        rule = self.scenario.account_rule(profile.login, profile.server)
        if rule is None or rule.late_history_ms <= 0:
            return deals
        elapsed = (self.broker.now_ms() - self._logged_in_ms) * self.scenario.time_scale
        if elapsed >= rule.late_history_ms:
            return deals
        ordered = sorted(deals, key=lambda deal: (deal.time_msc, deal.ticket))
        return ordered[: int(len(ordered) * elapsed / rule.late_history_ms)]

    def _data_folder(self) -> str:
        """Where the terminal keeps its data: its own folder when portable, else the user's profile."""
        if self._portable:
            return _folder(self._path)
        return "C:\\users\\klaro\\AppData\\Roaming\\MetaQuotes\\Terminal\\D0E8209F77C8CF37AD8BF550E51FF075"

    # MARK: symbols (mt5sim/quotes.py)

    def symbol_info_tick(self, symbol: str) -> Tick | None:
        return self._data("symbol_info_tick", lambda: self._quote(symbol, quotes.tick))

    def symbol_info(self, symbol: str) -> SymbolInfo | None:
        return self._data("symbol_info", lambda: self._quote(symbol, quotes.info))

    def _quote(self, symbol: str, make: Callable[..., T]) -> T:
        spec = quotes.find(symbol)
        if spec is None:
            raise _Failed(codes.INVALID_PARAMS)
        return make(self.broker, self._profile(), spec, self.broker.now_ms(), self.scenario.time_scale)

    # MARK: plumbing

    def _data(self, name: str, make: Callable[[], T], needs_account: bool = True) -> T | None:
        with self._lock:
            self._record(name)
            try:
                self._require_connection()
                if needs_account and self._account is None:
                    raise _Failed(codes.CALL_FAILED)
                rule = self.scenario.account_rule(self._account.login, self._account.server) if self._account else None
                self._inject(name, rule, 60_000)
                if name != "version":
                    self._wait(self.scenario.latency_call.draw(self._rng))
                value = make()
                self._last_error = codes.SUCCESS
                return value
            except _Failed as failure:
                self._last_error = failure.error
                return None

    def _profile(self) -> Profile:
        if self._account is None:
            raise _Failed(codes.CALL_FAILED)
        return self._account

    def _require_connection(self) -> None:
        if not self._initialized or self._dead:
            raise _Failed(codes.NO_IPC)

    def _inject(self, call: str, rule: Any, timeout: int) -> None:
        """Apply the scenario's faults for this call: crash, hang, or IPC timeout."""
        faults = self.scenario.faults
        draws = (self._rng.random(), self._rng.random(), self._rng.random())
        random_faults = call in faults.calls
        if (rule is not None and rule.crash == call) or (random_faults and draws[0] < faults.crash_rate):
            self._dead = True
            self._account = None
            raise _Failed(codes.NO_IPC)
        if (rule is not None and rule.hang == call) or (random_faults and draws[1] < faults.hang_rate):
            self._wait(faults.hang_ms)
            raise _Failed(codes.IPC_TIMEOUT)
        if (rule is not None and rule.ipc_timeout == call) or (random_faults and draws[2] < faults.ipc_timeout_rate):
            self._wait(min(float(timeout), faults.ipc_timeout_ms))
            raise _Failed(codes.IPC_TIMEOUT)

    def _wait(self, simulated_ms: float) -> None:
        seconds = self.scenario.sleep_seconds(simulated_ms)
        if seconds > 0:
            self._sleep(seconds)

    def _record(self, call: str) -> None:
        target = self.scenario.record_calls
        if not target:
            return
        line = json.dumps({"call": call, "pid": os.getpid(), "t": round(self._clock(), 3)})
        with open(target, "a", encoding="utf-8") as stream:
            stream.write(line + "\n")


def group_match(group: str, symbol: str) -> bool:
    """MT5's ``group`` filter: comma-separated masks applied in order, ``!`` excludes."""
    selected = False
    for raw in group.split(","):
        condition = raw.strip()
        if not condition:
            continue
        if condition.startswith("!"):
            if fnmatch.fnmatchcase(symbol.upper(), condition[1:].upper()):
                selected = False
        elif fnmatch.fnmatchcase(symbol.upper(), condition.upper()):
            selected = True
    return selected


def _folder(path: str) -> str:
    return path.rsplit("\\", 1)[0] if "\\" in path else os.path.dirname(path)


def save_accounts(folder: str, saved: dict[tuple[int, str], str]) -> None:
    """Write ``config/accounts.dat`` as the terminal does after a login (where the folder exists).

    The real file holds the passwords in a form the terminal itself can read back; this one names
    the accounts and marks that a password is stored, which is what a test needs to see.
    """
    if not os.path.isdir(folder):
        return
    config = Path(folder) / "config"
    config.mkdir(exist_ok=True)
    entries = [{"login": login, "server": server, "password_saved": True} for login, server in sorted(saved)]
    (config / "accounts.dat").write_text(json.dumps(entries), encoding="utf-8")


def _seconds(value: Any) -> int:
    """A date argument as MT5 takes it: a ``datetime`` (naive means the machine's local time) or epoch seconds."""
    if isinstance(value, datetime):
        return int(value.timestamp())
    if isinstance(value, int | float) and not isinstance(value, bool):
        return int(value)
    raise _Failed(codes.INVALID_PARAMS)
