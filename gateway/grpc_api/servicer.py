"""The TargetsService servicer: protobuf in, ``resolvers`` calls, protobuf out; errors through one table."""

from __future__ import annotations

import functools
import logging
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

import grpc

from gateway.grpc_api import convert
from gateway.grpc_api.generated import targets_pb2 as pb
from gateway.grpc_api.generated import targets_pb2_grpc as pb_grpc
from gateway.grpc_api.status import internal_status, rich_status
from gateway.runtime import GatewayRuntime
from resolvers.domain.errors import GatewayError, NotFound
from resolvers.domain.models import EnrollItem
from resolvers.operations import export, targets
from resolvers.operations.context import RequestContext
from resolvers.operations.paging import MAX_PAGE_SIZE

logger = logging.getLogger("gateway.grpc")

DEFAULT_PAGE_SIZE = 10
UPLOAD_MEMORY_BYTES = 1024 * 1024  # import chunks beyond this are spooled to a temporary file
Response = TypeVar("Response")
Context = grpc.aio.ServicerContext[Any, Any]


async def _abort(context: Context, error: BaseException) -> None:
    if isinstance(error, GatewayError):
        await context.abort_with_status(rich_status(error))
    request_id = str(dict(context.invocation_metadata() or ()).get("x-request-id", "-"))
    logger.error("Unexpected error in %s (request %s)", type(error).__name__, request_id, exc_info=error)
    await context.abort_with_status(internal_status(request_id))


def unary(method: Callable[..., Awaitable[Response]]) -> Callable[..., Awaitable[Response]]:
    """Gateway errors become their status with details; anything else INTERNAL, masked and logged."""

    @functools.wraps(method)
    async def handler(self: TargetsServicer, request: Any, context: Context) -> Response:
        try:
            return await method(self, request, context)
        except Exception as error:
            await _abort(context, error)
            raise  # unreachable: abort raises

    return handler


def server_stream(method: Callable[..., AsyncIterator[Response]]) -> Callable[..., AsyncIterator[Response]]:
    @functools.wraps(method)
    async def handler(self: TargetsServicer, request: Any, context: Context) -> AsyncIterator[Response]:
        try:
            async for message in method(self, request, context):
                yield message
        except Exception as error:
            await _abort(context, error)

    return handler


class TargetsServicer(pb_grpc.TargetsServiceServicer):
    def __init__(self, runtime: GatewayRuntime) -> None:
        self.runtime = runtime

    def _context(self, context: Context) -> RequestContext:
        """Credentials from metadata, forwarded as received; the caller's deadline bounds upstream calls."""
        metadata = {key.lower(): value for key, value in (context.invocation_metadata() or ())
                    if isinstance(value, str)}
        request_id = metadata.get("x-request-id") or uuid.uuid4().hex
        remaining = context.time_remaining()
        deadline = time.monotonic() + remaining if remaining is not None else None
        return self.runtime.context(self.runtime.caller(metadata, request_id), deadline=deadline)

    @unary
    async def ListTargets(self, request: pb.ListTargetsRequest, context: Context) -> pb.ListTargetsResponse:
        if request.page_size < 0:
            raise convert.invalid("page_size", "must not be negative", "out_of_range")
        page_size = min(request.page_size or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
        project = convert.read_mask(request.read_mask)
        connection = await targets.list_targets(
            self._context(context), convert.parse_uuid(request.campaign_id, "campaign_id"),
            convert.target_filter(request.filter), convert.target_order(request.order),
            first=page_size, after=request.page_token or None, with_aggregations=request.include_aggregations,
            cursor_argument="page_token", size_argument="page_size",
        )
        return pb.ListTargetsResponse(
            targets=[project(edge.node) for edge in connection.edges],
            next_page_token=connection.page_info.end_cursor if connection.page_info.has_next_page else "",
            total_size=connection.total_count,
            aggregations=convert.aggregations(connection.aggregations),
        )

    @server_stream
    async def ExportTargets(self, request: pb.ExportTargetsRequest,
                            context: Context) -> AsyncIterator[pb.ExportTargetsResponse]:
        project = convert.read_mask(request.read_mask)
        pages = export.export_targets(
            self._context(context), convert.parse_uuid(request.campaign_id, "campaign_id"),
            convert.target_filter(request.filter), convert.target_order(request.order),
        )
        async for page in pages:
            # grpc.aio waits for flow control on each message, so the next page is fetched only when read.
            yield pb.ExportTargetsResponse(targets=[project(t) for t in page.targets], total_size=page.total)

    @unary
    async def GetTarget(self, request: pb.GetTargetRequest, context: Context) -> pb.GetTargetResponse:
        project = convert.read_mask(request.read_mask)
        found = await targets.target(self._context(context), convert.parse_uuid(request.campaign_id, "campaign_id"),
                                     convert.parse_uuid(request.target_id, "target_id"))
        if found is None:
            raise NotFound(f"Target {request.target_id} not found in campaign {request.campaign_id}")
        return pb.GetTargetResponse(target=project(found))

    @unary
    async def BatchGetTargets(self, request: pb.BatchGetTargetsRequest,
                              context: Context) -> pb.BatchGetTargetsResponse:
        ids = [convert.parse_uuid(value, f"target_ids.{i}") for i, value in enumerate(request.target_ids)]
        project = convert.read_mask(request.read_mask)
        found = await targets.targets_by_ids(
            self._context(context), convert.parse_uuid(request.campaign_id, "campaign_id"), ids)
        return pb.BatchGetTargetsResponse(
            targets=[project(t) for t in found if t is not None],
            missing_target_ids=[str(i) for i, t in zip(ids, found, strict=True) if t is None],
        )

    def _ids(self, request: Any) -> tuple[Any, Any]:
        return (convert.parse_uuid(request.campaign_id, "campaign_id"),
                convert.parse_uuid(request.target_id, "target_id"))

    @unary
    async def DeleteTarget(self, request: pb.DeleteTargetRequest, context: Context) -> pb.DeleteTargetResponse:
        result = await targets.delete_target(self._context(context), *self._ids(request), purge=request.purge)
        return pb.DeleteTargetResponse(target_id=str(result.target_id), purged=result.purged)

    @unary
    async def RestoreTarget(self, request: pb.RestoreTargetRequest, context: Context) -> pb.RestoreTargetResponse:
        restored = await targets.restore(self._context(context), *self._ids(request))
        return pb.RestoreTargetResponse(target=convert.target(restored))

    @unary
    async def UpdateTargetStage(self, request: pb.UpdateTargetStageRequest,
                                context: Context) -> pb.UpdateTargetStageResponse:
        updated = await targets.update_stage(self._context(context), *self._ids(request), request.stage)
        return pb.UpdateTargetStageResponse(target=convert.target(updated))

    @unary
    async def VerifyTargetGoal(self, request: pb.VerifyTargetGoalRequest,
                               context: Context) -> pb.VerifyTargetGoalResponse:
        verified = await targets.verify_goal(self._context(context), *self._ids(request))
        return pb.VerifyTargetGoalResponse(target=convert.target(verified))

    @unary
    async def EnrollTargets(self, request: pb.EnrollTargetsRequest, context: Context) -> pb.EnrollTargetsResponse:
        items = [EnrollItem(convert.parse_uuid(item.customer_id, f"items.{i}.customer_id"),
                            convert.optional_uuid(item, "assigned_agent_id", f"items.{i}.assigned_agent_id"))
                 for i, item in enumerate(request.items)]
        result = await targets.enroll_targets(
            self._context(context), convert.parse_uuid(request.campaign_id, "campaign_id"), items)
        return pb.EnrollTargetsResponse(requested=result.requested, result=convert.json_value(result.result))

    @unary
    async def CreateCustomerAndEnroll(self, request: pb.CreateCustomerAndEnrollRequest,
                                      context: Context) -> pb.CreateCustomerAndEnrollResponse:
        result = await targets.create_customer_and_enroll(
            self._context(context), convert.parse_uuid(request.campaign_id, "campaign_id"),
            convert.new_customer(request.customer))
        response = pb.CreateCustomerAndEnrollResponse(created=result.created, skipped=result.skipped)
        if result.reason is not None:
            response.reason = result.reason
        return response

    @unary
    async def ImportTargets(self, request_iterator: AsyncIterator[pb.ImportTargetsRequest],
                            context: Context) -> pb.ImportTargetsResponse:
        """Spool the chunks (memory up to 1 MiB, then a temporary file), enforcing the size limit, then forward."""
        ctx = self._context(context)
        limit = ctx.settings.max_upload_bytes
        metadata: pb.ImportTargetsMetadata | None = None
        size = 0
        with tempfile.SpooledTemporaryFile(max_size=UPLOAD_MEMORY_BYTES) as spool:
            async for message in request_iterator:
                if message.HasField("metadata"):
                    if metadata is not None or size:
                        raise convert.invalid("metadata", "must be sent once, in the first message")
                    metadata = message.metadata
                    continue
                if metadata is None:
                    raise convert.invalid("metadata", "must come first, before any chunk", "missing")
                size += len(message.chunk)
                if size > limit:
                    raise convert.invalid("chunk", f"the file exceeds the limit of {limit} bytes", "too_large")
                spool.write(message.chunk)
            if metadata is None:
                raise convert.invalid("metadata", "is required", "missing")
            campaign_id = convert.parse_uuid(metadata.campaign_id, "metadata.campaign_id")
            spool.seek(0)
            result = await targets.import_targets(
                ctx, campaign_id, filename=metadata.file_name, content_type=metadata.content_type,
                file=spool, size=size, skip_if_in_other_campaigns=metadata.skip_if_in_other_campaigns,
            )
        return convert.import_result(result)
