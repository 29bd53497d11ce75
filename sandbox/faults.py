"""Fault injection and request recording for the sandbox, as ASGI middleware around the REST routes.

Faults are off by default. They apply to the REST API paths (``/campaigns/...``) only, never to
``/_sandbox/...`` control routes or ``/openapi.json``, and are set at start (CLI flags) or at run time
(``PUT /_sandbox/faults``):

- ``latency_ms``: added before every matching request is handled.
- ``error_rate`` (0..1) with ``error_status`` (default 503): that share of requests fails with that status
  and a ``{"detail": "Injected fault"}`` body; a 429 also carries ``Retry-After: 1``.
- ``drop_rate`` (0..1): that share of requests gets response headers and then a closed connection, so the
  client sees a truncated response.
- ``error_count``: fail exactly the next N matching requests (with ``error_status``), then none: a transient
  fault of a known length.
- ``retry_after``: seconds sent as ``Retry-After`` with injected errors (overrides a 429's default of 1).
- ``path_contains``: limit faults to paths containing this text (for example ``/verify-goal``).
- ``seed``: seeds the random draws so a run is repeatable.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import threading
from collections import Counter, deque
from dataclasses import asdict, dataclass, fields
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

API_PREFIX = "/campaigns/"


@dataclass
class FaultConfig:
    latency_ms: float = 0.0
    error_rate: float = 0.0
    error_status: int = 503
    drop_rate: float = 0.0
    path_contains: str | None = None
    seed: int | None = None
    error_count: int | None = None  # fail only the next N matching requests (with error_status), then none
    retry_after: float | None = None  # Retry-After sent with injected errors (429 always sends 1)

    def validate(self) -> list[str]:
        problems = []
        if self.error_count is not None and self.error_count < 0:
            problems.append("error_count must not be negative")
        if not 0 <= self.error_rate <= 1:
            problems.append("error_rate must be between 0 and 1")
        if not 0 <= self.drop_rate <= 1:
            problems.append("drop_rate must be between 0 and 1")
        if not 400 <= self.error_status <= 599:
            problems.append("error_status must be a 4xx or 5xx status")
        if not 0 <= self.latency_ms <= 600_000:
            problems.append("latency_ms must be between 0 and 600000")
        return problems

    @classmethod
    def from_json(cls, raw: Any) -> FaultConfig:
        if not isinstance(raw, dict):
            raise ValueError("expected a JSON object")
        known = {f.name for f in fields(cls)}
        unknown = set(raw) - known
        if unknown:
            raise ValueError(f"unknown fault setting(s): {', '.join(sorted(unknown))}")
        try:
            config = cls(**raw)
            config.latency_ms = float(config.latency_ms)
            config.error_rate = float(config.error_rate)
            config.drop_rate = float(config.drop_rate)
            config.error_status = int(config.error_status)
        except (TypeError, ValueError) as exc:
            raise ValueError(str(exc)) from exc
        return config

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class InjectedConnectionDrop(Exception):
    """Raised after the response headers went out: the server closes the connection mid-response."""


class _DropFilter(logging.Filter):
    """Keeps uvicorn's log free of tracebacks for connections the sandbox dropped on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], InjectedConnectionDrop))


logging.getLogger("uvicorn.error").addFilter(_DropFilter())


class FaultInjector:
    """ASGI middleware applying the current ``FaultConfig`` to matching REST requests."""

    def __init__(self, app: ASGIApp, config: FaultConfig | None = None) -> None:
        self.app = app
        self.config = config or FaultConfig()
        self._random = random.Random(self.config.seed)
        self._errors_left = self.config.error_count
        self.injected: Counter[str] = Counter()  # faults applied since start, by kind (latency, error, drop)

    def configure(self, config: FaultConfig) -> None:
        self.config = config
        self._random = random.Random(config.seed)
        self._errors_left = config.error_count

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        config = self.config
        path: str = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith(API_PREFIX) or (
            config.path_contains and config.path_contains not in path
        ):
            await self.app(scope, receive, send)
            return
        if config.latency_ms:
            self.injected["latency"] += 1
            await asyncio.sleep(config.latency_ms / 1000)
        if config.drop_rate and self._random.random() < config.drop_rate:
            self.injected["drop"] += 1
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-type", b"application/json"), (b"content-length", b"1000")]})
            await send({"type": "http.response.body", "body": b'{"data": [', "more_body": True})
            raise InjectedConnectionDrop(path)
        counted = self._errors_left is not None and self._errors_left > 0
        if counted or (config.error_rate and self._random.random() < config.error_rate):
            self.injected["error"] += 1
            if counted:
                self._errors_left = (self._errors_left or 1) - 1
            body = json.dumps({"detail": "Injected fault"}).encode()
            headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
            if config.retry_after is not None:
                headers.append((b"retry-after", f"{config.retry_after:g}".encode()))
            elif config.error_status == 429:
                headers.append((b"retry-after", b"1"))
            await send({"type": "http.response.start", "status": config.error_status, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: str
    status: int
    headers: dict[str, str]


class RequestLog:
    """ASGI middleware remembering the last REST requests (method, path, query, auth headers, status).

    Tests and benchmarks read it (``GET /_sandbox/requests``) to count the upstream calls an operation made.
    """

    RECORDED_HEADERS = ("authorization", "x-api-key", "x-request-id", "traceparent")

    def __init__(self, app: ASGIApp, capacity: int = 10_000) -> None:
        self.app = app
        self.entries: deque[RecordedRequest] = deque(maxlen=capacity)
        self._lock = threading.Lock()
        self.in_flight = 0
        self.max_in_flight = 0  # the most REST requests handled at once since the last clear()
        self.totals: Counter[int] = Counter()  # requests by status (0: no response) since start, never cleared

    def clear(self) -> None:
        with self._lock:
            self.entries.clear()
            self.max_in_flight = self.in_flight

    def status_totals(self) -> dict[int, int]:
        with self._lock:
            return dict(self.totals)

    def snapshot(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self.entries)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith(API_PREFIX):
            await self.app(scope, receive, send)
            return
        headers = {
            k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])
        }
        recorded = {h: headers[h] for h in self.RECORDED_HEADERS if h in headers}
        recorded_entry = False

        def record(status: int) -> None:
            nonlocal recorded_entry
            if recorded_entry:
                return
            recorded_entry = True
            entry = RecordedRequest(scope["method"], path, scope.get("query_string", b"").decode("latin-1"),
                                    status, recorded)
            with self._lock:
                self.entries.append(entry)
                self.totals[status] += 1

        async def record_then_send(message: Message) -> None:
            # Logged before the first byte goes out, so a client never sees a response whose call is not logged.
            if message["type"] == "http.response.start":
                record(int(message["status"]))
            await send(message)

        with self._lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await self.app(scope, receive, record_then_send)
        finally:
            with self._lock:
                self.in_flight -= 1
            record(0)  # no response was started (the app failed before answering)
