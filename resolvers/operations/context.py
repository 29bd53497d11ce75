"""The per-request context every operation receives: the caller, the upstream client and fresh loaders."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from uuid import UUID

from resolvers.domain.models import ListQuery, Target, TargetPage
from resolvers.operations.loaders import Loaders
from resolvers.upstream import Caller, UpstreamClient


@dataclass(frozen=True)
class ResolverSettings:
    """Limits the operations enforce, whichever transport called them."""

    upstream_concurrency: int = 8
    max_upload_bytes: int = 50 * 1024 * 1024
    max_enroll_items: int = 1000


@dataclass(frozen=True)
class UpstreamReads:
    """The upstream reads a request's loaders make, with its credentials and deadline.

    Kept apart from RequestContext so that nothing the loaders hold points back at the context: a reference cycle
    there kept every finished request's pages alive until a full collection, which then had that much more to
    scan (a quarter of the gateway's CPU under load).
    """

    upstream: UpstreamClient
    caller: Caller
    deadline: float | None

    @property
    def timeout(self) -> float | None:
        """The upstream timeout for a call made now: the client's default, cut to what the deadline leaves."""
        if self.deadline is None:
            return None
        return max(0.0, min(self.upstream.timeout, self.deadline - time.monotonic()))

    async def list_targets(self, query: ListQuery) -> TargetPage:
        return await self.upstream.list_targets(self.caller, query, timeout=self.timeout)

    async def find_targets(self, query: ListQuery, wanted: set[UUID]) -> tuple[dict[UUID, Target], int, int]:
        return await self.upstream.find_targets(self.caller, query, wanted, timeout=self.timeout)


@dataclass
class RequestContext:
    upstream: UpstreamClient
    caller: Caller
    settings: ResolverSettings = field(default_factory=ResolverSettings)
    deadline: float | None = None  # time.monotonic() by which the caller wants an answer (gRPC deadlines)
    reads: UpstreamReads = field(init=False)
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        self.reads = UpstreamReads(self.upstream, self.caller, self.deadline)
        self.loaders = Loaders(self.reads.list_targets, self.reads.find_targets, self.settings.upstream_concurrency,
                               self.upstream.observer.batch)

    @property
    def timeout(self) -> float | None:
        """The upstream timeout for a call made now: the client's default, cut to what the deadline leaves."""
        return self.reads.timeout
