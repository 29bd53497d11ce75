"""What one request spent upstream: the calls it made, the reads it shared, and the budget that bounds them."""

from __future__ import annotations

from dataclasses import dataclass

from resolvers.domain.errors import OperationLimitExceeded


@dataclass
class CallLedger:
    """Counts a request's upstream calls; past ``limit`` a further call is refused before it is made.

    The static estimate refuses most expensive operations up front; this holds where only the upstream knows the
    cost (a lookup that must scan a large campaign's pages)."""

    limit: int | None = None
    made: int = 0
    shared: int = 0  # reads answered by a call another request made (shared reads)
    retries: int = 0  # of the calls made, those that repeated a failed attempt
    waited: float = 0.0  # seconds spent waiting for a place among the upstream calls in flight
    estimated_calls: int | None = None  # what the transport estimated before running the operation
    estimated_objects: int | None = None

    def estimate(self, calls: int, objects: int) -> None:
        self.estimated_calls, self.estimated_objects = calls, objects

    def cost(self) -> dict[str, dict[str, int | None]]:
        """The estimate beside what was spent, as ``extensions.cost`` reports it."""
        return {"estimated": {"upstreamCalls": self.estimated_calls, "resultObjects": self.estimated_objects},
                "actual": {"upstreamCalls": self.made, "sharedReads": self.shared}}

    def joined(self) -> None:
        self.shared += 1

    def spend(self) -> None:
        if self.limit is not None and self.made >= self.limit:
            raise OperationLimitExceeded("upstreamCalls", self.limit, self.made + 1)
        self.made += 1
