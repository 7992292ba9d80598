"""The slot's heartbeat thread: ``SET klaro:hb:{host}:{slot} … EX 15`` every 5 s (protocol §5)."""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass

from . import protocol as p
from .redis_link import RedisLink
from .session import TerminalStatus

log = logging.getLogger(__name__)


@dataclass
class SlotState:
    """What the slot is doing, shared between the main loop and the heartbeat thread."""

    state: str = "idle"
    job_id: str | None = None


class Heartbeat:
    def __init__(
        self,
        url: str,
        host: str,
        slot: int,
        state: SlotState,
        terminal: TerminalStatus,
        interval_s: float = p.HEARTBEAT_INTERVAL_S,
    ) -> None:
        self._stop = threading.Event()
        self._link = RedisLink(url, self._stop, f"heartbeat {host}:{slot}")
        self._host, self._slot = host, slot
        self._state, self._terminal = state, terminal
        self._interval_s = interval_s
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="heartbeat", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def beat_now(self) -> None:
        """Write a heartbeat at once (state changed), without waiting for the next tick."""
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(5.0)

    def _loop(self) -> None:
        key = p.heartbeat_key(self._host, self._slot)
        while True:
            # Cleared before the state is read, and stop checked after: a beat_now() or stop() that
            # comes during the write below wakes the wait at once (clearing after the wait could
            # swallow one, and the slot's new state would wait a whole interval).
            self._wake.clear()
            if self._stop.is_set():
                break
            payload = p.Heartbeat(
                host=self._host,
                slot=self._slot,
                state=self._state.state,
                job_id=self._state.job_id,
                terminal_build=self._terminal.build,
                terminal_connected=self._terminal.connected,
                pid=os.getpid(),
                restarts=self._terminal.restarts,
                terminal_problem=self._terminal.problem,
                init_failures=self._terminal.init_failures,
                wrong_accounts=self._terminal.wrong_accounts,
            ).to_json()
            self._link.try_once(lambda client, value=payload: client.set(key, value, ex=p.HEARTBEAT_TTL_S), "heartbeat")
            self._wake.wait(self._interval_s)
        log.debug("heartbeat stopped")
