"""Per-request DataLoaders: identical list requests share one call; target lookups batch into list pages and
first look at the pages the request already listed."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import replace
from functools import cached_property
from typing import Any, TypeVar
from uuid import UUID

from strawberry.dataloader import DataLoader

from resolvers.domain.kinds import canonical_uuid
from resolvers.domain.models import DeletedFilter, ListQuery, Target, TargetFilter, TargetOrder, TargetPage

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
TargetKey = tuple[UUID, UUID]  # (campaign_id, target_id)
LOOKUP_PAGE_SIZE = 200


class EvictingDataLoader(DataLoader[K, V]):
    """A DataLoader that forgets failed keys, so a later load in the same request tries again.

    strawberry's DataLoader caches the future of every key, failed ones included.
    """

    def load(self, key: K) -> Awaitable[V]:
        future = super().load(key)
        if isinstance(future, asyncio.Future) and not future.done():
            future.add_done_callback(lambda done: self._evict_if_failed(key, done))
        return future

    def forget(self, key: K) -> None:
        """Drop a key if cached (strawberry's ``clear`` raises for an absent key)."""
        if self.cache_map.get(key) is not None:
            self.clear(key)

    def _evict_if_failed(self, key: K, future: asyncio.Future[Any]) -> None:
        if (future.cancelled() or future.exception() is not None) and self.cache_map.get(key) is future:
            self.clear(key)


ListTargets = Callable[[ListQuery], Awaitable[TargetPage]]
FindTargets = Callable[[ListQuery, set[UUID]], Awaitable[tuple[dict[UUID, Target], int, int]]]


class Loaders:
    """The loaders of one request; created with the request's context, so nothing is shared across callers."""

    def __init__(self, list_targets: ListTargets, find_targets: FindTargets, concurrency: int,
                 observe_batch: Callable[[str, int], None] = lambda loader, size: None) -> None:
        self._arguments = (list_targets, find_targets, concurrency, observe_batch)

    # Made on first use: a mutation or an RPC that never lists pays nothing for them.
    @cached_property
    def _batches(self) -> _Batches:
        return _Batches(*self._arguments)  # holds no loader: no cycle

    @cached_property
    def target_pages(self) -> EvictingDataLoader[ListQuery, TargetPage]:
        return EvictingDataLoader(self._batches.load_pages)

    @cached_property
    def target_by_id(self) -> EvictingDataLoader[TargetKey, Target | None]:
        return EvictingDataLoader(self._batches.load_targets)


class _Batches:
    """The batch functions behind a request's loaders and what they share: the request's upstream concurrency
    and the targets of the pages it listed, by campaign."""

    def __init__(self, list_targets: ListTargets, find_targets: FindTargets, concurrency: int,
                 observe_batch: Callable[[str, int], None]) -> None:
        self._observe_batch = observe_batch
        self._list_targets = list_targets
        self._find_targets = find_targets
        self._limit = asyncio.Semaphore(concurrency)
        self._listed: dict[UUID, list[Target]] = defaultdict(list)

    async def _bounded_list(self, query: ListQuery) -> TargetPage:
        async with self._limit:
            return await self._list_targets(query)

    async def load_pages(self, queries: list[ListQuery]) -> Sequence[TargetPage | BaseException]:
        """One upstream call per distinct list; a list asked with and without aggregations is fetched once."""
        self._observe_batch("target_pages", len(queries))
        wanted: dict[ListQuery, bool] = {}
        for query in queries:
            base = replace(query, include_aggregations=False)
            wanted[base] = wanted.get(base, False) or query.include_aggregations
        bases = list(wanted)
        results = await asyncio.gather(
            *(self._bounded_list(replace(b, include_aggregations=wanted[b])) for b in bases),
            return_exceptions=True,
        )
        by_base = dict(zip(bases, results, strict=True))
        for base, page in by_base.items():
            if isinstance(page, TargetPage):
                self._listed[base.campaign_id].extend(page.targets)
        return [by_base[replace(query, include_aggregations=False)] for query in queries]

    async def load_targets(self, keys: list[TargetKey]) -> Sequence[Target | BaseException | None]:
        """Look targets up per campaign through list pages (deleted included), stopping when all are found."""
        self._observe_batch("target_by_id", len(keys))
        by_campaign: dict[UUID, set[UUID]] = defaultdict(set)
        for campaign_id, target_id in keys:
            by_campaign[campaign_id].add(target_id)
        campaigns = list(by_campaign)
        results = await asyncio.gather(*(self._scan(c, by_campaign[c]) for c in campaigns), return_exceptions=True)
        found: dict[UUID, dict[UUID, Target] | BaseException] = dict(zip(campaigns, results, strict=True))
        out: list[Target | BaseException | None] = []
        for campaign_id, target_id in keys:
            campaign_result = found[campaign_id]
            out.append(campaign_result if isinstance(campaign_result, BaseException)
                       else campaign_result.get(target_id))
        return out

    def _already_listed(self, campaign_id: UUID, wanted: set[UUID]) -> dict[UUID, Target]:
        """Wanted targets on pages this request already listed, matched by the row's canonical id text (no UUID
        parsing unless the upstream spelled an id unusually), as upstream pages are matched."""
        by_text = {str(w): w for w in wanted}
        found: dict[UUID, Target] = {}
        for target in self._listed.get(campaign_id, ()):
            text = canonical_uuid(target.row.get("id"))
            key = by_text.get(text) if text is not None else None
            if key is not None:
                found[key] = target
        return found

    async def _scan(self, campaign_id: UUID, wanted: set[UUID]) -> dict[UUID, Target]:
        """The first page gives the campaign's size; the others are then read concurrently (at most the request's
        upstream concurrency at once), and the scan stops as soon as every wanted target was found."""
        found = self._already_listed(campaign_id, wanted)
        if len(found) == len(wanted):
            return found
        rows, total = await self._scan_page(campaign_id, 0, wanted, found)
        if len(found) == len(wanted) or not rows or rows >= total:
            return found
        pages = [asyncio.ensure_future(self._scan_page(campaign_id, offset, wanted, found))
                 for offset in range(rows, total, LOOKUP_PAGE_SIZE)]
        try:
            for page in asyncio.as_completed(pages):
                await page
                if len(found) == len(wanted):
                    break
        finally:
            for page in pages:
                page.cancel()  # found them all, or failed: the pages still waiting are not read
            await asyncio.gather(*pages, return_exceptions=True)
        return found

    async def _scan_page(self, campaign_id: UUID, offset: int, wanted: set[UUID],
                         found: dict[UUID, Target]) -> tuple[int, int]:
        query = ListQuery(campaign_id, TargetFilter(deleted=DeletedFilter.INCLUDE), TargetOrder(),
                          limit=LOOKUP_PAGE_SIZE, offset=offset)
        async with self._limit:
            missing = wanted - found.keys()
            if not missing:
                return 0, 0
            page_found, rows, total = await self._find_targets(query, missing)
        found.update(page_found)
        return rows, total
