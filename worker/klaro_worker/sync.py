"""One sync: a job in, a result out (protocol §6.1), with the job's deadline enforced."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from . import protocol as p
from . import server_clock
from .backends import BackendError
from .driver import CallResult, DriverGone, DriverTimeout
from .keys import HostKey
from .sealing import SealError, open_sealed, wipe
from .session import TerminalSession

log = logging.getLogger(__name__)


@dataclass
class SyncOutcome:
    result: p.Result
    restart_reason: str | None = None


class SyncRunner:
    """Runs jobs against one terminal session."""

    def __init__(self, host: str, slot: int, key: HostKey, session: TerminalSession) -> None:
        self._host = host
        self._slot = slot
        self._key = key
        self._session = session

    def run(self, job: p.Job) -> SyncOutcome:
        result = p.Result(job=job, host=self._host, slot=self._slot, started_at=p.now_ms())
        outcome = self._run(job, result)
        outcome.result.finished_at = p.now_ms()
        return outcome

    def _run(self, job: p.Job, result: p.Result) -> SyncOutcome:
        if job.v != p.PROTOCOL_VERSION:
            return SyncOutcome(result.fail(p.TERMINAL_ERROR, (-2, "unsupported job version")))
        problem = p.job_problem(job)
        if problem is not None:
            return SyncOutcome(result.fail(p.TERMINAL_ERROR, (-2, problem)))
        left_ms = job.deadline - p.now_ms()
        if left_ms <= 0:
            return SyncOutcome(result.fail(p.TIMEOUT, None))
        deadline = time.monotonic() + left_ms / 1000
        try:
            password = open_sealed(self._key.private, job.job_id, job.password_sealed)
        except SealError as error:
            log.warning("job %s: sealed password could not be opened: %s", job.job_id, error)
            return SyncOutcome(result.fail(p.TERMINAL_ERROR, (-2, "sealed password could not be opened")))
        if not _is_utf8(password):
            wipe(password)
            log.warning("job %s: the opened password is not UTF-8", job.job_id)
            return SyncOutcome(result.fail(p.TERMINAL_ERROR, (-2, "sealed password could not be opened")))
        try:
            return self._sync(job, result, password, deadline)
        except DriverTimeout as timeout:
            error = (-10005, f"worker watchdog: {timeout.call}() still running at the job deadline")
            return SyncOutcome(result.fail(p.TIMEOUT, error), f"{timeout.call}() hung past the deadline")
        except DriverGone as gone:
            log.error("job %s: %s", job.job_id, gone)
            error = (-10000, "terminal driver process exited unexpectedly")
            return SyncOutcome(result.fail(p.IPC_ERROR, error), "the driver process died")
        except BackendError as error:
            log.error("job %s: %s", job.job_id, error)
            return SyncOutcome(
                result.fail(p.IPC_ERROR, (-10003, f"IPC initialize failed, {error}")), "the backend could not be loaded"
            )
        finally:
            wipe(password)

    def _sync(self, job: p.Job, result: p.Result, password: bytearray, deadline: float) -> SyncOutcome:
        failure = self._session.ensure_ready(deadline)
        if failure is not None:
            return self._failed(result, failure, "initialize")
        login_timeout = max(1, min(p.LOGIN_TIMEOUT_CAP_MS, int((deadline - time.monotonic()) * 1000)))
        secret = password.decode("utf-8")
        try:
            call = self._session.call("login", job.login, secret, job.server, login_timeout, deadline=deadline)
        finally:
            del secret  # drop our reference as soon as login returns
        result.login_ms = call.elapsed_ms
        if not call.value:
            return self._failed(result, call, "login")
        fetched: dict[str, Any] = {}
        fetch_ms = 0
        calls: list[tuple[str, tuple[object, ...]]] = [
            ("account_info", ()),
            ("positions_get", ()),
            ("history_deals_get", (job.history_from // 1000, (job.history_to + 999) // 1000)),
            ("terminal_info", ()),
        ]
        for name, args in calls:
            call = self._session.call(name, *args, deadline=deadline)
            fetch_ms += call.elapsed_ms
            if call.value is None:
                result.fetch_ms = fetch_ms
                return self._failed(result, call, name)
            fetched[name] = call.value
        result.fetch_ms = fetch_ms
        self._session.note_terminal_info(fetched["terminal_info"])
        deals = sorted(fetched["history_deals_get"], key=lambda deal: (deal.get("time_msc", 0), deal.get("ticket", 0)))
        result.deals_truncated = len(deals) > job.max_deals
        positions = fetched["positions_get"]
        result.positions_truncated = len(positions) > p.MAX_POSITIONS
        if result.positions_truncated:
            log.warning("job %s: %d open positions, sending the first %d", job.job_id, len(positions), p.MAX_POSITIONS)
        result.outcome, result.mt5_error = p.OK, call.error
        result.account = fetched["account_info"]
        result.positions = positions[: p.MAX_POSITIONS]
        result.deals = deals[: job.max_deals]
        result.terminal = p.terminal_summary(fetched["terminal_info"])
        result.server_clock, result.symbols = server_clock.read(
            lambda name, *args: self._session.call(name, *args, deadline=deadline).value,
            server_clock.symbols_seen(result.deals, result.positions),
        )
        return SyncOutcome(result)

    def _failed(self, result: p.Result, call: CallResult, name: str) -> SyncOutcome:
        code, message = call.error
        outcome = p.outcome_for(code) if code != 1 else p.TERMINAL_ERROR
        result.fail(outcome, call.error)
        restart = f"{name}() failed with {code} {message}" if p.restarts_terminal(code) else None
        return SyncOutcome(result, restart)


def _is_utf8(secret: bytearray) -> bool:
    """Whether the secret is UTF-8, without letting a decode error message quote its bytes."""
    try:
        secret.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
