"""A slot's terminal session: the driver process, ``initialize()`` once, and restarts."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from .backends import BackendError, BackendSpec
from .driver import CallResult, DriverGone, DriverTimeout, TerminalDriver
from .terminal_proc import kill_terminal

log = logging.getLogger(__name__)

_SPAWN_BUDGET_S = 30.0


@dataclass
class TerminalStatus:
    """What the heartbeat reports about the terminal."""

    build: int | None = None
    connected: bool | None = None
    restarts: int = 0


class TerminalSession:
    """Owns the driver for one terminal path; initializes lazily and restarts on demand."""

    def __init__(self, spec: BackendSpec, path: str, init_timeout_ms: int, log_level: int) -> None:
        self._spec = spec
        self._path = path
        self._init_timeout_ms = init_timeout_ms
        self._driver = TerminalDriver(spec, log_level)
        self._initialized = False
        self.status = TerminalStatus()

    def ensure_ready(self, deadline: float) -> CallResult | None:
        """Start the driver and ``initialize()`` the terminal if needed, before ``deadline``.

        Returns the failing call when ``initialize()`` fails; raises DriverTimeout, DriverGone or
        BackendError.
        """
        if self._initialized and self._driver.alive:
            return None
        self._initialized = False
        if not self._driver.alive:
            self._driver.start(min(deadline, time.monotonic() + _SPAWN_BUDGET_S))
        timeout_ms = max(1, min(self._init_timeout_ms, int((deadline - time.monotonic()) * 1000)))
        result = self._driver.call("initialize", self._path, timeout_ms, deadline=deadline)
        if not result.value:
            return result
        self._initialized = True
        info = self._driver.call("terminal_info", deadline=deadline)
        self.note_terminal_info(info.value)
        log.info("terminal %s initialized (build %s) in %d ms", self._path, self.status.build, result.elapsed_ms)
        return None

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
        self.start()

    def stop(self) -> None:
        """Shut the terminal down (MT5 ``shutdown()``) and end the driver process."""
        self._driver.stop()
        self._initialized = False
