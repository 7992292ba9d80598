"""After ``login()``: is the terminal really on the job's account?

Users of the real module report ``login()`` answering True while the terminal stays on the
account it had before. Storing that account's balance and deals under the job's account would
give one trader another's data, so a sync compares ``account_info()`` with the job first.
"""

from __future__ import annotations

from typing import Any


def _same_server(reported: Any, expected: str) -> bool:
    return isinstance(reported, str) and reported.strip().casefold() == expected.strip().casefold()


def wrong_account(account: dict[str, Any], login: int, server: str) -> str | None:
    """Why ``account`` (``account_info()._asdict()``) is not the job's account, or None when it is."""
    if account.get("login") != login:
        return f"the terminal is on login {account.get('login')}, not {login}"
    if not _same_server(account.get("server"), server):
        return f"the terminal is on server {account.get('server')!r}, not {server!r}"
    return None
