"""Reading the deal history so that a terminal still loading it cannot pass for a complete one.

Right after ``login()`` the terminal may still be downloading the account's history, and
``history_deals_get`` then answers with what has arrived so far. The rule here: read, wait a
moment, read again, until two reads agree (same number of deals, same newest ticket). A history
that keeps changing until the job's budget runs out is reported as incomplete (a retryable
failure) instead of stored as if it were whole.

``None`` with ``last_error() == (1, 'Success')`` is an empty window, not a failure: the module's
own example treats ``None`` from ``history_deals_get`` as "no deals".
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .driver import CallResult

#: Pause between two reads that must agree.
SETTLE_S = 0.25
#: Reads at most (the first included).
MAX_READS = 8


@dataclass
class HistoryRead:
    """The outcome of the settled read: the deals, or the failing call; and the time spent in calls."""

    deals: list[dict[str, Any]] | None
    failure: CallResult | None
    complete: bool
    elapsed_ms: int
    reads: int


def _fingerprint(deals: list[dict[str, Any]]) -> tuple[int, int]:
    return len(deals), max((int(deal.get("ticket", 0)) for deal in deals), default=0)


def read_settled(
    call: Callable[[], CallResult],
    until: float,
    sleep: Callable[[float], None] = time.sleep,
    settle_s: float = SETTLE_S,
) -> HistoryRead:
    """Call ``history_deals_get`` (through ``call``) until two reads agree or ``until`` (monotonic) nears."""
    elapsed_ms, previous = 0, None
    for reads in range(1, MAX_READS + 1):
        result = call()
        elapsed_ms += result.elapsed_ms
        if result.value is None and result.error[0] != 1:
            return HistoryRead(None, result, False, elapsed_ms, reads)
        deals = [] if result.value is None else list(result.value)
        if previous is not None and _fingerprint(previous) == _fingerprint(deals):
            return HistoryRead(deals, None, True, elapsed_ms, reads)
        previous = deals
        if time.monotonic() + settle_s >= until:
            break
        sleep(settle_s)
    return HistoryRead(previous, None, False, elapsed_ms, reads)
