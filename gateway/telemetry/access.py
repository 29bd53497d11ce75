"""The access log: one line per GraphQL request and per RPC (streams: at the end), with its metrics.

Fields: time, request id, trace id, transport, operation (name and type, or the RPC method), outcome (HTTP status
or gRPC code, error codes), duration, upstream calls made and shared, retries, time queued for an upstream place,
bytes in and out, and a short non-reversible fingerprint of the caller's credential, never the credential.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from pythonjsonlogger.orjson import OrjsonFormatter

from gateway.telemetry import metrics
from gateway.telemetry.tracing import current_trace_id
from resolvers.upstream.ledger import CallLedger

logger = logging.getLogger("gateway.access")
OPERATION_NAMES = metrics.OperationNames()


def fingerprint(credential: str | None) -> str | None:
    """12 hex characters of SHA-256: enough to tell callers apart in logs, useless to call with."""
    return _fingerprint(credential) if credential else None


@functools.lru_cache(maxsize=1024)  # a service sees few distinct credentials; hashing each request's was measurable
def _fingerprint(credential: str) -> str:
    return hashlib.sha256(credential.encode()).hexdigest()[:12]


@dataclass
class Exchange:
    """One request as its transport's edge saw it."""

    transport: str  # graphql or grpc
    request_id: str | None = None
    credential: str | None = None  # the fingerprint
    operation_name: str | None = None
    operation_type: str | None = None  # query, mutation; or the RPC's kind
    document: str | None = None  # SHA-256 of the GraphQL document
    status: str = ""  # HTTP status or gRPC code
    codes: list[str] = field(default_factory=list)
    limits: list[str] = field(default_factory=list)
    bytes_in: int = 0
    bytes_out: int = 0
    ledger: CallLedger | None = None
    trace_id: str | None = None
    started: float = field(default_factory=time.perf_counter)

    def capture_trace(self) -> None:
        self.trace_id = self.trace_id or current_trace_id()

    def finish(self) -> None:
        """Logs the line and records the request's metrics."""
        seconds = time.perf_counter() - self.started
        ledger = self.ledger or CallLedger()
        outcome = "error" if self.codes else "success"
        if self.transport == "graphql":
            metrics.child(metrics.GRAPHQL_DURATION, OPERATION_NAMES.label(self.operation_name),
                          self.operation_type or "unknown", outcome).observe(seconds)
        else:
            metrics.child(metrics.RPC_DURATION, self.operation_name or "unknown", self.status).observe(seconds)
        metrics.child(metrics.UPSTREAM_CALLS_PER_OPERATION, self.transport).observe(ledger.made)
        metrics.child(metrics.WORKER_OPERATIONS, self.transport).inc()
        for code in self.codes:
            metrics.child(metrics.ERRORS, self.transport, code).inc()
        for limit in self.limits:
            metrics.child(metrics.LIMIT_REJECTIONS, limit).inc()
        logger.info("access", extra={
            "request_id": self.request_id, "trace_id": self.trace_id, "transport": self.transport,
            "operation": self.operation_name, "operation_type": self.operation_type, "status": self.status,
            "error_codes": self.codes, "duration_ms": round(seconds * 1000, 2), "upstream_calls": ledger.made,
            "upstream_shared": ledger.shared, "upstream_retries": ledger.retries,
            "upstream_queued_ms": round(ledger.waited * 1000, 2), "bytes_in": self.bytes_in,
            "bytes_out": self.bytes_out, "caller": self.credential,
        })


ACCESS_FIELDS = ("request_id", "trace_id", "transport", "operation", "operation_type", "status", "error_codes",
                 "duration_ms", "upstream_calls", "upstream_shared", "upstream_retries", "upstream_queued_ms",
                 "bytes_in", "bytes_out", "caller")


class TextFormatter(logging.Formatter):
    """One readable line per record; access records as ``key=value`` pairs after the operation."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        if record.name == logger.name:
            values: dict[str, Any] = {name: getattr(record, name, None) for name in ACCESS_FIELDS}
            head = f"{values.pop('transport')} {values.pop('operation_type') or ''} {values.pop('operation') or '-'}"
            line = f"{self.formatTime(record)} {head} {values.pop('status')} " + " ".join(
                f"{key}={value}" for key, value in values.items() if value not in (None, [], ""))
        return line


def resolved_format(log_format: str) -> str:
    """``auto`` is JSON unless stdout is a terminal."""
    if log_format == "auto":
        return "text" if sys.stdout.isatty() else "json"
    return log_format


def configure_logging(log_format: str, level: str) -> None:
    """Root logging for the process: ``json`` (one object per line, on stdout) or ``text``."""
    log_format = resolved_format(log_format)
    # No record names its thread, process or source line (the logging HOWTO's "Optimization"): finding the
    # caller's frame alone was a quarter of an access line's cost (docs/benchmarks.md).
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    logging._srcfile = None
    handler = logging.StreamHandler(sys.stdout)
    if log_format == "json":
        handler.setFormatter(OrjsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s",
                                           rename_fields={"asctime": "time", "levelname": "level", "name": "logger"}))
    else:
        handler.setFormatter(TextFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # httpx logs every upstream URL at INFO, query strings (search terms) included: the access log says enough
    logging.getLogger("httpx").setLevel(logging.WARNING)
