"""``last_error()`` codes and messages of the real ``MetaTrader5`` module (DESIGN §8)."""

from __future__ import annotations

RES_S_OK = 1
RES_E_FAIL = -1
RES_E_INVALID_PARAMS = -2
RES_E_NO_MEMORY = -3
RES_E_NOT_FOUND = -4
RES_E_INVALID_VERSION = -5
RES_E_AUTH_FAILED = -6
RES_E_UNSUPPORTED = -7
RES_E_AUTO_TRADING_DISABLED = -8
RES_E_INTERNAL_FAIL = -10000
RES_E_INTERNAL_FAIL_SEND = -10001
RES_E_INTERNAL_FAIL_RECEIVE = -10002
RES_E_INTERNAL_FAIL_INIT = -10003
RES_E_INTERNAL_FAIL_CONNECT = -10004
RES_E_INTERNAL_FAIL_TIMEOUT = -10005

SUCCESS = (RES_S_OK, "Success")
CALL_FAILED = (RES_E_FAIL, "Terminal: Call failed")
INVALID_PARAMS = (RES_E_INVALID_PARAMS, "Terminal: Invalid params")
AUTH_FAILED = (RES_E_AUTH_FAILED, "Terminal: Authorization failed")
OTP_REQUIRED = (RES_E_UNSUPPORTED, "Unsupported authorization mode, OTP or certificate password needed")
INCOMPATIBLE_VERSIONS = (
    RES_E_INVALID_VERSION,
    "Terminal: Incompatible versions, please install the latest version of Terminal and Python module",
)
UNNAMED_ARGUMENTS = (RES_E_INVALID_PARAMS, "Unnamed arguments not allowed")
INVALID_ARGUMENTS = (RES_E_INVALID_PARAMS, "Invalid arguments")
NO_IPC = (RES_E_INTERNAL_FAIL_CONNECT, "No IPC connection")
IPC_TIMEOUT = (RES_E_INTERNAL_FAIL_TIMEOUT, "IPC timeout")


def ipc_init_failed(detail: str) -> tuple[int, str]:
    """The -10003 error, whose message names the reason (``Process create failed '…'``)."""
    return (RES_E_INTERNAL_FAIL_INIT, f"IPC initialize failed, {detail}")
