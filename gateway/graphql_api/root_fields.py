"""The schema's resolver fields, written once: strawberry's resolvers (schema.py) and the fast path's compiled
plans (fast_path.py) both call these, so both executors send the same requests to the operations."""

from __future__ import annotations

from uuid import UUID

from gateway.graphql_api.types import TargetFilterInput, TargetSortInput
from resolvers.domain.models import TargetFilter, TargetOrder
from resolvers.operations import targets as operations
from resolvers.operations.context import RequestContext
from resolvers.operations.paging import TargetConnection

DEFAULT_PAGE_SIZE = 10


async def campaign_targets(ctx: RequestContext, campaign_id: UUID, filter_: TargetFilterInput | None,
                           sort: TargetSortInput | None, first: int | None, after: str | None, *,
                           selected: frozenset[str]) -> TargetConnection:
    """A page of the campaign's list; ``selected``: the connection's fields the operation asks for (aggregations
    are requested upstream only when selected)."""
    return await operations.list_targets(
        ctx, campaign_id, filter_.to_domain() if filter_ else TargetFilter(),
        sort.to_domain() if sort else TargetOrder(),
        first=DEFAULT_PAGE_SIZE if first is None else first, after=after,
        with_aggregations="aggregations" in selected,
    )
