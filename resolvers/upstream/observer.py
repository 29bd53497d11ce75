"""What the upstream client reports as it works, for whoever watches (the gateway's metrics), and its traces.

The client calls an ``UpstreamObserver``; the default observes nothing. Client spans use the OpenTelemetry API,
which costs nothing until the process configures a tracer provider (``tracing_on``)."""

from __future__ import annotations

from opentelemetry import trace

tracer = trace.get_tracer("umanize.gateway.upstream")


class _Tracing:
    on = False


def enable_tracing() -> bool:
    """Spans from now on, if the process has set a real tracer provider (the API's default proxy means off).
    Called once the provider is set; asking the API on every call costs an environment lookup each time."""
    _Tracing.on = not isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider | trace.NoOpTracerProvider)
    return _Tracing.on


def tracing_on() -> bool:
    """Whether spans are made (``enable_tracing``)."""
    return _Tracing.on


class UpstreamObserver:
    """Events of the upstream client; each method does nothing here."""

    def call(self, method: str, route: str, status: int | None, seconds: float) -> None:
        """One upstream HTTP attempt ended: its status, or None when no response came."""

    def retried(self) -> None:
        """An attempt is being repeated (the retry table allowed it and the budget had room)."""

    def shed(self) -> None:
        """A call was shed: too many were waiting for a place."""

    def shared_read(self, joined: bool) -> None:
        """A read was answered by a call in flight (joined) or made its own."""

    def breaker(self, state: str) -> None:
        """The circuit breaker changed state (closed, open, half_open)."""

    def in_flight(self, delta: int) -> None:
        """Upstream calls in flight went up or down by ``delta``."""

    def batch(self, loader: str, size: int) -> None:
        """A DataLoader batch of ``size`` keys was dispatched (lists: ``target_pages``; lookups: ``target_by_id``)."""
