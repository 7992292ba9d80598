"""Command line: ``klaro-worker keygen | pubkey | slot | host``."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import VERSION_STRING, keys
from .backends import BACKENDS
from .config import ConfigError, host_config, slot_config

log = logging.getLogger("klaro_worker")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="klaro-worker", description="Klaro MT5 worker (protocol v1).")
    parser.add_argument("--version", action="version", version=VERSION_STRING)
    commands = parser.add_subparsers(dest="command", required=True)

    keygen = commands.add_parser("keygen", help="create the host's X25519 key pair")
    keygen.add_argument("--out", required=True, type=Path, help="private key file to write (mode 0600, PEM)")
    keygen.add_argument("--force", action="store_true", help="overwrite an existing key file")

    pubkey = commands.add_parser("pubkey", help="print the public key and fingerprint of a key file")
    pubkey.add_argument("--key-file", required=True, type=Path)

    slot = commands.add_parser("slot", help="run one slot (one MT5 terminal)", argument_default=argparse.SUPPRESS)
    slot.add_argument("--slot", dest="slot", help="slot number, 1..N")
    slot.add_argument("--terminal", dest="terminal", help="path of this slot's terminal64.exe")
    slot.add_argument("--slots-total", dest="slots_total", help="slots on this host (registration; default 4)")
    _shared(slot)

    host = commands.add_parser(
        "host", help="supervise one slot process per terminal", argument_default=argparse.SUPPRESS
    )
    host.add_argument("--slots", dest="slots", help="number of slots (default 4)")
    host.add_argument(
        "--terminal-pattern",
        dest="terminal_pattern",
        help="terminal path under --terminals-dir, with {slot} (default slot-{slot}/terminal64.exe)",
    )
    host.add_argument("--stop-timeout", dest="stop_timeout_s", help="seconds to wait for slots to stop (90)")
    _shared(host)
    return parser


def _shared(command: argparse.ArgumentParser) -> None:
    command.add_argument("--config", dest="config", help="TOML or INI file ([worker]); flags > env > file")
    command.add_argument("--host-id", dest="host_id", help="host id, [a-z0-9][a-z0-9-]{0,62}")
    command.add_argument("--terminals-dir", dest="terminals_dir", help="directory holding slot-N/terminal64.exe")
    command.add_argument("--redis", dest="redis_url", help="redis://[user:password@]host:port/db")
    command.add_argument("--key-file", dest="key_file", help="the host's private key (from keygen)")
    command.add_argument("--backend", dest="backend", choices=BACKENDS, help="metatrader5 (default), mt5linux, sim")
    command.add_argument("--sim-scenario", dest="sim_scenario", help="scenario file for --backend sim")
    command.add_argument("--mt5linux-host", dest="mt5linux_host", help="mt5linux server host (127.0.0.1)")
    command.add_argument("--mt5linux-port", dest="mt5linux_port", help="mt5linux port (default 18811+slot)")
    command.add_argument("--init-timeout-ms", dest="init_timeout_ms", help="initialize() timeout (60000)")
    command.add_argument("--log-level", dest="log_level", help="DEBUG, INFO (default), WARNING, ERROR")


def main(argv: Sequence[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    flags = {key: value for key, value in vars(arguments).items() if key != "command"}
    from . import logsetup

    if arguments.command in ("keygen", "pubkey"):
        logsetup.setup("INFO", "klaro-worker")
        return _key_command(arguments)
    return _run_service(arguments.command, flags)


def _key_command(arguments: argparse.Namespace) -> int:
    """``keygen`` and ``pubkey``: 0, or 1 when the key file cannot be written or read."""
    try:
        if arguments.command == "keygen":
            key = keys.generate(arguments.out, arguments.force)
            _print_key(key, f"wrote private key to {arguments.out} (mode 0600)")
        else:
            _print_key(keys.load(arguments.key_file), None)
    except keys.KeyFileError as error:
        log.error("%s", error)
        return 1
    return 0


def _run_service(command: str, flags: dict[str, Any]) -> int:
    """``slot`` and ``host``: exit code 2 on a configuration or key file problem."""
    from . import logsetup

    try:
        config = slot_config(flags) if command == "slot" else host_config(flags)
    except ConfigError as error:
        logsetup.setup("INFO", "klaro-worker")
        for problem in error.problems:
            log.error("configuration: %s", problem)
        return 2
    tag = (
        f"klaro-worker[{config.host_id}:{config.slot}]" if command == "slot" else f"klaro-worker-host[{config.host_id}]"
    )
    logsetup.setup(config.log_level, tag)
    try:
        key = keys.load(config.key_file)
    except keys.KeyFileError as error:
        log.error("%s", error)
        return 2
    if command == "slot":
        from .slot import run_slot

        return run_slot(config, key)
    from .host import Supervisor

    log.info("host key %s", key.fingerprint)
    return Supervisor(config).run()


def _print_key(key: keys.HostKey, note: str | None) -> None:
    """The public key and fingerprint go to stdout (for scripts); notes go to the log."""
    if note:
        log.info("%s", note)
    sys.stdout.write(f"public_key {key.public_base64}\nfingerprint {key.fingerprint}\n")
    sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main())
