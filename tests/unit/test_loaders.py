"""Lookups first use the pages a request already listed: upstream calls counted over the in-process sandbox."""

from __future__ import annotations

import asyncio
import gc
import weakref
from collections.abc import Callable
from uuid import UUID

import httpx

from resolvers.domain.models import Target, TargetFilter, TargetOrder
from resolvers.operations import targets
from resolvers.operations.context import RequestContext
from resolvers.upstream import Caller, UpstreamClient
from sandbox import DEMO_API_KEY, DEMO_CAMPAIGN_ID, Sandbox, Store, seed_demo

CAMPAIGN = UUID(DEMO_CAMPAIGN_ID)
UNKNOWN = UUID("00000000-0000-4000-8000-000000000000")


def list_then_look_up(pick: Callable[[list[UUID]], list[UUID]]) -> tuple[list[UUID], list[Target | None], list[str]]:
    """List 10 targets, then look up ``pick(listed ids)`` in the same request: (asked, found, upstream calls)."""
    store = Store(":memory:")
    seed_demo(store)
    calls: list[str] = []
    inner = httpx.ASGITransport(app=Sandbox(store))

    async def counting(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.query.decode())
        return await inner.handle_async_request(request)

    async def scenario() -> tuple[list[UUID], list[Target | None]]:
        client = UpstreamClient("http://sandbox", transport=httpx.MockTransport(counting))
        ctx = RequestContext(client, Caller(api_key=DEMO_API_KEY))
        page = await targets.list_targets(ctx, CAMPAIGN, TargetFilter(), TargetOrder(), first=10, after=None,
                                          with_aggregations=False)
        asked = pick([t.id for t in page.nodes])
        found = await targets.targets_by_ids(ctx, CAMPAIGN, asked)
        await client.aclose()
        return asked, found

    try:
        asked, found = asyncio.run(scenario())
        return asked, found, calls
    finally:
        store.close()


def test_lookups_of_listed_targets_cost_no_call() -> None:
    asked, found, calls = list_then_look_up(lambda listed: [listed[7], listed[2]])
    assert [t.id if t else None for t in found] == asked
    assert len(calls) == 1 and "limit=10" in calls[0]


def test_lookups_not_on_the_listed_page_scan_only_for_those() -> None:
    asked, found, calls = list_then_look_up(lambda listed: [listed[0], UNKNOWN])
    assert found[0] is not None and found[0].id == asked[0] and found[1] is None
    # the unknown id needs the whole campaign (300 targets): two 200-row pages, deleted targets included
    assert len(calls) == 3 and all("limit=200" in c and "include_deleted=true" in c for c in calls[1:])


def test_a_finished_requests_targets_are_freed_without_the_cyclic_collector() -> None:
    """Nothing a request's loaders hold may point back at them: a cycle there kept every finished request's pages
    alive until a full collection, which then had all of them to scan."""
    store = Store(":memory:")
    seed_demo(store)

    async def scenario() -> list[weakref.ref[Target]]:
        client = UpstreamClient("http://sandbox", transport=httpx.ASGITransport(app=Sandbox(store)))
        ctx = RequestContext(client, Caller(api_key=DEMO_API_KEY))
        page = await targets.list_targets(ctx, CAMPAIGN, TargetFilter(), TargetOrder(), first=10, after=None,
                                          with_aggregations=True)
        found = await targets.targets_by_ids(ctx, CAMPAIGN, [page.nodes[0].id, UNKNOWN])
        refs = [weakref.ref(t) for t in [*page.nodes, *(f for f in found if f is not None)]]
        assert all(r() is not None for r in refs)
        del ctx, page, found
        await client.aclose()
        return refs

    gc.collect()
    gc.disable()
    try:
        refs = asyncio.run(scenario())
        alive = sum(r() is not None for r in refs)
    finally:
        gc.enable()
        store.close()
    assert alive == 0
