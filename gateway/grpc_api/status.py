"""The one table from gateway errors to gRPC status codes, and the google.rpc details every error carries."""

from __future__ import annotations

import grpc
from google.protobuf import any_pb2, duration_pb2
from google.protobuf.message import Message
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

from resolvers.domain.errors import (
    BadUserInput,
    Conflict,
    Forbidden,
    GatewayError,
    NotFound,
    OperationLimitExceeded,
    Overloaded,
    RateLimited,
    Unauthenticated,
    UpstreamTimeout,
    UpstreamUnavailable,
)

ERROR_DOMAIN = "umanize.targets.v1"
# Error details travel in metadata, which gRPC caps (8 KiB by default): bounded whatever the request held.
MAX_VIOLATIONS = 20
MAX_TEXT = 300
INTERNAL_REASON = "INTERNAL_SERVER_ERROR"

STATUS_CODES: dict[type[GatewayError], grpc.StatusCode] = {
    BadUserInput: grpc.StatusCode.INVALID_ARGUMENT,
    Unauthenticated: grpc.StatusCode.UNAUTHENTICATED,
    Forbidden: grpc.StatusCode.PERMISSION_DENIED,
    NotFound: grpc.StatusCode.NOT_FOUND,
    Conflict: grpc.StatusCode.ABORTED,
    RateLimited: grpc.StatusCode.RESOURCE_EXHAUSTED,
    OperationLimitExceeded: grpc.StatusCode.RESOURCE_EXHAUSTED,
    Overloaded: grpc.StatusCode.UNAVAILABLE,
    UpstreamUnavailable: grpc.StatusCode.UNAVAILABLE,
    UpstreamTimeout: grpc.StatusCode.DEADLINE_EXCEEDED,
}


def status_code(error: GatewayError) -> grpc.StatusCode:
    """The status of the nearest class in the error's hierarchy that the table names."""
    for cls in type(error).__mro__:
        if cls in STATUS_CODES:
            return STATUS_CODES[cls]
    raise LookupError(f"{type(error).__name__} has no gRPC status: add it to STATUS_CODES")


def _pack(message: Message) -> any_pb2.Any:
    packed = any_pb2.Any()
    packed.Pack(message)
    return packed


def _status(code: grpc.StatusCode, message: str, details: list[any_pb2.Any]) -> grpc.Status:
    number: int = code.value[0]
    return rpc_status.to_status(status_pb2.Status(code=number, message=message, details=details))


def rich_status(error: GatewayError, request_id: str, input_field: str) -> grpc.Status:
    """google.rpc.Status: one ErrorInfo always (with the request id); BadRequest for every INVALID_ARGUMENT, on
    ``input_field`` (the request field that carried the input) when the error names no field of its own, as an
    upstream 400 with a text ``detail`` does; RetryInfo when a delay is known."""
    metadata = {"request_id": request_id}
    if error.upstream_status is not None:
        metadata["upstream_status"] = str(error.upstream_status)
    if isinstance(error, OperationLimitExceeded):
        metadata.update({key: str(value) for key, value in error.details().items()})
    details = [_pack(error_details_pb2.ErrorInfo(reason=error.code.value, domain=ERROR_DOMAIN, metadata=metadata))]
    if isinstance(error, BadUserInput):
        violations = [
            error_details_pb2.BadRequest.FieldViolation(
                field=".".join(str(part) for part in e.location)[:MAX_TEXT], description=e.message[:MAX_TEXT],
                reason=e.kind[:MAX_TEXT])
            for e in error.field_errors[:MAX_VIOLATIONS]
        ] or [error_details_pb2.BadRequest.FieldViolation(field=input_field, description=error.message[:MAX_TEXT],
                                                          reason="invalid")]
        if len(error.field_errors) > MAX_VIOLATIONS:
            violations.append(error_details_pb2.BadRequest.FieldViolation(
                field=input_field, reason="too_many_violations",
                description=f"and {len(error.field_errors) - MAX_VIOLATIONS} more"))
        details.append(_pack(error_details_pb2.BadRequest(field_violations=violations)))
    if error.retry_after is not None:
        delay = duration_pb2.Duration()
        delay.FromMilliseconds(int(error.retry_after * 1000))
        details.append(_pack(error_details_pb2.RetryInfo(retry_delay=delay)))
    return _status(status_code(error), error.message[:MAX_TEXT], details)


def internal_status(request_id: str) -> grpc.Status:
    """For anything unexpected: no internals, a request id to find the logged traceback."""
    info = error_details_pb2.ErrorInfo(reason=INTERNAL_REASON, domain=ERROR_DOMAIN,
                                       metadata={"request_id": request_id})
    return _status(grpc.StatusCode.INTERNAL, "Internal server error", [_pack(info)])
