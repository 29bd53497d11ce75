"""The gateway's one error hierarchy; each class carries the code both transports report.

GatewayError
 ├── BadUserInput          client input is wrong (the gateway's own checks, upstream 400/422)
 ├── Unauthenticated       no or invalid credentials (upstream 401)
 ├── Forbidden             credentials lack permission (upstream 403)
 ├── NotFound              unknown campaign or target (upstream 404)
 ├── Conflict              upstream 409
 ├── RateLimited           upstream 429, with retry_after seconds when the upstream said
 ├── OperationLimitExceeded  the operation asks for more than a limit allows (refused before or while running)
 ├── Overloaded            too many upstream calls waiting: shed at once, retryable
 ├── UpstreamUnavailable   upstream 5xx, connection failures, unparseable bodies, an open circuit breaker
 └── UpstreamTimeout       the upstream did not answer in time

GraphQL reports ``code`` as ``extensions.code``; gRPC maps the same classes to status codes in its own table.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class ErrorCode(StrEnum):
    BAD_USER_INPUT = "BAD_USER_INPUT"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    CONFLICT = "CONFLICT"
    RATE_LIMITED = "RATE_LIMITED"
    UPSTREAM_UNAVAILABLE = "UPSTREAM_UNAVAILABLE"
    UPSTREAM_TIMEOUT = "UPSTREAM_TIMEOUT"
    OPERATION_LIMIT_EXCEEDED = "OPERATION_LIMIT_EXCEEDED"
    OVERLOADED = "OVERLOADED"


ECHO_CHARS = 100


def echo(value: object) -> str:
    """A client's value as an error message may quote it: repr, cut to ECHO_CHARS, so that an error never grows
    with the input (a 3 KB id would otherwise overflow gRPC's metadata limit)."""
    text = repr(value)
    return text if len(text) <= ECHO_CHARS else text[:ECHO_CHARS] + f"... ({len(text)} characters)"


@dataclass(frozen=True)
class FieldError:
    """One invalid input field: where (path of names and indexes), what is wrong, and the kind of problem."""

    location: tuple[str | int, ...]
    message: str
    kind: str

    def as_json(self) -> dict[str, Any]:
        return {"loc": list(self.location), "msg": self.message, "type": self.kind}


class GatewayError(Exception):
    """Base class: a failure the gateway expected and reports to the client with a code; ``retry_after``
    (seconds), when set, tells the client when trying again may succeed."""

    code: ErrorCode

    def __init__(self, message: str, *, upstream_status: int | None = None,
                 retry_after: float | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.upstream_status = upstream_status
        self.retry_after = retry_after


class BadUserInput(GatewayError):
    code = ErrorCode.BAD_USER_INPUT

    def __init__(self, message: str, *, field_errors: tuple[FieldError, ...] = (),
                 upstream_status: int | None = None) -> None:
        super().__init__(message, upstream_status=upstream_status)
        self.field_errors = field_errors


class Unauthenticated(GatewayError):
    code = ErrorCode.UNAUTHENTICATED


class Forbidden(GatewayError):
    code = ErrorCode.FORBIDDEN


class NotFound(GatewayError):
    code = ErrorCode.NOT_FOUND


class Conflict(GatewayError):
    code = ErrorCode.CONFLICT


class RateLimited(GatewayError):
    code = ErrorCode.RATE_LIMITED


class Overloaded(GatewayError):
    code = ErrorCode.OVERLOADED


class OperationLimitExceeded(GatewayError):
    """``limit`` names what was exceeded (depth, aliases, rootFields, tokens, upstreamCalls, resultObjects,
    requestBytes, uploadBytes, batchSize); ``actual`` is what the request asked for, or used so far."""

    code = ErrorCode.OPERATION_LIMIT_EXCEEDED

    def __init__(self, limit: str, maximum: int, actual: int) -> None:
        super().__init__(f"The operation exceeds the {limit} limit ({actual} > {maximum})")
        self.limit = limit
        self.maximum = maximum
        self.actual = actual

    def details(self) -> dict[str, Any]:
        return {"limit": self.limit, "max": self.maximum, "actual": self.actual}


class UpstreamUnavailable(GatewayError):
    code = ErrorCode.UPSTREAM_UNAVAILABLE


class UpstreamTimeout(GatewayError):
    code = ErrorCode.UPSTREAM_TIMEOUT
