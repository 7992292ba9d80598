"""The backend interface the terminal driver uses, and the adapter for module-like MT5 APIs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol


class BackendError(Exception):
    """The backend cannot be loaded (module missing, bridge unreachable); the message says which."""


@dataclass(frozen=True)
class BackendSpec:
    """What the driver child needs to open a backend; plain data, so it pickles to a child process."""

    name: str
    sim_scenario: str | None = None
    mt5linux_host: str = "127.0.0.1"
    mt5linux_port: int = 18812
    #: The slot, and how many times its driver has started: the simulator draws its faults per process.
    slot: int = 0
    start: int = 0


class Backend(Protocol):
    """The MT5 calls a sync makes, with records already turned into dicts (``_asdict()``)."""

    def initialize(self, path: str, timeout_ms: int) -> bool: ...
    def login(self, login: int, password: str, server: str, timeout_ms: int) -> bool: ...
    def account_info(self) -> dict[str, Any] | None: ...
    def positions_get(self) -> list[dict[str, Any]] | None: ...
    def history_deals_get(self, from_s: int, to_s: int) -> list[dict[str, Any]] | None: ...
    def terminal_info(self) -> dict[str, Any] | None: ...
    def symbol_info_tick(self, symbol: str) -> dict[str, Any] | None: ...
    def symbol_info(self, symbol: str) -> dict[str, Any] | None: ...
    def last_error(self) -> tuple[int, str]: ...
    def shutdown(self) -> None: ...


class ModuleBackend:
    """Adapts a module with the ``MetaTrader5`` API (the real one or ``klaro_worker.mt5sim``)."""

    def __init__(self, module: Any) -> None:
        self._mt5 = module

    def initialize(self, path: str, timeout_ms: int) -> bool:
        return bool(self._mt5.initialize(path, portable=True, timeout=timeout_ms))

    def login(self, login: int, password: str, server: str, timeout_ms: int) -> bool:
        return bool(self._mt5.login(login, password=password, server=server, timeout=timeout_ms))

    def account_info(self) -> dict[str, Any] | None:
        record = self._mt5.account_info()
        return None if record is None else dict(record._asdict())

    def positions_get(self) -> list[dict[str, Any]] | None:
        records = self._mt5.positions_get()
        return None if records is None else [dict(record._asdict()) for record in records]

    def history_deals_get(self, from_s: int, to_s: int) -> list[dict[str, Any]] | None:
        # Timezone-aware UTC datetimes: the module reads them as the instants they name.
        records = self._mt5.history_deals_get(datetime.fromtimestamp(from_s, UTC), datetime.fromtimestamp(to_s, UTC))
        return None if records is None else [dict(record._asdict()) for record in records]

    def terminal_info(self) -> dict[str, Any] | None:
        record = self._mt5.terminal_info()
        return None if record is None else dict(record._asdict())

    def symbol_info_tick(self, symbol: str) -> dict[str, Any] | None:
        record = self._mt5.symbol_info_tick(symbol)
        return None if record is None else dict(record._asdict())

    def symbol_info(self, symbol: str) -> dict[str, Any] | None:
        record = self._mt5.symbol_info(symbol)
        return None if record is None else dict(record._asdict())

    def last_error(self) -> tuple[int, str]:
        code, message = self._mt5.last_error()
        return int(code), str(message)

    def shutdown(self) -> None:
        self._mt5.shutdown()


def open_backend(spec: BackendSpec) -> Backend:
    """Load the backend named in ``spec`` (called inside the driver child process)."""
    if spec.name == "sim":
        from .. import mt5sim

        mt5sim.configure(spec.sim_scenario, stream=(spec.slot, spec.start))
        return ModuleBackend(mt5sim)
    if spec.name == "metatrader5":
        try:
            import MetaTrader5  # type: ignore[import-not-found]
        except ImportError as error:
            raise BackendError(
                "backend metatrader5: the MetaTrader5 module is not installed in this Python "
                "(it exists for Windows Python only: run the worker with Windows or Wine Python, "
                "or use --backend mt5linux)"
            ) from error
        return ModuleBackend(MetaTrader5)
    if spec.name == "mt5linux":
        from .mt5linux import Mt5LinuxBackend

        return Mt5LinuxBackend(spec.mt5linux_host, spec.mt5linux_port)
    raise BackendError(f"unknown backend {spec.name!r}; use metatrader5, mt5linux or sim")
