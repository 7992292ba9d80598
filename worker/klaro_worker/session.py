"""A slot's terminal session: the driver process, ``initialize()`` once, and restarts."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from .backends import BackendError, BackendSpec
from .driver import CallResult, DriverGone, DriverTimeout, TerminalDriver
from .terminal_proc import kill_terminal
from .terminal_store import forget_accounts

log = logging.getLogger(__name__)

_SPAWN_BUDGET_S = 30.0
RES_E_INVALID_VERSION = -5
PROBLEM_INCOMPATIBLE = "incompatible_versions"
PROBLEM_INIT_FAILING = "initialize_failing"
#: After this many failed ``initialize()`` in a row the heartbeat names the problem.
INIT_FAILURES_REPORTED = 3


@dataclass
class TerminalStatus:
    """What the heartbeat reports about the terminal."""

    build: int | None = None
    connected: bool | None = None
    restarts: int = 0
    #: ``initialize()`` failures in a row (a blocked first-run or update dialog shows up so).
    init_failures: int = 0
    #: What an operator must fix: ``incompatible_versions`` or ``initialize_failing``; None when fine.
    problem: str | None = None
    #: Logins that answered True but left the terminal on another account, since the slot started.
    wrong_accounts: int = 0

    def initialize_failed(self, code: int) -> None:
        self.init_failures += 1
        if code == RES_E_INVALID_VERSION:
            self.problem = PROBLEM_INCOMPATIBLE
        elif self.init_failures >= INIT_FAILURES_REPORTED:
            self.problem = PROBLEM_INIT_FAILING

    def initialized(self) -> None:
        self.init_failures, self.problem = 0, None


class TerminalSession:
    """Owns the driver for one terminal path; initializes lazily and restarts on demand."""

    def __init__(self, spec: BackendSpec, path: str, init_timeout_ms: int, log_level: int) -> None:
        self._spec = spec
        self._path = path
        self._init_timeout_ms = init_timeout_ms
        self._driver = TerminalDriver(spec, log_level)
        self._initialized = False
        self.status = TerminalStatus()

    def ensure_ready(self, deadline: float, timeout_ms: Callable[[int], int] | None = None) -> CallResult | None:
        """Start the driver and ``initialize()`` the terminal if needed, before ``deadline``.

        ``timeout_ms`` turns the configured ``initialize`` timeout into the one this job allows.

        Returns the failing call when ``initialize()`` fails; raises DriverTimeout, DriverGone or
        BackendError.
        """
        if self._initialized and self._driver.alive:
            return None
        self._initialized = False
        if not self._driver.alive:
            self._driver.start(min(deadline, time.monotonic() + _SPAWN_BUDGET_S))
        allowed = max(1, min(self._init_timeout_ms, int((deadline - time.monotonic()) * 1000)))
        if timeout_ms is not None:
            allowed = min(allowed, timeout_ms(self._init_timeout_ms))
        forget_accounts(self._path)
        result = self._driver.call("initialize", self._path, allowed, deadline=deadline)
        if not result.value:
            self._note_init_failure(result)
            return result
        self.status.initialized()
        self._initialized = True
        info = self._driver.call("terminal_info", deadline=deadline)
        self.note_terminal_info(info.value)
        log.info("terminal %s initialized (build %s) in %d ms", self._path, self.status.build, result.elapsed_ms)
        return None

    def _note_init_failure(self, result: CallResult) -> None:
        code, message = result.error
        before = self.status.problem
        self.status.initialize_failed(code)
        if self.status.problem == PROBLEM_INCOMPATIBLE and before != PROBLEM_INCOMPATIBLE:
            log.error(
                "terminal %s: %s %s: the terminal updated itself past this MetaTrader5 module; "
                "update the module or pin the terminal (docs/runbooks.md, terminal incompatible)",
                self._path,
                code,
                message,
            )
        elif self.status.problem == PROBLEM_INIT_FAILING and before != PROBLEM_INIT_FAILING:
            log.error(
                "terminal %s: initialize() failed %d times in a row (last %s %s); a dialog may be waiting "
                "unseen (ops/windows/README.md, preparing a slot's terminal)",
                self._path,
                self.status.init_failures,
                code,
                message,
            )

    def forget_saved_accounts(self) -> None:
        """Remove the accounts (and passwords) the terminal saved to its disk (docs/crypto.md §7)."""
        forget_accounts(self._path)

    def call(self, op: str, *args: object, deadline: float) -> CallResult:
        return self._driver.call(op, *args, deadline=deadline)

    def note_terminal_info(self, info: object) -> None:
        if isinstance(info, dict):
            self.status.build = int(info.get("build", 0)) or None
            self.status.connected = bool(info.get("connected", False))

    def start(self) -> None:
        """Start and initialize at slot start; a failure is logged and retried before the next job."""
        deadline = time.monotonic() + self._init_timeout_ms / 1000 + 5
        try:
            failure = self.ensure_ready(deadline)
        except (DriverTimeout, DriverGone, BackendError) as error:
            log.error("terminal %s did not start: %s; will retry before the next job", self._path, error)
            self._driver.kill()
            self.status.initialize_failed(0)
            return
        if failure is not None:
            log.error("initialize(%s) failed: %s %s; will retry before the next job", self._path, *failure.error)

    def restart(self, reason: str) -> None:
        """Kill the driver and this slot's terminal, then start both again."""
        log.warning("restarting terminal %s: %s", self._path, reason)
        self._driver.kill()
        if self._spec.name != "sim":
            killed = kill_terminal(self._path)
            if killed:
                log.info("killed terminal process(es) %s", ", ".join(map(str, killed)))
        self._initialized = False
        self.status.restarts += 1
        self.status.build = self.status.connected = None
        forget_accounts(self._path)
        self.start()

    def stop(self) -> None:
        """Shut the terminal down (MT5 ``shutdown()``) and end the driver process."""
        self._driver.stop()
        self._initialized = False
        forget_accounts(self._path)
