"""One sync: a job in, a result out (protocol §6.1), with the job's deadline enforced."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from . import protocol as p
from . import server_clock
from .account_check import wrong_account
from .backends import BackendError
from .budget import StepBudget
from .driver import CallResult, DriverGone, DriverTimeout
from .history import read_settled
from .keys import HostKey
from .sealing import SEAL_REJECTED, SealBinding, SealError, open_sealed, wipe
from .session import TerminalSession

log = logging.getLogger(__name__)

#: Kept back from the history's re-reads for the last call, ``terminal_info()``.
TERMINAL_INFO_RESERVE_S = 0.5


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
        try:
            outcome = self._run(job, result)
        finally:
            self._session.forget_saved_accounts()
        outcome.result.finished_at = p.now_ms()
        return outcome

    def _run(self, job: p.Job, result: p.Result) -> SyncOutcome:
        problem = "unsupported job version" if job.v != p.PROTOCOL_VERSION else p.job_problem(job)
        if problem is not None:
            return SyncOutcome(result.fail(p.TERMINAL_ERROR, (-2, problem)))
        left_ms = job.deadline - p.now_ms()
        if left_ms <= 0:
            return SyncOutcome(result.fail(p.TIMEOUT, None))
        deadline = time.monotonic() + left_ms / 1000
        try:
            password = open_sealed(self._key.private, SealBinding.of(job), job.password_sealed)
        except SealError as error:
            log.warning("job %s: sealed password refused: %s", job.job_id, error)
            return SyncOutcome(result.fail(SEAL_REJECTED, (-2, "sealed password refused")))
        if not _is_utf8(password):
            wipe(password)
            log.warning("job %s: the opened password is not UTF-8", job.job_id)
            return SyncOutcome(result.fail(SEAL_REJECTED, (-2, "sealed password refused")))
        try:
            return self._guarded(job, result, password, deadline)
        finally:
            wipe(password)

    def _guarded(self, job: p.Job, result: p.Result, password: bytearray, deadline: float) -> SyncOutcome:
        """The MT5 part, with the driver's failures turned into outcomes."""
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

    def _sync(self, job: p.Job, result: p.Result, password: bytearray, deadline: float) -> SyncOutcome:
        budget = StepBudget.for_job(deadline)
        failure = self._session.ensure_ready(deadline, budget.initialize_timeout_ms)
        if failure is not None:
            return self._failed(result, failure, "initialize")
        secret = password.decode("utf-8")
        try:
            login_timeout = budget.login_timeout_ms(p.LOGIN_TIMEOUT_CAP_MS)
            call = self._session.call("login", job.login, secret, job.server, login_timeout, deadline=deadline)
        finally:
            del secret  # drop our reference as soon as login returns
        result.login_ms = call.elapsed_ms
        if not call.value:
            return self._failed(result, call, "login")
        return self._fetch(job, result, deadline)

    def _fetch(self, job: p.Job, result: p.Result, deadline: float) -> SyncOutcome:
        """The data calls, after a login that must have reached the job's account."""
        fetch_ms = 0
        fetched: dict[str, Any] = {}
        for name in ("account_info", "positions_get"):
            call = self._session.call(name, deadline=deadline)
            fetch_ms += call.elapsed_ms
            result.fetch_ms = fetch_ms
            if call.value is None:
                return self._failed(result, call, name)
            fetched[name] = call.value
            if name == "account_info":
                mismatch = wrong_account(call.value, job.login, job.server)
                if mismatch is not None:
                    return self._wrong_account(job, result, mismatch)
        window = (job.history_from // 1000, (job.history_to + 999) // 1000)
        history = read_settled(
            lambda: self._session.call("history_deals_get", *window, deadline=deadline),
            until=deadline - TERMINAL_INFO_RESERVE_S,
        )
        fetch_ms += history.elapsed_ms
        result.fetch_ms = fetch_ms
        if history.failure is not None:
            return self._failed(result, history.failure, "history_deals_get")
        if not history.complete:
            log.warning("job %s: the history kept changing over %d reads", job.job_id, history.reads)
            return SyncOutcome(result.fail(p.TERMINAL_ERROR, p.HISTORY_INCOMPLETE, p.REASON_HISTORY_INCOMPLETE))
        call = self._session.call("terminal_info", deadline=deadline)
        result.fetch_ms = fetch_ms + call.elapsed_ms
        if call.value is None:
            return self._failed(result, call, "terminal_info")
        self._session.note_terminal_info(call.value)
        self._fill(job, result, fetched["account_info"], fetched["positions_get"], history.deals or [])
        result.outcome, result.mt5_error = p.OK, call.error
        result.terminal = p.terminal_summary(call.value)
        result.server_clock, result.symbols = server_clock.read(
            lambda name, *args: self._session.call(name, *args, deadline=deadline).value,
            server_clock.symbols_seen(result.deals, result.positions),
        )
        return SyncOutcome(result)

    def _fill(
        self,
        job: p.Job,
        result: p.Result,
        account: dict[str, Any],
        positions: list[dict[str, Any]],
        deals: list[dict[str, Any]],
    ) -> None:
        deals = sorted(deals, key=lambda deal: (deal.get("time_msc", 0), deal.get("ticket", 0)))
        result.deals_truncated = len(deals) > job.max_deals
        result.positions_truncated = len(positions) > p.MAX_POSITIONS
        if result.positions_truncated:
            log.warning("job %s: %d open positions, sending the first %d", job.job_id, len(positions), p.MAX_POSITIONS)
        result.account = account
        result.positions = positions[: p.MAX_POSITIONS]
        result.deals = deals[: job.max_deals]

    def _wrong_account(self, job: p.Job, result: p.Result, mismatch: str) -> SyncOutcome:
        log.error(
            "job %s: login() answered True but %s; sending no data, restarting the terminal", job.job_id, mismatch
        )
        self._session.status.wrong_accounts += 1
        result.fail(p.WRONG_ACCOUNT_OUTCOME, p.WRONG_ACCOUNT, p.REASON_WRONG_ACCOUNT)
        return SyncOutcome(result, "login() did not switch the terminal to the job's account")

    def _failed(self, result: p.Result, call: CallResult, name: str) -> SyncOutcome:
        code, message = call.error
        outcome = p.outcome_for(code) if code != 1 else p.TERMINAL_ERROR
        error = call.error
        if name == "login" and code == p.AUTH_FAILED_CODE:
            # MT5 answers -6 for a wrong password and for a server it cannot find alike: say both, so
            # that a trader whose account is parked checks the server name too (protocol §8.1).
            error = (code, f"{message}: wrong login or password, or no server named {result.job.server!r}")
        result.fail(outcome, error, p.reason_for(code))
        restart = f"{name}() failed with {code} {message}" if p.restarts_terminal(code) else None
        return SyncOutcome(result, restart)


def _is_utf8(secret: bytearray) -> bool:
    """Whether the secret is UTF-8, without letting a decode error message quote its bytes."""
    try:
        secret.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
