"""What the upstream client does when the upstream fails: which calls it retries (one table), how often (a budget),
when it stops calling at all (a circuit breaker), and how many calls it lets wait (shedding).

The retry table, per upstream operation (``Retry``; the README has it too):

- ``GET`` list, ``PATCH`` stage, ``POST`` restore, soft ``DELETE`` (idempotent): retried on a connection refused
  or not made, a connection dropped before any response, 502/503/504, and 429/503 whose ``Retry-After`` fits the
  deadline;
- purge, ``verify-goal``, bulk enroll, create-customer-and-enroll, import: retried only on a connection refused
  or not made, when the request was certainly never sent.

Backoff is exponential with full jitter, never past the caller's deadline; a retry budget (a share of the calls
over a sliding window, plus a small floor per second, as Envoy's and Finagle's) keeps retries from multiplying the
load on a failing upstream; the transport itself never re-sends (``transport.py``).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from enum import Enum

from resolvers.domain.errors import Overloaded, UpstreamUnavailable


class Retry(Enum):
    """How far an upstream operation may be retried (the table above)."""

    IDEMPOTENT = "idempotent"  # connect failures, drops before a response, 502/503/504, 429/503 + Retry-After
    UNSENT_ONLY = "unsent only"  # only when the request was certainly never sent (no connection was made)


RETRYABLE_STATUSES = frozenset({502, 503, 504})
RETRY_AFTER_STATUSES = frozenset({429, 503})


@dataclass(frozen=True)
class ResilienceSettings:
    """The knobs, with the CLI's defaults (README, Resilience)."""

    retries: int = 2  # extra attempts at most
    backoff_base: float = 0.05  # seconds; attempt n waits uniformly up to base * 2**n, capped
    backoff_cap: float = 1.0
    budget_ratio: float = 0.2  # retries at most this share of calls over the window...
    budget_floor_per_second: float = 3.0  # ...plus this many per second
    budget_window: float = 10.0  # seconds
    # consecutive failures that open the breaker: a count that a partial failure rate under concurrency does
    # not reach by chance (30% failures make 20 in a row once in ~10^10), but an outage does at once
    breaker_failures: int = 20
    breaker_error_rate: float = 0.5  # or this share of failures over the window...
    breaker_min_calls: int = 20  # ...once the window holds this many calls
    breaker_window: float = 10.0  # seconds
    breaker_open_seconds: float = 5.0  # how long it stays open before a probe may pass
    max_in_flight: int = 100  # upstream calls in flight at once, all requests together
    queue_timeout: float = 1.0  # seconds a call may wait for a place before it is shed


def backoff(attempt: int, settings: ResilienceSettings) -> float:
    """Full jitter: uniform between 0 and the exponential step (AWS's "Exponential Backoff and Jitter")."""
    return _jitter.uniform(0, min(settings.backoff_cap, settings.backoff_base * 2**attempt))


_jitter = random.Random()


class RetryBudget:
    """Retries allowed at most ``ratio`` of the calls in the last ``window`` seconds, plus a floor per second."""

    def __init__(self, settings: ResilienceSettings, clock: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self.clock = clock
        self._calls: deque[float] = deque()
        self._retries: deque[float] = deque()
        self.retries = 0  # granted, since start
        self.refused = 0  # wanted but over budget

    def _trim(self, now: float) -> None:
        horizon = now - self.settings.budget_window
        for times in (self._calls, self._retries):
            while times and times[0] < horizon:
                times.popleft()

    def record_call(self) -> None:
        now = self.clock()
        self._calls.append(now)
        self._trim(now)  # here too: trimmed only when retrying, the window grew with every call (make bench's RSS)

    def try_retry(self) -> bool:
        now = self.clock()
        self._trim(now)
        allowed = (self.settings.budget_ratio * len(self._calls)
                   + self.settings.budget_floor_per_second * self.settings.budget_window)
        if len(self._retries) + 1 > allowed:
            self.refused += 1
            return False
        self._retries.append(now)
        self.retries += 1
        return True


class BreakerState(Enum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreaker:
    """Opens on consecutive failures or on an error rate over a window; while open, calls fail at once; after
    ``breaker_open_seconds`` one probe passes (half-open) and its outcome closes or reopens it. Only failures of
    the upstream count (5xx, unreachable, timeouts, drops), never 4xx answers."""

    def __init__(self, settings: ResilienceSettings, clock: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self.clock = clock
        self.state = BreakerState.CLOSED
        self.opened = 0  # times it opened, since start
        self._consecutive = 0
        self._outcomes: deque[tuple[float, bool]] = deque()
        self._failures = 0  # failures among _outcomes, kept as they come and go: counting them was O(window)
        self._opened_at = 0.0
        self._probing = False
        self.listeners: list[Callable[[BreakerState], None]] = []

    def _set(self, state: BreakerState) -> None:
        if state is not self.state:
            self.state = state
            for listener in self.listeners:
                listener(state)

    def retry_after(self) -> float:
        return max(0.0, self._opened_at + self.settings.breaker_open_seconds - self.clock())

    def before_call(self) -> None:
        """UpstreamUnavailable (with retry_after) while open; lets one probe through when half-open."""
        if self.state is BreakerState.OPEN:
            if self.retry_after() > 0:
                raise UpstreamUnavailable("The upstream is failing; calls are paused (circuit open)",
                                          retry_after=round(self.retry_after(), 3))
            self._set(BreakerState.HALF_OPEN)
        if self.state is BreakerState.HALF_OPEN:
            if self._probing:
                raise UpstreamUnavailable("The upstream is failing; a probe call is testing it",
                                          retry_after=self.settings.breaker_open_seconds)
            self._probing = True

    def record(self, success: bool) -> None:
        now = self.clock()
        if self.state is BreakerState.HALF_OPEN:
            self._probing = False
            if success:
                self._consecutive = 0
                self._outcomes.clear()
                self._failures = 0
                self._set(BreakerState.CLOSED)
            else:
                self._open(now)
            return
        self._consecutive = 0 if success else self._consecutive + 1
        self._outcomes.append((now, success))
        self._failures += not success
        horizon = now - self.settings.breaker_window
        while self._outcomes and self._outcomes[0][0] < horizon:
            self._failures -= not self._outcomes.popleft()[1]
        rate_tripped = (len(self._outcomes) >= self.settings.breaker_min_calls
                        and self._failures / len(self._outcomes) >= self.settings.breaker_error_rate)
        if self.state is BreakerState.CLOSED and (self._consecutive >= self.settings.breaker_failures or rate_tripped):
            self._open(now)

    def abandon_probe(self) -> None:
        """A probe that ended without an outcome (cancelled): the next call may probe."""
        self._probing = False

    def _open(self, now: float) -> None:
        self._opened_at = now
        self.opened += 1
        self._set(BreakerState.OPEN)


class InFlightLimit:
    """At most ``max_in_flight`` upstream calls at once; a call waits at most ``queue_timeout`` for a place, then
    is shed (Overloaded), so requests do not pile up behind a slow upstream."""

    def __init__(self, settings: ResilienceSettings) -> None:
        self.settings = settings
        self._places = asyncio.Semaphore(settings.max_in_flight)
        self.in_flight = 0
        self.shed = 0  # calls shed, since start

    @asynccontextmanager
    async def place(self) -> AsyncIterator[float]:
        """Holds a place for one call; yields the seconds spent waiting for it."""
        started = time.monotonic()
        try:
            async with asyncio.timeout(self.settings.queue_timeout):
                await self._places.acquire()
        except TimeoutError:
            self.shed += 1
            raise Overloaded("Too many upstream calls are waiting; try again shortly",
                             retry_after=self.settings.queue_timeout) from None
        self.in_flight += 1
        try:
            yield time.monotonic() - started
        finally:
            self.in_flight -= 1
            self._places.release()
