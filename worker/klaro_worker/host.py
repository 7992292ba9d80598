"""``klaro-worker host``: runs one slot process per terminal and keeps them running.

A slot that exits is started again after an exponential backoff (1 s, 2 s, 4 s … up to
``restart_backoff_max_s``; reset once a slot has run for a minute). SIGTERM/SIGINT are forwarded
to every slot, which finishes its current job; slots still running after ``stop_timeout_s``
are killed (their jobs stay pending in Redis and are picked up again on restart).
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from .config import ENV_PREFIX, HostConfig

log = logging.getLogger(__name__)

_STABLE_AFTER_S = 60.0
_POLL_S = 0.2


@dataclass
class SlotProcess:
    slot: int
    process: subprocess.Popen[bytes] | None = None
    started: float = 0.0
    failures: int = 0
    restart_at: float = field(default=0.0)


class Supervisor:
    def __init__(self, config: HostConfig) -> None:
        self.config = config
        self.stop = threading.Event()
        self.slots = {n: SlotProcess(n) for n in range(1, config.slots + 1)}

    def run(self) -> int:
        self._install_signals()
        log.info(
            "host %s: supervising %d slot(s), backend %s", self.config.host_id, self.config.slots, self.config.backend
        )
        while not self.stop.is_set():
            now = time.monotonic()
            for entry in self.slots.values():
                self._tend(entry, now)
            self.stop.wait(_POLL_S)
        self._stop_all()
        return 0

    def _tend(self, entry: SlotProcess, now: float) -> None:
        if entry.process is not None:
            code = entry.process.poll()
            if code is None:
                return
            ran = now - entry.started
            entry.failures = 0 if ran >= _STABLE_AFTER_S else entry.failures + 1
            delay = min(float(self.config.restart_backoff_max_s), 2.0 ** max(0, entry.failures - 1))
            log.warning(
                "slot %d (pid %d) exited with %s after %.0f s; restarting in %.0f s",
                entry.slot,
                entry.process.pid,
                _describe(code),
                ran,
                delay,
            )
            entry.process, entry.restart_at = None, now + delay
        if now >= entry.restart_at:
            self._start(entry, now)

    def _start(self, entry: SlotProcess, now: float) -> None:
        command = [
            sys.executable,
            "-m",
            "klaro_worker",
            "slot",
            "--slot",
            str(entry.slot),
            "--terminal",
            self.config.terminal_for(entry.slot),
        ]
        flags: dict[str, Any] = {}
        if sys.platform == "win32":
            flags["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP  # type: ignore[attr-defined]
        try:
            entry.process = subprocess.Popen(command, env=self._child_env(entry.slot), **flags)
        except OSError as error:
            entry.failures += 1
            entry.restart_at = now + min(float(self.config.restart_backoff_max_s), 2.0**entry.failures)
            log.error("cannot start slot %d: %s", entry.slot, error)
            return
        entry.started = now
        log.info("slot %d started (pid %d)", entry.slot, entry.process.pid)

    def _child_env(self, slot: int) -> dict[str, str]:
        """Settings go to the slots through the environment, so no secret shows in ``ps``."""
        config = self.config
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(ENV_PREFIX) or key == ENV_PREFIX + "CONFIG"
        }
        values = {
            "HOST_ID": config.host_id,
            "REDIS_URL": config.redis_url,
            "KEY_FILE": str(config.key_file),
            "SLOTS_TOTAL": str(config.slots),
            "BACKEND": config.backend,
            "MT5LINUX_HOST": config.mt5linux_host,
            "MT5LINUX_PORT": str(config.mt5linux_port_base + slot - 1),
            "INIT_TIMEOUT_MS": str(config.init_timeout_ms),
            "LOG_LEVEL": config.log_level,
        }
        if config.sim_scenario:
            values["SIM_SCENARIO"] = config.sim_scenario
        env.update({ENV_PREFIX + key: value for key, value in values.items()})
        return env

    def _install_signals(self) -> None:
        def handle(signum: int, _frame: Any) -> None:
            if not self.stop.is_set():
                log.info("signal %d: stopping all slots", signum)
            self.stop.set()

        signal.signal(signal.SIGTERM, handle)
        signal.signal(signal.SIGINT, handle)
        if sys.platform == "win32" and hasattr(signal, "SIGBREAK"):
            signal.signal(signal.SIGBREAK, handle)

    def _stop_all(self) -> None:
        running = [entry for entry in self.slots.values() if entry.process is not None and entry.process.poll() is None]
        for entry in running:
            assert entry.process is not None
            if sys.platform == "win32":
                entry.process.send_signal(signal.CTRL_BREAK_EVENT)  # type: ignore[attr-defined]
            else:
                entry.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self.config.stop_timeout_s
        for entry in running:
            assert entry.process is not None
            try:
                entry.process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("slot %d did not stop within %d s; killing it", entry.slot, self.config.stop_timeout_s)
                entry.process.kill()
                entry.process.wait(5)
        log.info("host %s: all slots stopped", self.config.host_id)


def _describe(code: int) -> str:
    if code < 0:
        try:
            return f"signal {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"code {code}"
