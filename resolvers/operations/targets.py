"""Transport-free operations on campaign targets: the queries and mutations both facades call."""

from __future__ import annotations

from typing import IO
from uuid import UUID

from resolvers.domain.errors import BadUserInput, FieldError
from resolvers.domain.models import (
    DeleteResult,
    EnrollCustomerResult,
    EnrollItem,
    EnrollResult,
    ImportResult,
    ListQuery,
    NewCustomer,
    Target,
    TargetFilter,
    TargetOrder,
)
from resolvers.operations.context import RequestContext
from resolvers.operations.paging import (
    Edge,
    PageInfo,
    TargetConnection,
    check_page_size,
    decode_cursor,
    list_fingerprint,
)

STAGE_MAX_LENGTH = 64


def _invalid(argument: str, message: str, kind: str = "invalid") -> BadUserInput:
    return BadUserInput(f"'{argument}' {message}", field_errors=(FieldError((argument,), message, kind),))


async def list_targets(ctx: RequestContext, campaign_id: UUID, filter_: TargetFilter, order: TargetOrder, *,
                       first: int, after: str | None, with_aggregations: bool,
                       cursor_argument: str = "after", size_argument: str = "first") -> TargetConnection:
    """One page of a campaign's targets after an opaque cursor; identical pages in a request cost one call."""
    check_page_size(first, argument=size_argument)
    fingerprint = list_fingerprint(campaign_id, filter_, order)
    offset = decode_cursor(after, fingerprint, argument=cursor_argument) + 1 if after else 0
    query = ListQuery(campaign_id, filter_, order, limit=first, offset=offset, include_aggregations=with_aggregations)
    page = await ctx.loaders.target_pages.load(query)
    edges = [Edge(target, fingerprint, offset + i) for i, target in enumerate(page.targets)]
    return TargetConnection(
        total_count=page.total,
        edges=edges,
        page_info=PageInfo(
            has_next_page=offset + len(edges) < page.total,
            has_previous_page=offset > 0,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        aggregations=page.aggregations,
    )


async def target(ctx: RequestContext, campaign_id: UUID, target_id: UUID) -> Target | None:
    """A target by id (soft-deleted ones included), or None; all lookups of a request batch together."""
    return await ctx.loaders.target_by_id.load((campaign_id, target_id))


async def targets_by_ids(ctx: RequestContext, campaign_id: UUID, target_ids: list[UUID]) -> list[Target | None]:
    """Targets in the order asked, None for each id the campaign does not have."""
    return await ctx.loaders.target_by_id.load_many([(campaign_id, t) for t in target_ids])


def _remember(ctx: RequestContext, result: Target) -> Target:
    """Later reads in the same request see what a mutation returned."""
    ctx.loaders.target_by_id.prime((result.campaign_id, result.id), result, force=True)
    return result


async def restore(ctx: RequestContext, campaign_id: UUID, target_id: UUID) -> Target:
    return _remember(ctx, await ctx.upstream.restore_target(ctx.caller, campaign_id, target_id, timeout=ctx.timeout))


def check_stage(stage: str) -> str:
    if not 1 <= len(stage) <= STAGE_MAX_LENGTH:
        raise _invalid("stage", f"must be 1 to {STAGE_MAX_LENGTH} characters long, got {len(stage)}", "out_of_range")
    return stage


async def update_stage(ctx: RequestContext, campaign_id: UUID, target_id: UUID, stage: str) -> Target:
    check_stage(stage)
    return _remember(ctx, await ctx.upstream.update_stage(ctx.caller, campaign_id, target_id, stage,
                                                          timeout=ctx.timeout))


async def verify_goal(ctx: RequestContext, campaign_id: UUID, target_id: UUID) -> Target:
    return _remember(ctx, await ctx.upstream.verify_goal(ctx.caller, campaign_id, target_id, timeout=ctx.timeout))


async def delete_target(ctx: RequestContext, campaign_id: UUID, target_id: UUID, *, purge: bool) -> DeleteResult:
    result = await ctx.upstream.delete_target(ctx.caller, campaign_id, target_id, purge=purge, timeout=ctx.timeout)
    ctx.loaders.target_by_id.forget((campaign_id, target_id))
    return result


async def enroll_targets(ctx: RequestContext, campaign_id: UUID, items: list[EnrollItem]) -> EnrollResult:
    if not items:
        raise _invalid("items", "must name at least one customer", "too_short")
    if len(items) > ctx.settings.max_enroll_items:
        raise _invalid("items", f"may name at most {ctx.settings.max_enroll_items} customers", "too_long")
    return await ctx.upstream.enroll_targets(ctx.caller, campaign_id, items, timeout=ctx.timeout)


async def create_customer_and_enroll(ctx: RequestContext, campaign_id: UUID,
                                     customer: NewCustomer) -> EnrollCustomerResult:
    if not customer.external_id.strip():
        raise _invalid("externalId", "must not be empty", "too_short")
    if not (customer.email or customer.phone):
        raise BadUserInput(
            "At least one of email or phone is required to check for duplicates",
            field_errors=(FieldError(("email",), "email or phone is required", "missing"),
                          FieldError(("phone",), "email or phone is required", "missing")),
        )
    return await ctx.upstream.create_customer_and_enroll(ctx.caller, campaign_id, customer, timeout=ctx.timeout)


async def import_targets(ctx: RequestContext, campaign_id: UUID, *, filename: str, content_type: str,
                         file: IO[bytes], size: int | None, skip_if_in_other_campaigns: bool) -> ImportResult:
    """Forward an import file upstream as multipart field ``file``, refusing oversized files first."""
    limit = ctx.settings.max_upload_bytes
    if size is not None and size > limit:
        raise _invalid("file", f"is {size} bytes; the limit is {limit} bytes", "too_large")
    if size == 0:
        raise _invalid("file", "is empty", "empty")
    result = await ctx.upstream.import_targets(
        ctx.caller, campaign_id, filename=filename or "upload", content_type=content_type or "application/octet-stream",
        file=file, skip_if_in_other_campaigns=skip_if_in_other_campaigns, timeout=ctx.timeout,
    )
    if result.target is not None:
        _remember(ctx, result.target)
    return result
