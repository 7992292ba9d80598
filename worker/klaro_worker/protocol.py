"""Protocol v1 between klarod and worker slots (docs/protocol.md): keys, jobs, results, outcomes."""

from __future__ import annotations

import json
import math
import re
import time
from dataclasses import dataclass, field
from typing import Any

PROTOCOL_VERSION = 1
SLOT_GROUP = "slot"
RESULTS_STREAM = "klaro:results"
RESULTS_MAXLEN = 1_000_000
HEARTBEAT_INTERVAL_S = 5.0
HEARTBEAT_TTL_S = 15
READ_BLOCK_MS = 5000
MAX_POSITIONS = 10_000
LOGIN_TIMEOUT_CAP_MS = 60_000

HOST_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")

OK, AUTH_FAILED, OTP_REQUIRED = "ok", "auth_failed", "otp_required"
TIMEOUT, IPC_ERROR, TERMINAL_ERROR = "timeout", "ipc_error", "terminal_error"
# Outcomes of their own (protocol §8.1): klarod counts them apart and alerts on them, because
# each needs an operator rather than another retry of the same terminal.
WRONG_ACCOUNT_OUTCOME, TERMINAL_INCOMPATIBLE_OUTCOME = "wrong_account", "terminal_incompatible"

# Conditions the worker tells apart inside an outcome (``mt5_error.reason``, protocol §8.1).
REASON_WRONG_ACCOUNT = "wrong_account"
REASON_HISTORY_INCOMPLETE = "history_incomplete"
REASON_TERMINAL_INCOMPATIBLE = "terminal_incompatible"
#: Worker codes outside MT5's own (MT5 uses 1, -1 … -8 and -10000 … -10005).
WRONG_ACCOUNT = (-20001, "login() returned True but the terminal stayed on another account; no data sent")
HISTORY_INCOMPLETE = (-20002, "the terminal was still loading the deal history; no data sent")


def host_key(host: str) -> str:
    return f"klaro:host:{host}"


def heartbeat_key(host: str, slot: int) -> str:
    return f"klaro:hb:{host}:{slot}"


def queue_key(host: str, slot: int) -> str:
    return f"klaro:q:{host}:{slot}"


def consumer_name(host: str, slot: int) -> str:
    return f"{host}:{slot}"


def now_ms() -> int:
    return int(time.time() * 1000)


class JobError(ValueError):
    """A stream entry is not a job this slot can answer (no job id, account id or fence)."""


@dataclass(frozen=True)
class Job:
    """A sync job as klarod sends it (protocol §6). ``raw`` keeps the parsed JSON object."""

    v: int
    job_id: str
    account_id: str
    attempt: int
    fence: int
    login: int
    server: str
    password_sealed: str
    history_from: int
    history_to: int
    dispatched_at: int
    deadline: int
    max_deals: int
    raw: dict[str, Any] = field(repr=False, compare=False, default_factory=dict)

    def __repr__(self) -> str:  # never print password_sealed in full
        return f"Job(job_id={self.job_id}, account_id={self.account_id}, login={self.login}, server={self.server!r})"


def parse_job(text: str | bytes) -> Job:
    """Parse a job; raises JobError when not even a result can be addressed (no ids or fence).

    Other problems (an unknown ``v``, missing MT5 fields) still parse, so that the slot can answer
    with a ``terminal_error`` result as protocol §6.1 asks.
    """
    try:
        data = json.loads(text)
    except (ValueError, UnicodeDecodeError) as error:
        raise JobError(f"job is not JSON: {error}") from error
    if not isinstance(data, dict):
        raise JobError("job is not a JSON object")
    job_id, account_id, fence = data.get("job_id"), data.get("account_id"), data.get("fence")
    if not isinstance(job_id, str) or not isinstance(account_id, str) or not _is_int(fence):
        raise JobError("job has no usable job_id, account_id or fence")

    def integer(name: str, default: int = 0) -> int:
        value = data.get(name, default)
        return value if _is_int(value) else default

    server = data.get("server")
    sealed = data.get("password_sealed")
    return Job(
        v=integer("v", -1),
        job_id=job_id,
        account_id=account_id,
        attempt=integer("attempt", 1),
        fence=fence,
        login=integer("login"),
        server=server if isinstance(server, str) else "",
        password_sealed=sealed if isinstance(sealed, str) else "",
        history_from=integer("history_from"),
        history_to=integer("history_to"),
        dispatched_at=integer("dispatched_at"),
        deadline=integer("deadline"),
        max_deals=max(1, integer("max_deals", 20_000)),
        raw=data,
    )


def job_problem(job: Job) -> str | None:
    """What makes a parsed v1 job unusable, or None."""
    if job.login <= 0:
        return "job has no valid login"
    if not job.server:
        return "job has no server"
    if not job.password_sealed:
        return "job has no password_sealed"
    if job.deadline <= 0:
        return "job has no deadline"
    return None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


AUTH_FAILED_CODE = -6


def outcome_for(code: int) -> str:
    """Map an MT5 ``last_error()`` code of a failed call to an outcome (protocol §8.1)."""
    if code == AUTH_FAILED_CODE:
        return AUTH_FAILED
    if code == -7:
        return OTP_REQUIRED
    if code == -10005:
        return TIMEOUT
    if -10004 <= code <= -10000:
        return IPC_ERROR
    if code == -5:
        return TERMINAL_INCOMPATIBLE_OUTCOME
    return TERMINAL_ERROR


def reason_for(code: int) -> str | None:
    """The ``mt5_error.reason`` of an MT5 code that needs an operator rather than a retry."""
    return REASON_TERMINAL_INCOMPATIBLE if code == -5 else None


def restarts_terminal(code: int) -> bool:
    """Whether a failure with this code restarts the terminal: IPC errors and IPC timeouts."""
    return -10005 <= code <= -10000


@dataclass
class Result:
    """A result under construction (protocol §8); ``to_json`` renders the wire form."""

    job: Job
    host: str
    slot: int
    started_at: int
    outcome: str = TERMINAL_ERROR
    mt5_error: tuple[int, str] | None = None
    reason: str | None = None
    login_ms: int | None = None
    fetch_ms: int | None = None
    account: dict[str, Any] | None = None
    positions: list[dict[str, Any]] | None = None
    deals: list[dict[str, Any]] | None = None
    deals_truncated: bool = False
    positions_truncated: bool = False
    terminal: dict[str, Any] | None = None
    finished_at: int | None = None
    # Optional, sent only when set (server_clock.py).
    server_clock: dict[str, Any] | None = None
    symbols: list[dict[str, Any]] | None = None

    def fail(self, outcome: str, error: tuple[int, str] | None, reason: str | None = None) -> Result:
        self.outcome, self.mt5_error, self.reason = outcome, error, reason
        self.account = self.positions = self.deals = None
        return self

    def to_dict(self) -> dict[str, Any]:
        finished = self.finished_at if self.finished_at is not None else now_ms()
        ok = self.outcome == OK
        optional = {"server_clock": self.server_clock, "symbols": self.symbols} if ok else {}
        return {
            **{key: value for key, value in optional.items() if value is not None},
            "v": PROTOCOL_VERSION,
            "job_id": self.job.job_id,
            "account_id": self.job.account_id,
            "host": self.host,
            "slot": self.slot,
            "fence": self.job.fence,
            "started_at": self.started_at,
            "finished_at": max(finished, self.started_at),
            "outcome": self.outcome,
            "mt5_error": self._error_dict(),
            "login_ms": self.login_ms,
            "fetch_ms": self.fetch_ms,
            "account": self.account if ok else None,
            "positions": self.positions if ok else None,
            "deals": self.deals if ok else None,
            "deals_truncated": self.deals_truncated if ok else False,
            "positions_truncated": self.positions_truncated if ok else False,
            "terminal": self.terminal,
        }

    def _error_dict(self) -> dict[str, Any] | None:
        if self.mt5_error is None:
            return None
        error: dict[str, Any] = {"code": int(self.mt5_error[0]), "message": str(self.mt5_error[1])[:1024]}
        if self.reason is not None:
            error["reason"] = self.reason
        return error

    def to_json(self) -> str:
        return json.dumps(_finite(self.to_dict()), separators=(",", ":"), allow_nan=False)


def _finite(value: Any) -> Any:
    """Replace NaN/infinity (which JSON cannot carry) by 0.0; MT5 can report them, e.g. margin_level."""
    if isinstance(value, float):
        return value if math.isfinite(value) else 0.0
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_finite(item) for item in value]
    return value


def terminal_summary(info: dict[str, Any] | None) -> dict[str, Any] | None:
    """The result's ``terminal`` object from ``terminal_info()._asdict()``."""
    if info is None:
        return None
    return {
        "build": int(info.get("build", 0)),
        "connected": bool(info.get("connected", False)),
        "ping_last": int(info.get("ping_last", 0)),
    }


def host_registration(host: str, slots: int, public_key: str, version: str, started_at: int) -> str:
    return json.dumps(
        {
            "v": PROTOCOL_VERSION,
            "host": host,
            "slots": slots,
            "public_key": public_key,
            "version": version,
            "started_at": started_at,
        },
        separators=(",", ":"),
    )


@dataclass(frozen=True)
class Heartbeat:
    """A slot's heartbeat (protocol §5); ``to_json`` renders the wire form with the current time."""

    host: str
    slot: int
    state: str
    job_id: str | None
    terminal_build: int | None
    terminal_connected: bool | None
    pid: int
    restarts: int
    #: What keeps the terminal from working that an operator must fix (protocol §5), or None.
    terminal_problem: str | None = None
    init_failures: int = 0
    wrong_accounts: int = 0

    def to_json(self) -> str:
        fields = {"v": PROTOCOL_VERSION, **self.__dict__, "ts": now_ms()}
        return json.dumps(fields, separators=(",", ":"))
