"""OpenTelemetry traces, configured only by the standard ``OTEL_*`` variables and off by default.

``OTEL_TRACES_EXPORTER=otlp`` (OTLP over HTTP/protobuf to ``OTEL_EXPORTER_OTLP_ENDPOINT``) or ``console`` turns
them on; ``OTEL_SERVICE_NAME`` names the service (default ``umanize-gateway``); ``OTEL_TRACES_SAMPLER`` and
``OTEL_TRACES_SAMPLER_ARG`` sample (the SDK reads them). One server span per GraphQL operation or RPC, W3C trace
context from the caller, a client span per upstream call (resolvers/upstream/client.py) - never one per field.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from opentelemetry import propagate, trace
from opentelemetry.trace import Span, SpanKind

from resolvers.upstream.observer import enable_tracing, tracing_on

tracer = trace.get_tracer("umanize.gateway")


def configured_exporters() -> list[str]:
    """The span exporters OTEL_TRACES_EXPORTER names (none: traces off)."""
    return [name.strip() for name in os.environ.get("OTEL_TRACES_EXPORTER", "none").split(",")
            if name.strip() not in ("", "none")]


def configure_from_environment() -> bool:
    """Sets the process's tracer provider from OTEL_* variables; False (nothing set up) when traces are off."""
    exporters = configured_exporters()
    if not exporters:
        return False
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter

    provider = TracerProvider(resource=Resource.create(
        {"service.name": os.environ.get("OTEL_SERVICE_NAME", "umanize-gateway")}))
    for name in exporters:
        exporter: SpanExporter
        if name == "otlp":
            protocol = os.environ.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
                                      os.environ.get("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"))
            if protocol != "http/protobuf":
                print(f"warning: OTEL_EXPORTER_OTLP_PROTOCOL={protocol} is not supported; using http/protobuf",
                      file=sys.stderr)
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            exporter = OTLPSpanExporter()
        elif name == "console":
            exporter = ConsoleSpanExporter()
        else:
            print(f"warning: OTEL_TRACES_EXPORTER {name!r} is not supported (otlp, console)", file=sys.stderr)
            continue
        provider.add_span_processor(BatchSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    return enable_tracing()


@contextmanager
def server_span(name: str, carrier: Mapping[str, str], attributes: dict[str, Any]) -> Iterator[Span | None]:
    """A SERVER span continuing the caller's W3C trace context (``traceparent`` / ``tracestate``); None, at no
    cost, when tracing is off."""
    if not tracing_on():
        yield None
        return
    with tracer.start_as_current_span(name, context=propagate.extract(carrier), kind=SpanKind.SERVER,
                                      attributes=attributes) as span:
        yield span


@contextmanager
def phase_span(name: str) -> Iterator[None]:
    """A child span for a phase of the standard executor (parsing, validation)."""
    if not tracing_on():
        yield
        return
    with tracer.start_as_current_span(name):
        yield


def current_trace_id() -> str | None:
    if not tracing_on():
        return None
    context = trace.get_current_span().get_span_context()
    return f"{context.trace_id:032x}" if context.is_valid else None
