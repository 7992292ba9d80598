"""Redis access with reconnection: retries with backoff, logs an outage once, not per attempt."""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urlsplit, urlunsplit

import redis

log = logging.getLogger(__name__)

T = TypeVar("T")

_FIRST_DELAY_S = 0.5
_MAX_DELAY_S = 30.0


class RedisUnavailable(Exception):
    """Redis stayed unreachable and the slot is stopping, so the operation was given up."""


def mask_url(url: str) -> str:
    """The Redis URL without its password, for log lines."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit((parts.scheme, f"{user}:***@{host}{port}", parts.path, parts.query, parts.fragment))


def make_client(url: str, read_timeout_s: float = 15.0) -> redis.Redis:
    """A client whose socket timeout outlasts a blocking read (``BLOCK 5000``)."""
    return redis.Redis.from_url(
        url,
        decode_responses=True,
        socket_timeout=read_timeout_s,
        socket_connect_timeout=5.0,
        health_check_interval=30,
        retry_on_timeout=False,
    )


class RedisLink:
    """One client plus the retry loop; ``on_reconnect`` runs after an outage ends (re-register)."""

    def __init__(
        self, url: str, stop: threading.Event, name: str, on_reconnect: Callable[[redis.Redis], None] | None = None
    ) -> None:
        self.url = url
        self.client = make_client(url)
        self._stop = stop
        self._name = name
        self._on_reconnect = on_reconnect
        self._down_since: float | None = None

    def run(self, operation: Callable[[redis.Redis], T], what: str) -> T:
        """Run ``operation`` until it succeeds; raises RedisUnavailable if stopping while Redis is down."""
        delay = _FIRST_DELAY_S
        while True:
            try:
                value = operation(self.client)
            except redis.AuthenticationError:
                raise  # wrong credentials do not heal by retrying
            except (redis.ConnectionError, redis.TimeoutError) as error:
                self._note_down(what, error)
                if self._stop.is_set():
                    raise RedisUnavailable(f"{what}: Redis unreachable while stopping") from error
                self._stop.wait(delay * (0.5 + random.random() / 2))
                delay = min(_MAX_DELAY_S, delay * 2)
                continue
            if self._down_since is not None:
                self._note_up()
            return value

    def try_once(self, operation: Callable[[redis.Redis], T], what: str) -> T | None:
        """Run ``operation`` once; on a connection problem note the outage and return None."""
        try:
            value = operation(self.client)
        except redis.AuthenticationError as error:
            log.error("%s: Redis refused our credentials during %s: %s", self._name, what, error)
            return None
        except (redis.ConnectionError, redis.TimeoutError) as error:
            self._note_down(what, error)
            return None
        except redis.ResponseError as error:
            log.error("%s: Redis refused %s: %s", self._name, what, error)
            return None
        if self._down_since is not None:
            self._note_up()
        return value

    def _note_down(self, what: str, error: Exception) -> None:
        if self._down_since is None:
            self._down_since = time.monotonic()
            log.warning(
                "%s: Redis at %s unreachable during %s (%s); retrying with backoff",
                self._name,
                mask_url(self.url),
                what,
                type(error).__name__,
            )
        else:
            log.debug("%s: Redis still unreachable during %s: %s", self._name, what, error)

    def _note_up(self) -> None:
        assert self._down_since is not None
        seconds = time.monotonic() - self._down_since
        self._down_since = None
        log.info("%s: Redis reachable again after %.0f s", self._name, seconds)
        if self._on_reconnect is not None:
            try:
                self._on_reconnect(self.client)
            except (redis.ConnectionError, redis.TimeoutError) as error:
                self._note_down("re-registration", error)
