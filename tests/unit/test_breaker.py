"""The circuit breaker's two triggers and its window, on a fake clock."""

from __future__ import annotations

from resolvers.upstream.resilience import BreakerState, CircuitBreaker, ResilienceSettings


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_error_rate_over_the_window_opens_it_and_old_outcomes_leave_the_window() -> None:
    clock = Clock()
    breaker = CircuitBreaker(ResilienceSettings(breaker_failures=10**6, breaker_min_calls=20,
                                                breaker_error_rate=0.5, breaker_window=10.0), clock)
    for n in range(30):  # 40% failures, never two in a row: below the rate
        clock.now += 0.1
        breaker.record(success=n % 5 not in (0, 2))
    assert breaker.state is BreakerState.CLOSED
    clock.now += 20  # every outcome leaves the window, failures included
    for n in range(30):  # 30% failures: the 12 old failures no longer count, or this would be 70%
        breaker.record(success=n % 10 >= 3)
    assert breaker.state is BreakerState.CLOSED
    for _ in range(20):  # now 29 failures of 50 calls in the window: over 50%
        breaker.record(success=False)
    assert breaker.state is BreakerState.OPEN and breaker.opened == 1


def test_consecutive_failures_open_it_and_a_successful_probe_closes_it() -> None:
    clock = Clock()
    breaker = CircuitBreaker(ResilienceSettings(breaker_failures=3, breaker_open_seconds=5.0), clock)
    for _ in range(3):
        breaker.record(success=False)
    assert breaker.state is BreakerState.OPEN and breaker.retry_after() == 5.0
    clock.now += 5.0
    breaker.before_call()  # the probe
    assert breaker.state is BreakerState.HALF_OPEN
    breaker.record(success=True)
    assert breaker.state is BreakerState.CLOSED
