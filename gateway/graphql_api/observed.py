"""What the GraphQL HTTP edge observes of an exchange: bytes in and out, the status, error codes, the span."""

from __future__ import annotations

from typing import Any

import orjson
from opentelemetry.trace import Span, Status, StatusCode
from starlette.types import Message, Receive, Send

from gateway.telemetry.access import Exchange

ERROR_BODY_BYTES = 4096  # an error answer of the edge is small; more is not kept


class ObservedSend:
    """``send`` that counts the body's bytes and keeps the status (and the start of an error body)."""

    def __init__(self, send: Send) -> None:
        self.send = send
        self.status = 0
        self.bytes = 0
        self._error_body = b""

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = int(message["status"])
        elif message["type"] == "http.response.body":
            body = message.get("body", b"")
            self.bytes += len(body)
            if self.status >= 400 and len(self._error_body) < ERROR_BODY_BYTES:
                self._error_body += body[:ERROR_BODY_BYTES]
        await self.send(message)

    @property
    def started(self) -> bool:
        """Whether the response has started (after which no error response can be sent)."""
        return self.status != 0

    def error_codes(self) -> list[str]:
        """The codes of an error answer the edge sent itself (413, 400, 408, ...)."""
        try:
            body: Any = orjson.loads(self._error_body)
        except orjson.JSONDecodeError:
            return [f"HTTP_{self.status}"]
        errors = body.get("errors") if isinstance(body, dict) else None
        return [str(e.get("extensions", {}).get("code")) for e in errors or [] if isinstance(e, dict)] or [
            f"HTTP_{self.status}"]


def counting(receive: Receive, exchange: Exchange) -> Receive:
    async def counted() -> Message:
        message = await receive()
        if message["type"] == "http.request":
            exchange.bytes_in += len(message.get("body", b""))
        return message

    return counted


def describe_span(span: Span, exchange: Exchange, status: int) -> None:
    """The server span's name and attributes once the operation is known (OpenTelemetry's GraphQL conventions)."""
    span.update_name(f"{exchange.operation_type or 'graphql'} {exchange.operation_name or ''}".strip())
    span.set_attribute("http.response.status_code", status)
    if exchange.operation_type:
        span.set_attribute("graphql.operation.type", exchange.operation_type)
    if exchange.operation_name:
        span.set_attribute("graphql.operation.name", exchange.operation_name)
    if exchange.document:
        span.set_attribute("graphql.document.sha256", exchange.document)
    if exchange.codes:
        span.set_attribute("umanize.error_codes", exchange.codes)
        span.set_status(Status(StatusCode.ERROR))
