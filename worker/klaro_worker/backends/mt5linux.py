"""The ``mt5linux`` backend: the real ``MetaTrader5`` module inside Wine's Python, over RPyC.

``python -m mt5linux`` (run with Wine's ``python.exe``) serves an RPyC classic server in which
``MetaTrader5`` is importable. One server per slot, since the module drives one terminal. Records
are turned into dicts on the server and copied back by value in one round trip, instead of one
round trip per field as netrefs would cost. The password is passed as an argument (by value),
never pasted into evaluated source text.
"""

from __future__ import annotations

from typing import Any

from .base import BackendError

_HELPERS = """
import MetaTrader5 as _klaro_mt5

def _klaro_dicts(records):
    return None if records is None else [dict(r._asdict()) for r in records]

def _klaro_dict(record):
    return None if record is None else dict(record._asdict())
"""


class Mt5LinuxBackend:
    def __init__(self, host: str, port: int) -> None:
        try:
            import rpyc  # type: ignore[import-not-found]
            from rpyc.utils.classic import obtain  # type: ignore[import-not-found]
        except ImportError as error:
            raise BackendError(
                "backend mt5linux: install the mt5linux package (pip install 'klaro-worker[mt5linux]')"
            ) from error
        try:
            self._conn = rpyc.classic.connect(host, port)
        except OSError as error:
            raise BackendError(
                f"backend mt5linux: cannot reach the mt5linux server at {host}:{port}: "
                f"{error.strerror or error} (is `wine python.exe -m mt5linux` running for this slot?)"
            ) from error
        self._obtain = obtain
        self._conn.execute(_HELPERS)
        self._ns = self._conn.namespace
        self._mt5 = self._ns["_klaro_mt5"]

    def _dict(self, record: Any) -> dict[str, Any] | None:
        return self._obtain(self._ns["_klaro_dict"](record))

    def _dicts(self, records: Any) -> list[dict[str, Any]] | None:
        return self._obtain(self._ns["_klaro_dicts"](records))

    def initialize(self, path: str, timeout_ms: int) -> bool:
        return bool(self._obtain(self._mt5.initialize(path, portable=True, timeout=timeout_ms)))

    def login(self, login: int, password: str, server: str, timeout_ms: int) -> bool:
        return bool(self._obtain(self._mt5.login(login, password=password, server=server, timeout=timeout_ms)))

    def account_info(self) -> dict[str, Any] | None:
        return self._dict(self._mt5.account_info())

    def positions_get(self) -> list[dict[str, Any]] | None:
        return self._dicts(self._mt5.positions_get())

    def history_deals_get(self, from_s: int, to_s: int) -> list[dict[str, Any]] | None:
        # Epoch seconds: the module accepts them and, unlike datetimes, they cross RPyC by value.
        return self._dicts(self._mt5.history_deals_get(from_s, to_s))

    def terminal_info(self) -> dict[str, Any] | None:
        return self._dict(self._mt5.terminal_info())

    def symbol_info_tick(self, symbol: str) -> dict[str, Any] | None:
        return self._dict(self._mt5.symbol_info_tick(symbol))

    def symbol_info(self, symbol: str) -> dict[str, Any] | None:
        return self._dict(self._mt5.symbol_info(symbol))

    def last_error(self) -> tuple[int, str]:
        code, message = self._obtain(self._mt5.last_error())
        return int(code), str(message)

    def shutdown(self) -> None:
        try:
            self._mt5.shutdown()
        finally:
            self._conn.close()
