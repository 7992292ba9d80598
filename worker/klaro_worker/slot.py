"""``klaro-worker slot``: one process per terminal; reads its stream, syncs, reports (protocol §3–§8)."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import redis

from . import VERSION_STRING
from . import protocol as p
from .backends import BackendSpec
from .config import SlotConfig
from .heartbeat import Heartbeat, SlotState
from .keys import HostKey
from .redis_link import RedisLink, RedisUnavailable
from .session import TerminalSession
from .sync import SyncRunner

log = logging.getLogger(__name__)


class _Interrupted(BaseException):
    """Raised from the signal handler to leave a blocking read while idle."""


class _Abandon(BaseException):
    """Raised from the signal handler on a second stop request while busy: leave the job pending."""


class SlotWorker:
    def __init__(self, config: SlotConfig, key: HostKey) -> None:
        self.config = config
        self.key = key
        self.host, self.slot = config.host_id, config.slot
        self.queue = p.queue_key(self.host, self.slot)
        self.consumer = p.consumer_name(self.host, self.slot)
        self.started_at = p.now_ms()
        self.stop = threading.Event()
        self.state = SlotState()
        spec = BackendSpec(
            name=config.backend,
            sim_scenario=config.sim_scenario,
            mt5linux_host=config.mt5linux_host,
            mt5linux_port=config.mt5linux_port,
            slot=config.slot,
        )
        self.session = TerminalSession(
            spec, config.terminal, config.init_timeout_ms, logging.getLevelName(config.log_level)
        )
        self.runner = SyncRunner(self.host, self.slot, key, self.session)
        self.redis = RedisLink(config.redis_url, self.stop, f"slot {self.consumer}", self._register)
        self.heartbeat = Heartbeat(config.redis_url, self.host, self.slot, self.state, self.session.status)
        self._interruptible = False
        self._busy = False
        self._stop_requested_at = 0.0

    # MARK: lifecycle

    def run(self) -> int:
        self._install_signals()
        log.info(
            "%s slot %s starting: terminal %s, backend %s, key %s",
            VERSION_STRING,
            self.consumer,
            self.config.terminal,
            self.config.backend,
            self.key.fingerprint,
        )
        try:
            self.redis.run(self._register, "registration")
            self.heartbeat.start()
            with self._interruptible_section():
                self.session.start()
            self.heartbeat.beat_now()
            self._drain_pending()
            while not self.stop.is_set():
                entry = self._read(">")
                if entry is not None:
                    self._handle(*entry, from_pending=False)
        except (_Interrupted, RedisUnavailable):
            pass
        except _Abandon:
            log.warning("second stop request: abandoning the current job; it stays pending for a restart")
        except (redis.AuthenticationError, redis.ResponseError) as error:
            # Bad credentials or an ACL that forbids a command: an operator must act; a job in hand
            # stays pending in Redis for the next start.
            log.error(
                "Redis refused this slot (%s): %s; check the URL's user and password and the host's ACL "
                "(docs/protocol.md §2)",
                type(error).__name__,
                error,
            )
            return 1
        finally:
            self._shutdown()
        return 0

    def _shutdown(self) -> None:
        log.info("slot %s stopping", self.consumer)
        self.heartbeat.stop()
        self.session.stop()
        log.info("slot %s stopped", self.consumer)

    def _install_signals(self) -> None:
        def handle(signum: int, _frame: Any) -> None:
            # A second request abandons a running job; one within 2 s of the first is the same request
            # (Ctrl+C reaches the whole process group, and the host supervisor forwards it too).
            if self.stop.is_set():
                if self._busy and time.monotonic() - self._stop_requested_at > 2.0:
                    raise _Abandon
                return
            self._stop_requested_at = time.monotonic()
            self.stop.set()
            log.info("signal %d: finishing the current job, then stopping", signum)
            if self._interruptible:
                raise _Interrupted

        signal.signal(signal.SIGTERM, handle)
        signal.signal(signal.SIGINT, handle)
        if sys.platform == "win32" and hasattr(signal, "SIGBREAK"):
            signal.signal(signal.SIGBREAK, handle)

    @contextmanager
    def _interruptible_section(self) -> Iterator[None]:
        """No job in hand: a stop request may break out of what runs here at once."""
        if self.stop.is_set():
            raise _Interrupted
        self._interruptible = True
        try:
            yield
        finally:
            self._interruptible = False

    # MARK: Redis

    def _register(self, client: redis.Redis) -> None:
        payload = p.host_registration(
            self.host, self.config.slots_total, self.key.public_base64, VERSION_STRING, self.started_at
        )
        client.set(p.host_key(self.host), payload)
        self._ensure_group(client)

    def _ensure_group(self, client: redis.Redis) -> None:
        try:
            client.xgroup_create(self.queue, p.SLOT_GROUP, id="0", mkstream=True)
        except redis.ResponseError as error:
            if "BUSYGROUP" not in str(error):
                raise

    def _read(self, start: str) -> tuple[str, dict[str, str]] | None:
        """One ``XREADGROUP`` of at most one entry; ``start`` is ``>`` (new) or an id (own pending)."""
        block = p.READ_BLOCK_MS if start == ">" else None

        def read(client: redis.Redis) -> Any:
            try:
                return client.xreadgroup(p.SLOT_GROUP, self.consumer, {self.queue: start}, count=1, block=block)
            except redis.ResponseError as error:
                if "NOGROUP" not in str(error):
                    raise
                self._register(client)  # Redis lost our group (restart without persistence)
                return client.xreadgroup(p.SLOT_GROUP, self.consumer, {self.queue: start}, count=1, block=block)

        if start == ">":
            with self._interruptible_section():
                reply = self.redis.run(read, "XREADGROUP")
        else:
            reply = self.redis.run(read, "XREADGROUP")
        if not reply:
            return None
        entries = reply[0][1]
        if not entries:
            return None
        entry_id, fields = entries[0]
        return entry_id, fields or {}

    def _drain_pending(self) -> None:
        """Protocol §6.2: first our own pending entries (delivered before a crash, never acknowledged)."""
        cursor = "0"
        while not self.stop.is_set():
            entry = self._read(cursor)
            if entry is None:
                return
            self._handle(*entry, from_pending=True)
            cursor = entry[0]

    # MARK: jobs

    def _handle(self, entry_id: str, fields: dict[str, str], from_pending: bool) -> None:
        text = fields.get("job")
        try:
            job = p.parse_job(text if text is not None else "")
        except p.JobError as error:
            log.error(
                "stream entry %s of %s is not a usable job (%s); acknowledging and dropping it",
                entry_id,
                self.queue,
                error,
            )
            self._ack(entry_id)
            return
        if from_pending and job.deadline and job.deadline <= p.now_ms():
            log.info(
                "pending job %s (account %s) is past its deadline; acknowledging and dropping it",
                job.job_id,
                job.account_id,
            )
            self._ack(entry_id)
            return
        self._busy = True
        self.state.state, self.state.job_id = "busy", job.job_id
        self.heartbeat.beat_now()
        log.info(
            "job %s: account %s login %d on %s, attempt %d%s",
            job.job_id,
            job.account_id,
            job.login,
            job.server,
            job.attempt,
            " (pending before restart)" if from_pending else "",
        )
        outcome = self.runner.run(job)
        result = outcome.result
        payload = result.to_json()
        self.redis.run(
            lambda client: client.xadd(
                p.RESULTS_STREAM, {"result": payload}, maxlen=p.RESULTS_MAXLEN, approximate=True
            ),
            "XADD result",
        )
        self._ack(entry_id)
        self._busy = False
        self.state.state, self.state.job_id = "idle", None
        log.info("job %s: %s", job.job_id, _summary(result))
        if outcome.restart_reason is not None:
            with self._interruptible_section():
                self.session.restart(outcome.restart_reason)
        self.heartbeat.beat_now()

    def _ack(self, entry_id: str) -> None:
        def ack(client: redis.Redis) -> None:
            try:
                client.xack(self.queue, p.SLOT_GROUP, entry_id)
            except redis.ResponseError as error:
                if "NOGROUP" not in str(error):
                    raise
                log.warning(
                    "the group of %s vanished (Redis lost its data?); entry %s cannot be acknowledged",
                    self.queue,
                    entry_id,
                )
                self._register(client)

        self.redis.run(ack, "XACK")


def _summary(result: p.Result) -> str:
    """One line about a finished job for the log: outcome, error, timings (never a secret)."""
    took = (result.finished_at or result.started_at) - result.started_at
    if result.outcome == p.OK:
        cut = ", truncated" if result.deals_truncated else ""
        return (
            f"ok in {took} ms (login {result.login_ms} ms, fetch {result.fetch_ms} ms, "
            f"{len(result.positions or [])} positions, {len(result.deals or [])} deals{cut})"
        )
    if result.mt5_error is None:
        return f"{result.outcome}: its deadline had passed before it started"
    code, message = result.mt5_error
    return f"{result.outcome} {code} {message} after {took} ms"


def run_slot(config: SlotConfig, key: HostKey) -> int:
    worker = SlotWorker(config, key)
    started = time.monotonic()
    code = worker.run()
    log.debug("slot ran %.1f s, pid %d", time.monotonic() - started, os.getpid())
    return code
