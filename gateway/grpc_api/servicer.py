"""The TargetsService servicer: protobuf in, ``resolvers`` calls, protobuf out; errors through one table."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from typing import Any

from gateway.grpc_api import convert
from gateway.grpc_api.generated import targets_pb2 as pb
from resolvers.domain.errors import NotFound
from resolvers.domain.models import EnrollItem
from resolvers.operations import export, targets
from resolvers.operations.context import RequestContext
from resolvers.operations.paging import MAX_PAGE_SIZE

DEFAULT_PAGE_SIZE = 10
MAX_BATCH_GET = 1000  # ids per BatchGetTargets (proto comment); lookups batch into 200-row pages
UPLOAD_MEMORY_BYTES = 1024 * 1024  # import chunks beyond this are spooled to a temporary file


class TargetsServicer:
    """One method per RPC of TargetsService, each taking the request and its RequestContext. gateway/grpc_api/edge.py
    wraps every one of them (request id, context, error translation), so here is only convert -> resolve ->
    convert."""

    async def ListTargets(self, request: pb.ListTargetsRequest, ctx: RequestContext) -> pb.ListTargetsResponse:
        if request.page_size < 0:
            raise convert.invalid("page_size", "must not be negative", "out_of_range")
        page_size = min(request.page_size or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
        project = convert.read_mask(request.read_mask)
        connection = await targets.list_targets(
            ctx, convert.parse_uuid(request.campaign_id, "campaign_id"),
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

    async def ExportTargets(self, request: pb.ExportTargetsRequest,
                            ctx: RequestContext) -> AsyncIterator[pb.ExportTargetsResponse]:
        project = convert.read_mask(request.read_mask)
        pages = export.export_targets(
            ctx, convert.parse_uuid(request.campaign_id, "campaign_id"),
            convert.target_filter(request.filter), convert.target_order(request.order),
        )
        async for page in pages:
            # Each message waits for the transport: a reader that stops holds the export within flow control's
            # read-ahead (proto comment and README state the measured bound).
            yield pb.ExportTargetsResponse(targets=[project(t) for t in page.targets], total_size=page.total)

    async def GetTarget(self, request: pb.GetTargetRequest, ctx: RequestContext) -> pb.GetTargetResponse:
        project = convert.read_mask(request.read_mask)
        found = await targets.target(ctx, convert.parse_uuid(request.campaign_id, "campaign_id"),
                                     convert.parse_uuid(request.target_id, "target_id"))
        if found is None:
            raise NotFound(f"Target {request.target_id} not found in campaign {request.campaign_id}")
        return pb.GetTargetResponse(target=project(found))

    async def BatchGetTargets(self, request: pb.BatchGetTargetsRequest,
                              ctx: RequestContext) -> pb.BatchGetTargetsResponse:
        if len(request.target_ids) > MAX_BATCH_GET:
            raise convert.invalid("target_ids", f"may name at most {MAX_BATCH_GET} ids (AIP-231), got "
                                                f"{len(request.target_ids)}", "too_long")
        ids = [convert.parse_uuid(value, f"target_ids.{i}") for i, value in enumerate(request.target_ids)]
        project = convert.read_mask(request.read_mask)
        found = await targets.targets_by_ids(
            ctx, convert.parse_uuid(request.campaign_id, "campaign_id"), ids)
        return pb.BatchGetTargetsResponse(
            targets=[project(t) for t in found if t is not None],
            missing_target_ids=[str(i) for i, t in zip(ids, found, strict=True) if t is None],
        )

    def _ids(self, request: Any) -> tuple[Any, Any]:
        return (convert.parse_uuid(request.campaign_id, "campaign_id"),
                convert.parse_uuid(request.target_id, "target_id"))

    async def DeleteTarget(self, request: pb.DeleteTargetRequest, ctx: RequestContext) -> pb.DeleteTargetResponse:
        result = await targets.delete_target(ctx, *self._ids(request), purge=request.purge)
        return pb.DeleteTargetResponse(target_id=str(result.target_id), purged=result.purged)

    async def RestoreTarget(self, request: pb.RestoreTargetRequest, ctx: RequestContext) -> pb.RestoreTargetResponse:
        restored = await targets.restore(ctx, *self._ids(request))
        return pb.RestoreTargetResponse(target=convert.target(restored))

    async def UpdateTargetStage(self, request: pb.UpdateTargetStageRequest,
                                ctx: RequestContext) -> pb.UpdateTargetStageResponse:
        updated = await targets.update_stage(ctx, *self._ids(request), request.stage)
        return pb.UpdateTargetStageResponse(target=convert.target(updated))

    async def VerifyTargetGoal(self, request: pb.VerifyTargetGoalRequest,
                               ctx: RequestContext) -> pb.VerifyTargetGoalResponse:
        verified = await targets.verify_goal(ctx, *self._ids(request))
        return pb.VerifyTargetGoalResponse(target=convert.target(verified))

    async def EnrollTargets(self, request: pb.EnrollTargetsRequest, ctx: RequestContext) -> pb.EnrollTargetsResponse:
        items = [EnrollItem(convert.parse_uuid(item.customer_id, f"items.{i}.customer_id"),
                            convert.optional_uuid(item, "assigned_agent_id", f"items.{i}.assigned_agent_id"))
                 for i, item in enumerate(request.items)]
        result = await targets.enroll_targets(
            ctx, convert.parse_uuid(request.campaign_id, "campaign_id"), items)
        return pb.EnrollTargetsResponse(requested=result.requested, result=convert.json_value(result.result))

    async def CreateCustomerAndEnroll(self, request: pb.CreateCustomerAndEnrollRequest,
                                      ctx: RequestContext) -> pb.CreateCustomerAndEnrollResponse:
        result = await targets.create_customer_and_enroll(
            ctx, convert.parse_uuid(request.campaign_id, "campaign_id"),
            convert.new_customer(request.customer))
        response = pb.CreateCustomerAndEnrollResponse(created=result.created, skipped=result.skipped)
        if result.reason is not None:
            response.reason = result.reason
        return response

    async def ImportTargets(self, request_iterator: AsyncIterator[pb.ImportTargetsRequest],
                            ctx: RequestContext) -> pb.ImportTargetsResponse:
        """Spool the chunks (memory up to 1 MiB, then a temporary file), enforcing the size limit, then forward."""
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
