"""The gRPC edge: one wrapper around every TargetsService RPC sets the request id, builds the request context and
translates errors, so servicer methods only convert, resolve and convert back.

The handlers are built from the service descriptor, not from the generated ``add_..._to_server``: every RPC the
contract declares goes through ``_unary`` or ``_server_stream``, and a servicer missing one fails at start-up
instead of answering UNIMPLEMENTED.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import grpc
from google.protobuf.descriptor import MethodDescriptor

from gateway import request_ids
from gateway.grpc_api.generated import targets_pb2 as pb
from gateway.grpc_api.status import INTERNAL_REASON, internal_status, rich_status
from gateway.runtime import GatewayRuntime
from gateway.telemetry import metrics
from gateway.telemetry.access import Exchange, fingerprint
from gateway.telemetry.tracing import server_span
from resolvers.domain.errors import GatewayError, OperationLimitExceeded
from resolvers.operations.context import RequestContext

logger = logging.getLogger("gateway.grpc")

HALF_CLOSE_GRACE = 0.05  # seconds; grpc.aio delivers a cancellation within loop iterations of the stream's end
REQUEST_ID_KEY = "x-request-id"  # read from the call's metadata, returned in its trailers
SERVICE = pb.DESCRIPTOR.services_by_name["TargetsService"]
Context = grpc.aio.ServicerContext[Any, Any]
# The request field that carries each RPC's main input: where a refusal that names no field of its own (an upstream
# 400 with a text ``detail``) is reported in BadRequest. A test checks every RPC has one and it is a real field.
INPUT_FIELDS: dict[str, str] = {
    "ListTargets": "filter", "ExportTargets": "filter", "GetTarget": "target_id", "BatchGetTargets": "target_ids",
    "DeleteTarget": "target_id", "RestoreTarget": "target_id", "UpdateTargetStage": "stage",
    "VerifyTargetGoal": "target_id", "EnrollTargets": "items", "CreateCustomerAndEnroll": "customer",
    "ImportTargets": "chunk",
}
UnaryRpc = Callable[[Any, RequestContext], Awaitable[Any]]
StreamingRpc = Callable[[Any, RequestContext], AsyncIterator[Any]]


def request_context(runtime: GatewayRuntime, context: Context) -> RequestContext:
    """Credentials from metadata, forwarded as received; a valid ``x-request-id`` or a new one; the caller's
    deadline bounds the upstream calls."""
    metadata = {key.lower(): value for key, value in (context.invocation_metadata() or ()) if isinstance(value, str)}
    request_id = request_ids.request_id(metadata.get(REQUEST_ID_KEY))
    remaining = context.time_remaining()
    deadline = time.monotonic() + remaining if remaining is not None else None
    return runtime.context(runtime.caller(metadata, request_id), deadline=deadline)


@dataclass(frozen=True)
class _Status:
    code: grpc.StatusCode
    details: str
    trailing_metadata: tuple[tuple[str, str | bytes], ...]


def _status(method: MethodDescriptor, error: Exception, request_id: str) -> _Status:
    """Gateway errors become their status with details; anything else INTERNAL, masked and logged once. The
    trailers carry the request id too, as on success."""
    if isinstance(error, GatewayError):
        status = rich_status(error, request_id, INPUT_FIELDS[method.name])
    else:
        logger.error("Unexpected error in %s (request %s)", method.full_name, request_id, exc_info=error)
        status = internal_status(request_id)
    return _Status(status.code, status.details, (*status.trailing_metadata, (REQUEST_ID_KEY, request_id)))


@asynccontextmanager
async def _observed(method: MethodDescriptor, context: Context, ctx: RequestContext,
                    request: Any) -> AsyncIterator[Exchange]:
    """The call's server span, its access-log line and its metrics, around the handler; a failure is turned into
    its status here (so the line and the span know it) and then aborts the call."""
    metadata = {key: value for key, value in (context.invocation_metadata() or ()) if isinstance(value, str)}
    caller = ctx.caller
    exchange = Exchange("grpc", request_id=caller.request_id, credential=fingerprint(caller.authorization or
                                                                                      caller.api_key),
                        operation_name=method.name, operation_type=_KINDS[method.client_streaming,
                                                                            method.server_streaming],
                        ledger=caller.ledger, bytes_in=0 if method.client_streaming else request.ByteSize())
    metrics.child(metrics.ACTIVE_REQUESTS, "grpc").inc()
    attributes = {"rpc.system": "grpc", "rpc.service": SERVICE.full_name, "rpc.method": method.name}
    try:
        with server_span(f"{SERVICE.full_name}/{method.name}", metadata, attributes) as span:
            exchange.capture_trace()
            status: _Status | None = None
            try:
                yield exchange
                exchange.status = "OK"
            except StreamEnded as ended:
                exchange.status = "CANCELLED"
                logger.info("%s: %s (request %s); nothing was sent upstream", method.full_name, ended,
                            caller.request_id)
                raise asyncio.CancelledError from None  # the client is gone or past its deadline: nobody to answer
            except asyncio.CancelledError:
                exchange.status = "CANCELLED"
                raise
            except Exception as error:
                status = _status(method, error, caller.request_id or "")
                exchange.status = status.code.name
                exchange.codes = [error.code.value if isinstance(error, GatewayError) else INTERNAL_REASON]
                if isinstance(error, OperationLimitExceeded):
                    exchange.limits = [error.limit]
            finally:
                if span is not None:
                    span.set_attribute("rpc.grpc.status_code", (status.code if status else grpc.StatusCode.OK
                                                                ).value[0])
            if status is not None:
                await context.abort(status.code, status.details, status.trailing_metadata)
    finally:
        metrics.child(metrics.ACTIVE_REQUESTS, "grpc").dec()
        exchange.finish()


_KINDS = {(False, False): "unary", (True, False): "client_stream", (False, True): "server_stream",
          (True, True): "bidi_stream"}


class StreamEnded(Exception):
    """A client stream that ended without the client's clean half-close: cancelled, or past its deadline."""


async def whole_stream(messages: AsyncIterator[Any], context: Context, exchange: Exchange) -> AsyncIterator[Any]:
    """The client's messages; StreamEnded instead of a normal end when the call was cancelled or its deadline
    passed. grpc.aio ends a cancelled call's request stream as if the client had half-closed, and tells of the
    cancellation a moment later (it cancels the handler's task): so the end of the stream is trusted only after
    HALF_CLOSE_GRACE, during which a cancellation interrupts the handler before anything is sent upstream."""
    async for message in messages:
        exchange.bytes_in += message.ByteSize()
        yield message
    await asyncio.sleep(HALF_CLOSE_GRACE)
    remaining = context.time_remaining()
    if context.cancelled() or context.done() or (remaining is not None and remaining <= 0):
        raise StreamEnded("the client stream ended without a clean half-close")


def _unary(method: MethodDescriptor, implementation: UnaryRpc,
           runtime: GatewayRuntime) -> Callable[..., Awaitable[Any]]:
    """Unary and client-streaming RPCs: one response. A client stream reaches the servicer through
    ``whole_stream``, so nothing is done with a stream the client did not finish."""

    async def handle(request: Any, context: Context) -> Any:
        ctx = request_context(runtime, context)
        context.set_trailing_metadata(((REQUEST_ID_KEY, ctx.caller.request_id or ""),))
        async with _observed(method, context, ctx, request) as exchange:
            if method.client_streaming:
                request = whole_stream(request, context, exchange)
            response = await implementation(request, ctx)
            data: bytes = response.SerializeToString()  # here, not by grpc: its size goes to the access log
            exchange.bytes_out = len(data)
            return data

    handle.__wrapped__ = implementation  # type: ignore[attr-defined]
    return handle


def _server_stream(method: MethodDescriptor, implementation: StreamingRpc,
                   runtime: GatewayRuntime) -> Callable[..., AsyncIterator[Any]]:
    async def handle(request: Any, context: Context) -> AsyncIterator[Any]:
        ctx = request_context(runtime, context)
        context.set_trailing_metadata(((REQUEST_ID_KEY, ctx.caller.request_id or ""),))
        async with _observed(method, context, ctx, request) as exchange:
            async for message in implementation(request, ctx):
                data: bytes = message.SerializeToString()
                exchange.bytes_out += len(data)
                yield data

    handle.__wrapped__ = implementation  # type: ignore[attr-defined]
    return handle


def rpc_handlers(servicer: object, runtime: GatewayRuntime) -> dict[str, grpc.RpcMethodHandler[Any, Any]]:
    """Every RPC of the service descriptor, wrapped by the edge; TypeError when the servicer lacks one."""
    handlers: dict[str, grpc.RpcMethodHandler[Any, Any]] = {}
    for method in SERVICE.methods:
        implementation = getattr(servicer, method.name, None)
        if not callable(implementation):
            raise TypeError(f"{type(servicer).__name__} does not implement {method.full_name}")
        # responses are serialized by the edge (its access log counts their bytes), so grpc sends them as they are
        codecs: dict[str, Any] = {"request_deserializer": getattr(pb, method.input_type.name).FromString,
                                  "response_serializer": None}
        if method.server_streaming and not method.client_streaming:
            handlers[method.name] = grpc.unary_stream_rpc_method_handler(
                _server_stream(method, implementation, runtime), **codecs)
        elif method.client_streaming and not method.server_streaming:
            handlers[method.name] = grpc.stream_unary_rpc_method_handler(
                _unary(method, implementation, runtime), **codecs)
        elif not method.client_streaming:
            handlers[method.name] = grpc.unary_unary_rpc_method_handler(
                _unary(method, implementation, runtime), **codecs)
        else:
            raise NotImplementedError(f"{method.full_name}: bidirectional streams have no edge wrapper yet")
    return handlers


def add_to_server(servicer: object, runtime: GatewayRuntime, server: grpc.aio.Server) -> None:
    handlers = rpc_handlers(servicer, runtime)
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(SERVICE.full_name, handlers),))
    server.add_registered_method_handlers(SERVICE.full_name, handlers)
