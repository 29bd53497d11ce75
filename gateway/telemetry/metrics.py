"""Prometheus metrics, named after OpenTelemetry's semantic conventions where they exist, units in the names.

Label values are bounded: GraphQL operation names come from a bounded set (``OperationNames``), upstream calls
are labelled with route templates, never paths. With ``PROMETHEUS_MULTIPROC_DIR`` set (several worker processes),
prometheus-client keeps values in files and ``/metrics`` aggregates every worker's.
"""

from __future__ import annotations

import os
import threading
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.metrics import MetricWrapperBase

from resolvers.upstream.observer import UpstreamObserver

DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 30.0)

GRAPHQL_DURATION = Histogram(
    "graphql_server_operation_duration_seconds", "GraphQL operations by name, type and outcome.",
    ["graphql_operation_name", "graphql_operation_type", "outcome"], buckets=DURATION_BUCKETS)
RPC_DURATION = Histogram(
    "rpc_server_duration_seconds", "gRPC calls by method and status code.", ["rpc_method", "rpc_grpc_status_code"],
    buckets=DURATION_BUCKETS)
UPSTREAM_DURATION = Histogram(
    "http_client_request_duration_seconds", "Upstream HTTP attempts by method, route template and status.",
    ["http_request_method", "url_template", "http_response_status_code"], buckets=DURATION_BUCKETS)
UPSTREAM_CALLS_PER_OPERATION = Histogram(
    "gateway_upstream_calls_per_operation", "Upstream calls one GraphQL operation or RPC made.", ["transport"],
    buckets=(0, 1, 2, 3, 5, 8, 13, 21, 34))
SHARED_READS = Counter("gateway_shared_reads", "Upstream reads, by whether they joined a call in flight.",
                       ["outcome"])
BATCH_SIZE = Histogram("gateway_dataloader_batch_size", "Keys per DataLoader batch.", ["loader"],
                       buckets=(1, 2, 3, 5, 10, 20, 50, 100, 200))
ACTIVE_REQUESTS = Gauge("gateway_active_requests", "Requests in progress.", ["transport"],
                        multiprocess_mode="livesum")
UPSTREAM_IN_FLIGHT = Gauge("gateway_upstream_in_flight_calls", "Upstream calls in flight.",
                           multiprocess_mode="livesum")
# One series per live worker process (a pid label under several workers): how evenly the kernel spreads them.
WORKER_OPERATIONS = Gauge("gateway_worker_operations_served", "Operations served, by worker process.",
                          ["transport"], multiprocess_mode="liveall")
ERRORS = Counter("gateway_errors", "Errors returned to clients, by code.", ["transport", "code"])
LIMIT_REJECTIONS = Counter("gateway_operation_limit_rejections", "Operations refused by a limit.", ["limit"])
for _limit in ("tokens", "depth", "aliases", "rootFields", "upstreamCalls", "resultObjects", "requestBytes",
               "uploadBytes"):
    LIMIT_REJECTIONS.labels(_limit)  # every series from the start, at 0: rates and alerts see them before any
RETRIES = Counter("gateway_upstream_retries", "Upstream attempts repeated by the retry table.")
SHED = Counter("gateway_upstream_shed", "Upstream calls shed with OVERLOADED.")
BREAKER_STATE = Gauge("gateway_upstream_circuit_state", "The upstream circuit breaker: 0 closed, 1 half-open, 2 open.",
                      multiprocess_mode="max")
BREAKER_OPENINGS = Counter("gateway_upstream_circuit_openings", "Times the upstream circuit breaker opened.")
BREAKER_VALUES = {"closed": 0, "half_open": 1, "open": 2}


_CHILDREN: dict[tuple[object, tuple[str, ...]], Any] = {}


def child(metric: MetricWrapperBase, *labels: str) -> Any:
    """``metric.labels(*labels)``, kept: prometheus-client takes a lock and converts every value on each call.
    Label values are bounded (see above), so this map is too."""
    key = (metric, labels)
    found = _CHILDREN.get(key)
    if found is None:
        found = _CHILDREN[key] = metric.labels(*labels)
    return found


class OperationNames:
    """Operation names as label values: the first ``cap`` names seen, then ``other``; unnamed ``anonymous``."""

    def __init__(self, cap: int = 100) -> None:
        self.cap = cap
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def label(self, name: str | None) -> str:
        if not name:
            return "anonymous"
        if name in self._seen:
            return name
        with self._lock:
            if len(self._seen) < self.cap:
                self._seen.add(name)
                return name
        return "other"


class PrometheusObserver(UpstreamObserver):
    """The upstream client's events as metrics."""

    def call(self, method: str, route: str, status: int | None, seconds: float) -> None:
        child(UPSTREAM_DURATION, method, route, str(status) if status is not None else "none").observe(seconds)

    def retried(self) -> None:
        RETRIES.inc()

    def shed(self) -> None:
        SHED.inc()

    def shared_read(self, joined: bool) -> None:
        child(SHARED_READS, "joined" if joined else "made").inc()

    def breaker(self, state: str) -> None:
        BREAKER_STATE.set(BREAKER_VALUES.get(state, 0))
        if state == "open":
            BREAKER_OPENINGS.inc()

    def in_flight(self, delta: int) -> None:
        UPSTREAM_IN_FLIGHT.inc(delta)

    def batch(self, loader: str, size: int) -> None:
        child(BATCH_SIZE, loader).observe(size)


def exposition() -> tuple[bytes, str]:
    """The /metrics body and content type: every worker's values when several processes serve."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
