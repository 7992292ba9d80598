"""The processes of a chaos run: PostgreSQL, Redis, klarod replicas and simulated worker hosts.

Everything runs under one throwaway directory on free loopback ports. Each process is
started by pid and stopped by pid (never by name). PostgreSQL is driven through ops/lib.sh's
helpers, so it starts exactly as ops/test and ops/demo start it.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def lib(command: str) -> None:
    """Runs a function of ops/lib.sh."""
    subprocess.run(["bash", "-c", f". '{ROOT}/ops/lib.sh' && {command}"], check=True, cwd=ROOT)


def http_get(url: str, timeout: float = 2.0) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as reply:
            return reply.status, reply.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")
    except OSError:
        return 0, ""


def wait_until(check, timeout: float, every: float = 0.05) -> float | None:
    """Seconds until check() was true, or None after timeout."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if check():
            return time.monotonic() - start
        time.sleep(every)
    return None


def kill_tree(pid: int) -> None:
    """SIGKILL a process and its children (a worker host and its slots)."""
    children = subprocess.run(["pgrep", "-P", str(pid)], check=False, capture_output=True, text=True).stdout.split()
    for target in [pid, *map(int, children)]:
        try:
            os.kill(target, signal.SIGKILL)
        except ProcessLookupError:
            pass


@dataclass
class Postgres:
    directory: Path
    port: int = field(default_factory=free_port)

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        lib(f"klaro_pg_start '{self.directory}' {self.port}")

    def stop(self) -> None:
        lib(f"klaro_pg_stop '{self.directory}'")

    def query(self, sql: str) -> list[list[str]]:
        out = subprocess.run(
            ["psql", self.url, "-AtqX", "-F", "|", "-c", sql], check=True, capture_output=True, text=True
        )
        return [line.split("|") for line in out.stdout.splitlines() if line]

    def value(self, sql: str) -> int:
        return int(self.query(sql)[0][0])


@dataclass
class Redis:
    directory: Path
    port: int = field(default_factory=free_port)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.directory),
                "--daemonize",
                "yes",
                "--pidfile",
                str(self.directory / "redis.pid"),
                "--logfile",
                str(self.directory / "redis.log"),
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        if wait_until(self.answers, 10) is None:
            raise RuntimeError("Redis did not start")

    def answers(self) -> bool:
        return (
            subprocess.run(
                ["redis-cli", "-p", str(self.port), "ping"], check=False, capture_output=True, text=True
            ).stdout.strip()
            == "PONG"
        )

    def restart(self, keep_data: bool) -> None:
        """With data: SHUTDOWN SAVE writes dump.rdb, read back at start. Without: a crash and no file."""
        if keep_data:
            subprocess.run(["redis-cli", "-p", str(self.port), "SHUTDOWN", "SAVE"], check=False, capture_output=True)
            wait_until(lambda: not self.answers(), 10)
        else:
            pid = int((self.directory / "redis.pid").read_text())
            os.kill(pid, signal.SIGKILL)
            wait_until(lambda: not self.answers(), 10)
            (self.directory / "dump.rdb").unlink(missing_ok=True)
        self.start()

    def stop(self) -> None:
        pidfile = self.directory / "redis.pid"
        if pidfile.exists():
            try:
                os.kill(int(pidfile.read_text()), signal.SIGKILL)
            except (ProcessLookupError, ValueError):
                pass


@dataclass
class Klarod:
    node: str
    binary: Path
    environment: dict[str, str]
    log: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    killed: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        env = {**self.environment, "KLARO_NODE_NAME": self.node, "KLARO_HTTP_ADDRESS": f"127.0.0.1:{self.port}"}
        with open(self.log, "ab") as out:
            self.process = subprocess.Popen([str(self.binary), "serve"], env=env, stdout=out, stderr=subprocess.STDOUT)

    def ready(self) -> bool:
        return http_get(self.url + "/readyz")[0] == 200

    def leader(self) -> bool:
        status, text = http_get(self.url + "/metrics")
        return status == 200 and re.search(r"^klaro_scheduler_leader 1(\.0)?$", text, re.MULTILINE) is not None

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait()
        self.killed += 1

    def crashed(self) -> bool:
        """Exited without being killed by the run."""
        return self.process is not None and self.process.poll() is not None

    def rss_mb(self) -> float:
        if self.process is None or self.process.poll() is not None:
            return 0.0
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def metric_sum(self, name: str) -> float:
        _, text = http_get(self.url + "/metrics")
        return sum(
            float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith((name + "{", name + " "))
        )

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@dataclass
class WorkerHost:
    name: str
    slots: int
    python: str
    directory: Path
    redis_url: str
    scenario: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def key(self) -> Path:
        return self.directory / f"{self.name}.key"

    @property
    def log(self) -> Path:
        return self.directory / f"{self.name}.log"

    def start(self) -> None:
        if not self.key.exists():
            subprocess.run(
                [self.python, "-m", "klaro_worker", "keygen", "--out", str(self.key)],
                check=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        terminals = self.directory / f"{self.name}-terminals"
        terminals.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as out:
            self.process = subprocess.Popen(
                [
                    self.python,
                    "-m",
                    "klaro_worker",
                    "host",
                    "--host-id",
                    self.name,
                    "--slots",
                    str(self.slots),
                    "--terminals-dir",
                    str(terminals),
                    "--redis",
                    self.redis_url,
                    "--key-file",
                    str(self.key),
                    "--backend",
                    "sim",
                    "--sim-scenario",
                    str(self.scenario),
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def slot_pids(self) -> list[int]:
        if self.process is None:
            return []
        out = subprocess.run(["pgrep", "-P", str(self.process.pid)], check=False, capture_output=True, text=True).stdout
        return [int(pid) for pid in out.split()]

    def kill(self) -> None:
        assert self.process is not None
        kill_tree(self.process.pid)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            kill_tree(self.process.pid)
            self.process.wait()

    def results_sent(self) -> dict[str, str]:
        """job id → outcome of every result this host's slots sent (logged after XADD returned)."""
        sent: dict[str, str] = {}
        if self.log.exists():
            for match in re.finditer(
                r"job ([0-9a-f-]{36}): (?!account )([a-z_]+)", self.log.read_text(errors="replace")
            ):
                sent[match.group(1)] = match.group(2)
        return sent


def write_json(path: Path, value: object) -> Path:
    path.write_text(json.dumps(value))
    return path
