"""Configuration: flags > environment > file > defaults, TOML and INI, every problem listed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from klaro_worker.config import ConfigError, host_config, slot_config, terminal_path

BASE = {"host_id": "win-fra-01", "slot": 2, "redis_url": "redis://127.0.0.1:6379/0", "key_file": "/k"}


def test_precedence_flags_over_env_over_file(tmp_path: Path) -> None:
    file = tmp_path / "worker.toml"
    file.write_text(
        '[worker]\nhost_id = "from-file"\nredis_url = "redis://file:1/0"\nkey_file = "/file.key"\n'
        'backend = "sim"\nterminals_dir = "C:\\\\klaro"\nslots_total = 8\n'
    )
    env = {"KLARO_WORKER_REDIS_URL": "redis://env:2/0", "KLARO_WORKER_HOST_ID": "from-env"}
    config = slot_config({"config": str(file), "slot": "3", "host_id": "from-flag"}, env)
    assert config.host_id == "from-flag"
    assert config.redis_url == "redis://env:2/0"
    assert str(config.key_file) == "/file.key" and config.backend == "sim" and config.slots_total == 8
    assert config.terminal == "C:\\klaro\\slot-3\\terminal64.exe"
    assert config.mt5linux_port == 18814  # 18812 + slot − 1
    via_env_file = slot_config({"slot": "1"}, {"KLARO_WORKER_CONFIG": str(file)})
    assert via_env_file.host_id == "from-file"


def test_ini_file(tmp_path: Path) -> None:
    file = tmp_path / "worker.ini"
    file.write_text(
        "[worker]\nhost-id = lnx-01\nredis_url = redis://r:6379/2\nkey_file = /etc/klaro/host.key\n"
        "terminals_dir = /srv/klaro/terminals\nbackend = mt5linux\nslots = 6\n"
    )
    config = host_config({"config": str(file)}, {})
    assert (config.host_id, config.slots, config.backend) == ("lnx-01", 6, "mt5linux")
    assert config.terminal_for(4) == "/srv/klaro/terminals/slot-4/terminal64.exe"


def test_all_problems_are_listed(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        slot_config({"host_id": "Bad_Host", "backend": "nope", "slot": "0"}, {})
    text = "\n".join(caught.value.problems)
    for fragment in (
        "host id 'Bad_Host'",
        "Redis URL missing",
        "key file missing",
        "backend 'nope'",
        "slot missing or out of range",
        "terminal missing",
    ):
        assert fragment in text
    with pytest.raises(ConfigError, match="not a valid int"):
        slot_config({**BASE, "slot": "two", "terminal": "t"}, {})
    bad = tmp_path / "bad.toml"
    bad.write_text('colour = "blue"\n')
    with pytest.raises(ConfigError, match="unknown key"):
        slot_config({**BASE, "terminal": "t", "config": str(bad)}, {})


def test_terminal_path_keeps_the_platform_style() -> None:
    assert (
        terminal_path("C:\\klaro\\terminals", "slot-{slot}/terminal64.exe", 3)
        == "C:\\klaro\\terminals\\slot-3\\terminal64.exe"
    )
    assert terminal_path("/srv/t", "slot-{slot}/terminal64.exe", 1) == "/srv/t/slot-1/terminal64.exe"


def test_slot_command_reports_configuration_problems_and_exits_2() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "klaro_worker", "slot", "--slot", "1"],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert done.returncode == 2
    assert "host id missing" in done.stderr and "Redis URL missing" in done.stderr


def test_readme_scenario_example_is_a_valid_scenario() -> None:
    import re
    import tomllib

    from klaro_worker.mt5sim.scenario import load_scenario

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    block = re.search(r"```toml\n(.*?)```", readme, re.S)
    assert block is not None
    scenario = load_scenario(tomllib.loads(block.group(1)))
    assert scenario.seed == 42 and scenario.accounts[0].hang == "login"
    assert scenario.server_rule("Broker-Live").utc_offset_hours == 3


def test_shipped_example_configurations_load(tmp_path: Path) -> None:
    from klaro_worker.config import read_file

    ops = Path(__file__).resolve().parents[2] / "ops"
    examples = [*ops.glob("wine/*.toml.example"), *ops.glob("windows/*.toml.example")]
    assert len(examples) >= 3
    for example in examples:
        copy = tmp_path / (example.name.removesuffix(".example"))
        copy.write_bytes(b"\xef\xbb\xbf" + example.read_bytes())  # as Windows PowerShell 5 writes UTF-8
        values = read_file(str(copy))
        assert values["host_id"] and values["backend"] in ("metatrader5", "mt5linux")
