"""Configuration of ``klaro-worker slot`` and ``host``: flags > environment > file > defaults.

Every option can come from a command-line flag (``--redis``), an environment variable
(``KLARO_WORKER_REDIS_URL``) or a TOML/INI file (``--config`` or ``KLARO_WORKER_CONFIG``; key
``redis_url``, at top level or in a ``[worker]`` table/section). All problems are listed at once.
"""

from __future__ import annotations

import configparser
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .backends import BACKENDS
from .protocol import HOST_ID_PATTERN

ENV_PREFIX = "KLARO_WORKER_"
DEFAULT_TERMINAL_PATTERN = "slot-{slot}/terminal64.exe"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


class ConfigError(Exception):
    """Invalid configuration; ``problems`` lists every one, each naming its option."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Option:
    name: str
    kind: type
    default: Any = None


#: option name → (type, default). Names are the file keys; env is KLARO_WORKER_<NAME>.
OPTIONS: dict[str, Option] = {
    option.name: option
    for option in (
        Option("host_id", str),
        Option("slot", int),
        Option("slots", int, 4),
        Option("slots_total", int, 4),
        Option("terminal", str),
        Option("terminals_dir", str),
        Option("terminal_pattern", str, DEFAULT_TERMINAL_PATTERN),
        Option("redis_url", str),
        Option("key_file", str),
        Option("backend", str, "metatrader5"),
        Option("sim_scenario", str),
        Option("mt5linux_host", str, "127.0.0.1"),
        Option("mt5linux_port", int),
        Option("mt5linux_port_base", int, 18812),
        Option("init_timeout_ms", int, 60_000),
        Option("log_level", str, "INFO"),
        Option("stop_timeout_s", int, 90),
        Option("restart_backoff_max_s", int, 60),
    )
}


@dataclass(frozen=True)
class SlotConfig:
    host_id: str
    slot: int
    terminal: str
    redis_url: str
    key_file: Path
    slots_total: int
    backend: str
    sim_scenario: str | None
    mt5linux_host: str
    mt5linux_port: int
    init_timeout_ms: int
    log_level: str


@dataclass(frozen=True)
class HostConfig:
    host_id: str
    slots: int
    terminals_dir: str
    terminal_pattern: str
    redis_url: str
    key_file: Path
    backend: str
    sim_scenario: str | None
    mt5linux_host: str
    mt5linux_port_base: int
    init_timeout_ms: int
    log_level: str
    stop_timeout_s: int
    restart_backoff_max_s: int

    def terminal_for(self, slot: int) -> str:
        return terminal_path(self.terminals_dir, self.terminal_pattern, slot)


def terminal_path(directory: str, pattern: str, slot: int) -> str:
    """``DIR/slot-N/terminal64.exe`` by default; keeps Windows separators if ``DIR`` uses them."""
    relative = pattern.format(slot=slot)
    if "\\" in directory or (len(directory) > 1 and directory[1] == ":"):
        return directory.rstrip("\\/") + "\\" + relative.replace("/", "\\")
    return str(Path(directory) / relative)


def read_file(path: str) -> dict[str, Any]:
    """Read a TOML (``.toml``) or INI file into option values (top level or ``[worker]``)."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8-sig")  # a BOM from Windows PowerShell is fine
    except OSError as error:
        raise ConfigError([f"config file {path}: {error.strerror or error}"]) from error
    if file.suffix.lower() == ".toml":
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise ConfigError([f"config file {path}: invalid TOML: {error}"]) from error
        table = data.get("worker", data)
        values = {key.replace("-", "_"): value for key, value in table.items() if not isinstance(value, dict)}
    else:
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read_string(text, source=path)
        except configparser.Error as error:
            raise ConfigError([f"config file {path}: invalid INI: {error}"]) from error
        if not parser.has_section("worker"):
            raise ConfigError([f"config file {path}: an INI file needs a [worker] section"])
        values = {key.replace("-", "_"): value for key, value in parser.items("worker")}
    unknown = sorted(set(values) - set(OPTIONS))
    if unknown:
        raise ConfigError([f"config file {path}: unknown key(s) {', '.join(unknown)}"])
    return values


def layered(
    flags: Mapping[str, Any], env: Mapping[str, str], config_file: str | None
) -> tuple[dict[str, Any], list[str]]:
    """Merge defaults < file < environment < flags, converting types; returns values and problems."""
    problems: list[str] = []
    file_values: dict[str, Any] = {}
    path = flags.get("config") or env.get(ENV_PREFIX + "CONFIG") or config_file
    if path:
        try:
            file_values = read_file(str(path))
        except ConfigError as error:
            problems.extend(error.problems)
    values: dict[str, Any] = {}
    for name, option in OPTIONS.items():
        env_name = ENV_PREFIX + name.upper()
        if flags.get(name) is not None:
            raw, source = flags[name], f"--{name.replace('_', '-')}"
        elif env.get(env_name) not in (None, ""):
            raw, source = env[env_name], env_name
        elif name in file_values:
            raw, source = file_values[name], f"{name} in {path}"
        else:
            values[name] = option.default
            continue
        try:
            values[name] = option.kind(raw) if not isinstance(raw, bool) else raw
        except (TypeError, ValueError):
            problems.append(f"{source}: {raw!r} is not a valid {option.kind.__name__}")
            values[name] = option.default
    return values, problems


def _common(values: dict[str, Any], problems: list[str]) -> None:
    host_id = values["host_id"]
    if not host_id:
        problems.append("host id missing: give --host-id or KLARO_WORKER_HOST_ID")
    elif not HOST_ID_PATTERN.match(host_id):
        problems.append(f"host id {host_id!r}: use lower-case letters, digits and dashes (at most 63)")
    if not values["redis_url"]:
        problems.append("Redis URL missing: give --redis or KLARO_WORKER_REDIS_URL (redis://host:port/db)")
    elif not str(values["redis_url"]).startswith(("redis://", "rediss://", "unix://")):
        problems.append("Redis URL must start with redis://, rediss:// or unix://")
    if not values["key_file"]:
        problems.append("key file missing: give --key-file or KLARO_WORKER_KEY_FILE (create it with keygen)")
    if values["backend"] not in BACKENDS:
        problems.append(f"backend {values['backend']!r}: use one of {', '.join(BACKENDS)}")
    if values["log_level"].upper() not in LOG_LEVELS:
        problems.append(f"log level {values['log_level']!r}: use one of {', '.join(LOG_LEVELS)}")
    if values["init_timeout_ms"] < 1000:
        problems.append("init_timeout_ms must be at least 1000")


def slot_config(flags: Mapping[str, Any], env: Mapping[str, str] | None = None) -> SlotConfig:
    values, problems = layered(flags, os.environ if env is None else env, None)
    _common(values, problems)
    slot = values["slot"]
    if slot is None or not 1 <= slot <= 1024:
        problems.append("slot missing or out of range: give --slot N with 1 ≤ N ≤ 1024")
    terminal = values["terminal"]
    if not terminal and values["terminals_dir"] and slot is not None:
        terminal = terminal_path(values["terminals_dir"], values["terminal_pattern"], slot)
    if not terminal:
        problems.append("terminal missing: give --terminal PATH (or terminals_dir in the config)")
    if not 1 <= values["slots_total"] <= 1024:
        problems.append("slots_total must be between 1 and 1024")
    if problems:
        raise ConfigError(problems)
    port = values["mt5linux_port"] or values["mt5linux_port_base"] + slot - 1
    return SlotConfig(
        host_id=values["host_id"],
        slot=slot,
        terminal=terminal,
        redis_url=values["redis_url"],
        key_file=Path(values["key_file"]),
        slots_total=values["slots_total"],
        backend=values["backend"],
        sim_scenario=values["sim_scenario"],
        mt5linux_host=values["mt5linux_host"],
        mt5linux_port=port,
        init_timeout_ms=values["init_timeout_ms"],
        log_level=values["log_level"].upper(),
    )


def host_config(flags: Mapping[str, Any], env: Mapping[str, str] | None = None) -> HostConfig:
    values, problems = layered(flags, os.environ if env is None else env, None)
    _common(values, problems)
    if not 1 <= values["slots"] <= 1024:
        problems.append("slots must be between 1 and 1024")
    if not values["terminals_dir"]:
        problems.append("terminals directory missing: give --terminals-dir DIR")
    if "{slot}" not in values["terminal_pattern"]:
        problems.append("terminal_pattern must contain {slot}")
    if problems:
        raise ConfigError(problems)
    return HostConfig(
        host_id=values["host_id"],
        slots=values["slots"],
        terminals_dir=values["terminals_dir"],
        terminal_pattern=values["terminal_pattern"],
        redis_url=values["redis_url"],
        key_file=Path(values["key_file"]),
        backend=values["backend"],
        sim_scenario=values["sim_scenario"],
        mt5linux_host=values["mt5linux_host"],
        mt5linux_port_base=values["mt5linux_port_base"],
        init_timeout_ms=values["init_timeout_ms"],
        log_level=values["log_level"].upper(),
        stop_timeout_s=values["stop_timeout_s"],
        restart_backoff_max_s=values["restart_backoff_max_s"],
    )
