"""Step budgets and the settled history read, as pure functions."""

from __future__ import annotations

from typing import Any

from klaro_worker.budget import StepBudget
from klaro_worker.driver import CallResult
from klaro_worker.history import MAX_READS, read_settled


def test_data_calls_keep_their_reserve_whatever_login_may_take() -> None:
    budget = StepBudget.for_job(deadline=100.0, now=0.0)  # 100 s left: reserve 5 s
    assert budget.data_from == 95.0
    assert budget.login_timeout_ms(60_000, now=0.0) == 60_000
    assert budget.login_timeout_ms(60_000, now=50.0) == 45_000  # not the 50 s left to the deadline
    assert budget.login_timeout_ms(60_000, now=96.0) == 1


def test_a_short_job_reserves_a_share_for_data() -> None:
    budget = StepBudget.for_job(deadline=10.0, now=0.0)
    assert budget.data_from == 7.0  # 30 % of 10 s
    assert budget.login_timeout_ms(60_000, now=0.0) == 7_000


def test_initialize_takes_at_most_half_of_what_precedes_the_reserve() -> None:
    budget = StepBudget.for_job(deadline=60.0, now=0.0)  # reserve 5 s
    assert budget.initialize_timeout_ms(60_000, now=0.0) == 27_500
    assert budget.initialize_timeout_ms(10_000, now=0.0) == 10_000  # the configured timeout when shorter
    assert budget.login_timeout_ms(60_000, now=27.5) == 27_500  # and login still has as much


def reads(*answers: Any) -> tuple[Any, list[int]]:
    calls: list[int] = []
    queue = list(answers)

    def call() -> CallResult:
        calls.append(1)
        value, error = queue.pop(0) if len(queue) > 1 else queue[0]
        return CallResult(value, error, 3)

    return call, calls


def deals(*tickets: int) -> list[dict[str, int]]:
    return [{"ticket": ticket} for ticket in tickets]


def test_two_agreeing_reads_settle_the_history() -> None:
    call, calls = reads((deals(1), (1, "Success")), (deals(1, 2), (1, "Success")), (deals(1, 2), (1, "Success")))
    history = read_settled(call, until=float("inf"), sleep=lambda _: None)
    assert history.complete and history.deals == deals(1, 2) and len(calls) == 3 and history.elapsed_ms == 9


def test_none_with_success_reads_as_empty() -> None:
    call, _ = reads((None, (1, "Success")))
    history = read_settled(call, until=float("inf"), sleep=lambda _: None)
    assert history.complete and history.deals == [] and history.failure is None


def test_a_failed_read_is_the_failure() -> None:
    call, _ = reads((None, (-10004, "No IPC connection")))
    history = read_settled(call, until=float("inf"), sleep=lambda _: None)
    assert history.failure is not None and history.failure.error == (-10004, "No IPC connection")


def test_a_history_still_growing_after_every_read_is_incomplete() -> None:
    counter = iter(range(100))

    def call() -> CallResult:
        return CallResult(deals(*range(next(counter) + 1)), (1, "Success"), 1)

    history = read_settled(call, until=float("inf"), sleep=lambda _: None)
    assert not history.complete and history.reads == MAX_READS
