"""How the real module checks arguments: which go by position, which only by name.

The ``_core`` binary of MetaTrader5 5.0.6231 refuses positional arguments where it takes names
("Unnamed arguments not allowed") and unknown or misplaced ones ("Invalid arguments"); the call
then returns None (False for ``initialize``/``login``) and ``last_error()`` says why.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from . import codes


@dataclass(frozen=True)
class Signature:
    """How many unnamed arguments a call accepts beyond the parameter its Python function declares
    (``path`` of ``initialize``, ``login`` of ``login``), and the names it accepts."""

    positional: tuple[int, ...]
    names: frozenset[str]


INITIALIZE = Signature((0,), frozenset({"login", "password", "server", "timeout", "portable"}))
LOGIN = Signature((0,), frozenset({"password", "server", "timeout"}))
POSITIONS_GET = Signature((0,), frozenset({"symbol", "group", "ticket"}))
HISTORY_TOTAL = Signature((2,), frozenset())
HISTORY_GET = Signature((0, 2), frozenset({"group", "ticket", "position"}))


def check(call: str, args: tuple[Any, ...], options: Mapping[str, Any], signature: Signature) -> tuple[int, str] | None:
    """The error the real module gives for these arguments, or None when it accepts them."""
    if len(args) not in signature.positional:
        return codes.UNNAMED_ARGUMENTS if signature.positional == (0,) else codes.INVALID_ARGUMENTS
    if any(name not in signature.names for name in options):
        return codes.INVALID_ARGUMENTS
    if call == "history_deals_get" and not args and "group" in options:
        return codes.INVALID_ARGUMENTS  # a group filters a date window: the dates come first
    return None
