"""In-flight deduplication: identical upstream reads made at the same time, for the same credentials, share one call.

Nothing outlives its call: a read that starts after the shared call finished makes its own, so no answer is
older than the request that receives it. A write to a campaign stops later reads of that campaign from joining
calls that started before the write ended (read-your-writes through this gateway). Each waiter keeps its own
deadline, and the call is cancelled when every waiter has gone.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from uuid import UUID

T = TypeVar("T")


@dataclass(frozen=True)
class ReadKey:
    """What makes two reads the same: the campaign, what is done with the answer, the URL and the credentials."""

    campaign_id: UUID
    kind: str
    url: str
    authorization: str | None
    api_key: str | None


@dataclass
class _Flight(Generic[T]):
    task: asyncio.Task[T]
    waiters: int = 0
    shared: bool = False  # another read joined it


class SharedReads:
    """The reads in flight, by key; ``joined`` counts the reads that were answered by another's call."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self.joined = 0
        self._flights: dict[ReadKey, _Flight[Any]] = {}

    async def read(self, key: ReadKey, fetch: Callable[[], Awaitable[T]], timeout: float | None,
                   on_join: Callable[[], None] | None = None) -> T:
        """``fetch()``'s result, from a call already in flight for ``key`` when there is one (``on_join`` is told).

        ``timeout`` bounds this caller's wait (TimeoutError), not the shared call, which runs under the client's
        own timeout so that a caller with a short deadline cannot fail the others."""
        if not self.enabled:
            async with asyncio.timeout(timeout):
                return await fetch()
        flight: _Flight[T] | None = self._flights.get(key)
        if flight is None:
            flight = _Flight(asyncio.ensure_future(fetch()))
            self._flights[key] = flight
            flight.task.add_done_callback(lambda _: self._land(key, flight))
        else:
            flight.shared = True
            self.joined += 1
            if on_join is not None:
                on_join()
        flight.waiters += 1
        try:
            async with asyncio.timeout(timeout):
                return await asyncio.shield(flight.task)
        except Exception as error:
            if flight.shared and flight.task.done() and error is flight.task.exception():
                raise _own_copy(error) from error.__cause__
            raise
        finally:
            flight.waiters -= 1
            if flight.waiters == 0 and not flight.task.done():
                flight.task.cancel()  # nobody is left to answer: stop the upstream call
                self._land(key, flight)

    def forget_campaign(self, campaign_id: UUID) -> None:
        """Reads of the campaign started from now on make their own call (calls in flight go on for theirs)."""
        for key in [key for key in self._flights if key.campaign_id == campaign_id]:
            del self._flights[key]

    def _land(self, key: ReadKey, flight: _Flight[Any]) -> None:
        if self._flights.get(key) is flight:
            del self._flights[key]
        if flight.task.done() and not flight.task.cancelled():
            flight.task.exception()  # retrieved: a call whose waiters all timed out is not "never retrieved"

    def __len__(self) -> int:
        return len(self._flights)


def _own_copy(error: Exception) -> Exception:
    """Every waiter of a failed call raises its exception: each gets its own copy, so that their tracebacks do not
    pile up on one shared object (the original when the exception cannot be copied)."""
    try:
        return copy.copy(error).with_traceback(None)
    except Exception:
        return error
