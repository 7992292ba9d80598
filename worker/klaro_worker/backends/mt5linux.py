"""The ``mt5linux`` backend: the real ``MetaTrader5`` module inside Wine's Python, over RPyC.

``python -m mt5linux`` (run with Wine's ``python.exe``) serves an RPyC classic server in which
``MetaTrader5`` is importable. One server per slot, since the module drives one terminal. Records
are turned into dicts on the server and copied back by value in one round trip, instead of one
round trip per field as netrefs would cost. The password is passed as an argument (by value),
never pasted into evaluated source text.

Three facts of the bridge shape this class. RPyC gives up on a request after
``sync_request_timeout`` (30 s by default) while MT5's ``initialize`` and ``login`` wait up to 60 s:
the client then reports "result expired" for a login that succeeded, so the timeout here is set
above the longest MT5 call. mt5linux pins ``rpyc==5.2.3``, and RPyC 5 and 6 do not understand each
other ("invalid message type"): both sides must run the same version, checked when connecting. And
the module lives in the bridge process, which outlives this driver: after a driver restart the
module is still initialized, so ``initialize`` is preceded by ``shutdown``.
"""

from __future__ import annotations

from typing import Any

from .base import BackendError

#: The rpyc version mt5linux pins; the Wine side installs the same (ops/wine/setup-prefix.sh).
RPYC_VERSION = "5.2.3"
#: Above MT5's longest call (``initialize``/``login`` wait up to 60 s); the job's watchdog still bounds it.
SYNC_REQUEST_TIMEOUT_S = 120

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
            # What rpyc.classic.connect does, with our timeout (it takes no configuration).
            self._conn = rpyc.utils.factory.connect(
                host, port, rpyc.classic.SlaveService, config={"sync_request_timeout": SYNC_REQUEST_TIMEOUT_S}
            )
        except OSError as error:
            raise BackendError(
                f"backend mt5linux: cannot reach the mt5linux server at {host}:{port}: "
                f"{error.strerror or error} (is `wine python.exe -m mt5linux` running for this slot?)"
            ) from error
        self._obtain = obtain
        _check_versions(self._conn, rpyc.__version__, f"{host}:{port}")
        self._conn.execute(_HELPERS)
        self._ns = self._conn.namespace
        self._mt5 = self._ns["_klaro_mt5"]

    def _dict(self, record: Any) -> dict[str, Any] | None:
        return self._obtain(self._ns["_klaro_dict"](record))

    def _dicts(self, records: Any) -> list[dict[str, Any]] | None:
        return self._obtain(self._ns["_klaro_dicts"](records))

    def initialize(self, path: str, timeout_ms: int) -> bool:
        self._mt5.shutdown()  # the bridge's module may still be initialized by a driver before us
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


def _check_versions(conn: Any, local: str, where: str) -> None:
    """Refuse a bridge whose rpyc is not ours, with the fix in the message."""
    fix = f"install rpyc=={RPYC_VERSION} on both sides (ops/wine/README.md)"
    try:
        remote = str(conn.modules["rpyc"].__version__)
    except ValueError as error:  # RPyC 5 and 6 fail on each other's first message
        conn.close()
        raise BackendError(
            f"backend mt5linux: the bridge at {where} speaks another RPyC protocol ({error}); rpyc {local} here: {fix}"
        ) from error
    if remote != local:
        conn.close()
        raise BackendError(f"backend mt5linux: rpyc {local} here but {remote} in the bridge at {where}: {fix}")
