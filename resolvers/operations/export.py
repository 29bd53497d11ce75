"""Streaming a whole filtered list page by page, fetching the next upstream page only when asked."""

from __future__ import annotations

from collections.abc import AsyncIterator
from uuid import UUID

from resolvers.domain.models import ListQuery, TargetFilter, TargetOrder, TargetPage
from resolvers.operations.context import RequestContext

EXPORT_PAGE_SIZE = 200


async def export_targets(ctx: RequestContext, campaign_id: UUID, filter_: TargetFilter, order: TargetOrder, *,
                         page_size: int = EXPORT_PAGE_SIZE) -> AsyncIterator[TargetPage]:
    """Every matching target, a page at a time. Bypasses the loader cache so memory stays flat in list size.

    An export's pages are paced by its reader (one is fetched when the previous went to the transport), so they
    are not counted against the request's upstream-call budget: a 10,000-target export is 50 calls by design."""
    ctx.caller.ledger.limit = None
    offset = 0
    while True:
        query = ListQuery(campaign_id, filter_, order, limit=page_size, offset=offset)
        page = await ctx.upstream.list_targets(ctx.caller, query, timeout=ctx.timeout)
        if page.targets:
            yield page
        offset += len(page.targets)
        if not page.targets or offset >= page.total:
            return
