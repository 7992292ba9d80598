"""The terminal driver: MT5 calls run in a child process that the slot can kill.

Why a child process and not a thread: the real ``MetaTrader5`` module is a C extension talking to
``terminal64.exe`` over a pipe. A call stuck inside it cannot be interrupted or cancelled; a thread
running it can only be abandoned, and the module's connection state (a process-wide global) stays
wedged, so every later call from any thread would hang too. Killing the process that holds the
connection is the only reliable way out, and it is instant. The slot keeps Redis, heartbeats and
the watchdog in its own process, and talks to the child over a ``multiprocessing`` pipe.

The child is started with the ``spawn`` method on every platform (the slot has threads, so
``fork`` would be unsafe) and exits by itself when the slot process dies.
"""

from __future__ import annotations

import dataclasses
import logging
import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import threading
import time
from dataclasses import dataclass
from typing import Any

from .backends import BackendError, BackendSpec, open_backend

log = logging.getLogger(__name__)

_OPS = frozenset(
    {"initialize", "login", "account_info", "positions_get", "history_deals_get", "terminal_info", "shutdown"}
    | {"symbol_info_tick", "symbol_info"}  # the server's clock and the symbols' digits (server_clock.py)
)


class DriverTimeout(Exception):
    """A call was still running at its deadline; the driver process has been killed."""

    def __init__(self, call: str) -> None:
        super().__init__(f"{call}() did not return before the deadline")
        self.call = call


class DriverGone(Exception):
    """The driver process died or broke its pipe (a crash in the MT5 module or the bridge)."""


@dataclass(frozen=True)
class CallResult:
    value: Any
    error: tuple[int, str]
    elapsed_ms: int


class TerminalDriver:
    """Parent side: starts the child, sends calls, enforces deadlines by killing it."""

    def __init__(self, spec: BackendSpec, log_level: int = logging.INFO) -> None:
        self._spec = spec
        self._log_level = log_level
        self._context = multiprocessing.get_context("spawn")
        self._process: Any = None
        self._conn: multiprocessing.connection.Connection | None = None
        self._starts = 0

    @property
    def alive(self) -> bool:
        return self._process is not None and self._process.is_alive()

    def start(self, deadline: float) -> None:
        """Start the child and wait until its backend is loaded (monotonic ``deadline``)."""
        self.kill()
        parent_conn, child_conn = self._context.Pipe(duplex=True)
        spec = dataclasses.replace(self._spec, start=self._starts)
        self._starts += 1
        process = self._context.Process(
            target=child_main, args=(child_conn, spec, self._log_level), name="klaro-mt5-driver", daemon=True
        )
        process.start()
        child_conn.close()
        self._process, self._conn = process, parent_conn
        reply = self._receive("start", deadline)
        if reply[0] == "fatal":
            self.kill()
            raise BackendError(str(reply[1]))

    def call(self, op: str, *args: Any, deadline: float) -> CallResult:
        """Run one backend call; raises DriverTimeout at ``deadline`` (monotonic) or DriverGone."""
        if op not in _OPS:
            raise ValueError(f"unknown driver call {op}")
        if self._conn is None or not self.alive:
            raise DriverGone("the driver process is not running")
        try:
            self._conn.send((op, args))
        except (OSError, ValueError) as error:
            self.kill()
            raise DriverGone(f"cannot send {op}() to the driver: {error}") from error
        reply = self._receive(op, deadline)
        if reply[0] == "raised":
            raise DriverGone(f"{op}() raised in the driver: {reply[1]}")
        _, value, error, elapsed_ms = reply
        return CallResult(value, (int(error[0]), str(error[1])), int(elapsed_ms))

    def _receive(self, op: str, deadline: float) -> tuple[Any, ...]:
        assert self._conn is not None
        remaining = deadline - time.monotonic()
        try:
            ready = remaining > 0 and self._conn.poll(remaining)
            if not ready:
                self.kill()
                raise DriverTimeout(op)
            return self._conn.recv()
        except (EOFError, OSError) as error:
            self.kill()
            raise DriverGone(f"the driver process exited during {op}()") from error

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the child to shut the terminal down and exit; kill it if it does not in time."""
        if self._conn is not None and self.alive:
            try:
                self._conn.send(("exit", ()))
                self._process.join(timeout)
            except (OSError, ValueError):
                pass
        self.kill()

    def kill(self) -> None:
        process, conn = self._process, self._conn
        self._process = self._conn = None
        if process is not None and process.is_alive():
            process.kill()
            process.join(2.0)
        if conn is not None:
            conn.close()


def child_main(conn: multiprocessing.connection.Connection, spec: BackendSpec, log_level: int) -> None:
    """Child side: load the backend, then answer calls until told to exit or the parent dies."""
    if hasattr(signal, "SIGINT"):
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the slot decides when this process ends
    if hasattr(signal, "SIGTERM") and sys.platform != "win32":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    logging.basicConfig(
        level=log_level,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s klaro-mt5-driver[%(process)d] %(name)s: %(message)s",
    )
    _exit_with_parent()
    try:
        backend = open_backend(spec)
    except BackendError as error:
        conn.send(("fatal", str(error)))
        return
    conn.send(("ready",))
    while True:
        try:
            op, args = conn.recv()
        except (EOFError, OSError):
            break
        if op == "exit":
            try:
                backend.shutdown()
            except Exception as error:
                log.debug("shutdown at exit failed: %s", type(error).__name__)
            break
        started = time.monotonic()
        try:
            value = getattr(backend, op)(*args)
            error = backend.last_error()
        except Exception as failure:
            # Never str() an exception of login(): a bridge could echo its arguments.
            detail = type(failure).__name__ if op == "login" else f"{type(failure).__name__}: {failure}"
            conn.send(("raised", detail))
            continue
        elapsed_ms = int((time.monotonic() - started) * 1000)
        conn.send(("ok", value, error, elapsed_ms))


def _exit_with_parent() -> None:
    """Exit at once when the slot process dies (even by SIGKILL), so no driver outlives its slot."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        multiprocessing.connection.wait([parent.sentinel])
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()
