"""The mt5linux backend against an RPyC classic server (what `python -m mt5linux` runs in Wine),
with the simulator standing in for the real module inside it."""

from __future__ import annotations

import json
import logging
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from klaro_worker import keys, protocol
from klaro_worker.backends import BackendError, BackendSpec
from klaro_worker.backends.mt5linux import Mt5LinuxBackend
from klaro_worker.session import TerminalSession
from klaro_worker.sync import SyncRunner

from conftest import free_port
from helpers import make_job, scenario_file

SERVER = Path(__file__).with_name("rpyc_sim_server.py")


@pytest.fixture
def bridge(tmp_path: Path) -> Iterator[int]:
    port = free_port()
    # About 60 positions open at any time (200 a day, living hours; two days of history): an empty list cannot pass. The
    # module refuses a second initialize() until shutdown(), as the real one in a bridge that
    # outlived its client.
    scenario = scenario_file(tmp_path, epoch=int(time.time()) - 2 * 86_400, trades_per_day=200, reinitialize_fails=True)
    process = subprocess.Popen([sys.executable, str(SERVER), str(port), str(scenario)])
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            assert time.monotonic() < deadline and process.poll() is None, "the RPyC server did not start"
            time.sleep(0.05)
    yield port
    process.kill()
    process.wait(5)


def test_backend_returns_plain_records(bridge: int) -> None:
    backend = Mt5LinuxBackend("127.0.0.1", bridge)
    assert backend.account_info() is None and backend.last_error() == (-10004, "No IPC connection")
    assert backend.initialize("C:\\klaro\\slot-1\\terminal64.exe", 10_000) is True
    assert backend.login(6060, "pw", "Broker-Demo", 10_000) is True
    account = backend.account_info()
    assert type(account) is dict and account["login"] == 6060
    deals = backend.history_deals_get(0, 4_000_000_000)
    assert type(deals) is list and deals and type(deals[0]) is dict
    assert list(deals[0])[:3] == ["ticket", "order", "time"]
    positions = backend.positions_get()
    assert type(positions) is list and positions and type(positions[0]) is dict
    assert list(positions[0])[:4] == ["ticket", "time", "time_msc", "time_update"]
    assert all(position["symbol"] and position["volume"] > 0 for position in positions)
    info = backend.terminal_info()
    assert type(info) is dict and info["connected"] is True
    assert backend.last_error() == (1, "Success")
    assert backend.login(6061, "wrong", "Broker-Demo", 10) is False
    assert backend.last_error() == (-10005, "IPC timeout")  # login slower than its 10 ms timeout
    backend.shutdown()


def test_a_sync_through_the_bridge(bridge: int, tmp_path: Path) -> None:
    key = keys.generate(tmp_path / "host.key")
    session = TerminalSession(
        BackendSpec("mt5linux", mt5linux_port=bridge), "C:\\klaro\\slot-1\\terminal64.exe", 5000, logging.INFO
    )
    session.start()
    try:
        job = make_job(key.private.public_key(), login=6062)
        result = json.loads(SyncRunner("h", 1, key, session).run(protocol.parse_job(json.dumps(job))).result.to_json())
    finally:
        session.stop()
    assert result["outcome"] == "ok", result["mt5_error"]
    assert result["account"]["login"] == 6062 and result["deals"]


def test_unreachable_bridge_is_an_ipc_error(tmp_path: Path) -> None:
    key = keys.generate(tmp_path / "host.key")
    session = TerminalSession(
        BackendSpec("mt5linux", mt5linux_port=free_port()), "C:\\k\\slot-1\\terminal64.exe", 2000, logging.INFO
    )
    try:
        job = make_job(key.private.public_key())
        outcome = SyncRunner("h", 1, key, session).run(protocol.parse_job(json.dumps(job)))
    finally:
        session.stop()
    assert outcome.result.outcome == "ipc_error"
    assert outcome.result.mt5_error is not None and "cannot reach the mt5linux server" in outcome.result.mt5_error[1]


def test_a_new_driver_initializes_a_bridge_whose_module_is_still_initialized(bridge: int) -> None:
    first = Mt5LinuxBackend("127.0.0.1", bridge)
    assert first.initialize("C:\\klaro\\slot-1\\terminal64.exe", 10_000) is True
    first._conn.close()  # the driver was killed: no shutdown() reached the bridge
    second = Mt5LinuxBackend("127.0.0.1", bridge)
    assert second.initialize("C:\\klaro\\slot-1\\terminal64.exe", 10_000) is True, second.last_error()
    second.shutdown()


def test_rpyc_waits_longer_than_mt5s_longest_call(bridge: int) -> None:
    backend = Mt5LinuxBackend("127.0.0.1", bridge)
    try:
        assert backend._conn._config["sync_request_timeout"] > protocol.LOGIN_TIMEOUT_CAP_MS / 1000
    finally:
        backend.shutdown()


def test_another_rpyc_version_in_the_bridge_is_refused(bridge: int, monkeypatch: pytest.MonkeyPatch) -> None:
    import rpyc

    monkeypatch.setattr(rpyc, "__version__", "6.0.2")
    with pytest.raises(BackendError, match=r"rpyc 6\.0\.2 here but 5\.2\.3 in the bridge .*install rpyc==5\.2\.3"):
        Mt5LinuxBackend("127.0.0.1", bridge)
