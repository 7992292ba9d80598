"""Fixtures: a real Redis (``$KLARO_TEST_REDIS_URL`` or a throwaway ``redis-server``), keys, scenarios."""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis

from klaro_worker import keys

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
OWN_DATABASES = 256


@dataclass(frozen=True)
class RedisServer:
    host: str
    port: int
    base_url: str | None  # the given URL when not our own server

    def url(self, db: int) -> str:
        return f"redis://{self.host}:{self.port}/{db}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_redis(directory: Path, port: int, *extra: str) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [
            REDIS_SERVER,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(directory),
            "--save",
            "",
            "--databases",
            str(OWN_DATABASES),
            *extra,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = redis.Redis(host="127.0.0.1", port=port)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            return process
        except redis.ConnectionError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError(f"redis-server did not start on port {port}") from None
            time.sleep(0.05)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    given = os.environ.get("KLARO_TEST_REDIS_URL")
    if given:
        client = redis.Redis.from_url(given)
        kwargs = client.connection_pool.connection_kwargs
        yield RedisServer(kwargs.get("host", "127.0.0.1"), int(kwargs.get("port", 6379)), given)
        return
    port = free_port()
    process = start_redis(tmp_path_factory.mktemp("redis"), port, "--appendonly", "no")
    yield RedisServer("127.0.0.1", port, None)
    process.terminate()
    process.wait(10)


_databases = itertools.count(1)


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """Our own server: a logical database per test. A given URL: that database (host ids are unique)."""
    if redis_server.base_url is not None:
        return redis_server.base_url
    url = redis_server.url(next(_databases) % OWN_DATABASES)
    redis.Redis.from_url(url).flushdb()
    return url


@pytest.fixture
def r(redis_url: str) -> redis.Redis:
    return redis.Redis.from_url(redis_url, decode_responses=True)


@pytest.fixture
def host_id() -> str:
    return "t-" + uuid.uuid4().hex[:12]


@pytest.fixture
def host_key(tmp_path: Path) -> tuple[Path, keys.HostKey]:
    path = tmp_path / "host.key"
    return path, keys.generate(path)
