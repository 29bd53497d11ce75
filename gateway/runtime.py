"""What lives for the whole process: the upstream client and settings; it makes each request's context."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import replace

from gateway.config import Settings
from gateway.telemetry.metrics import PrometheusObserver
from resolvers.operations.context import RequestContext, ResolverSettings
from resolvers.upstream import Caller, UpstreamClient
from resolvers.upstream.ledger import CallLedger


class GatewayRuntime:
    """One per process, owned by the app lifespan; shared by the GraphQL (and gRPC) transports."""

    def __init__(self, settings: Settings, upstream: UpstreamClient) -> None:
        self.settings = settings
        self.upstream = upstream
        self.resolver_settings = ResolverSettings(
            upstream_concurrency=settings.upstream_concurrency, max_upload_bytes=settings.max_upload_bytes,
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> GatewayRuntime:
        if settings.upstream_url is None:
            raise ValueError("an upstream URL is needed (the CLI starts the embedded sandbox when none is given)")
        problem = settings.problem()
        if problem is not None:
            raise ValueError(problem)
        return cls(settings, UpstreamClient(settings.upstream_url, timeout=settings.upstream_timeout,
                                            max_connections=settings.upstream_max_connections,
                                            share_reads=settings.share_reads,
                                            expose_errors=settings.expose_upstream_errors,
                                            resilience=settings.resilience, observer=PrometheusObserver()))

    def caller(self, headers: Mapping[str, str], request_id: str | None) -> Caller:
        """The caller's own credentials; the configured service key only when the caller sent none."""
        authorization, api_key = headers.get("authorization"), headers.get("x-api-key")
        if not authorization and not api_key and self.settings.service_api_key:
            api_key = self.settings.service_api_key
        return Caller(authorization=authorization, api_key=api_key, request_id=request_id,
                      ledger=CallLedger(limit=self.settings.operation_limits.max_upstream_calls))

    def context(self, caller: Caller, *, deadline: float | None = None) -> RequestContext:
        """The request's context. Its deadline is the caller's (gRPC) capped by --operation-timeout, which
        alone bounds a GraphQL operation; every upstream call and retry fits within it."""
        latest = time.monotonic() + self.settings.operation_timeout
        deadline = latest if deadline is None else min(deadline, latest)
        return RequestContext(self.upstream, replace(caller, deadline=deadline), self.resolver_settings,
                              deadline=deadline)

    async def aclose(self) -> None:
        await self.upstream.aclose()
