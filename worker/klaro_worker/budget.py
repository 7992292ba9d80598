"""Step budgets of one job: how much of the time left each MT5 step may take.

``initialize`` and ``login`` wait as long as their ``timeout`` says (60 s by default); given the
whole job's time, a slow but successful login could leave nothing for the data calls, and the
watchdog would then kill a terminal that was working. So the data calls get a reserve that the
steps before them may not use, and ``initialize`` may take at most a share of what is left.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

#: The data calls (account, positions, history with its re-read, terminal) are guaranteed this much,
DATA_RESERVE_S = 5.0
#: or this share of the job's time when that is shorter.
DATA_RESERVE_SHARE = 0.3
#: ``initialize`` may take at most this share of the time left before the data reserve.
INITIALIZE_SHARE = 0.5


@dataclass(frozen=True)
class StepBudget:
    """Monotonic instants: the job's deadline and the point by which login must have returned."""

    deadline: float
    data_from: float

    @classmethod
    def for_job(cls, deadline: float, now: float | None = None) -> StepBudget:
        start = time.monotonic() if now is None else now
        left = max(0.0, deadline - start)
        reserve = min(DATA_RESERVE_S, left * DATA_RESERVE_SHARE)
        return cls(deadline=deadline, data_from=deadline - reserve)

    def initialize_timeout_ms(self, configured_ms: int, now: float | None = None) -> int:
        """``initialize``'s timeout: the configured one, capped at its share of the time before the reserve."""
        left = self.data_from - (time.monotonic() if now is None else now)
        return max(1, min(configured_ms, int(left * INITIALIZE_SHARE * 1000)))

    def login_timeout_ms(self, cap_ms: int, now: float | None = None) -> int:
        """``login``'s timeout: what is left before the data reserve, at most ``cap_ms``."""
        left = self.data_from - (time.monotonic() if now is None else now)
        return max(1, min(cap_ms, int(left * 1000)))
