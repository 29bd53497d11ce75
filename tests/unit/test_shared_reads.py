"""In-flight read sharing in the upstream client, against an httpx.MockTransport that holds calls open."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from resolvers.domain.errors import ErrorCode, GatewayError, NotFound, UpstreamTimeout
from resolvers.domain.models import ListQuery, TargetFilter, TargetOrder
from resolvers.upstream import Caller, UpstreamClient
from tests.unit.upstream_rows import TYPICAL

CAMPAIGN, OTHER_CAMPAIGN = uuid.uuid4(), uuid.uuid4()
ALICE, BOB = Caller(api_key="alice"), Caller(api_key="bob")


def page(campaign: uuid.UUID, stage: str = "new") -> dict[str, Any]:
    row = {**TYPICAL, "id": str(uuid.uuid4()), "campaign_id": str(campaign), "stage": stage}
    return {"data": [row], "meta": {"total": 1, "limit": 10, "offset": 0}}


class HeldUpstream:
    """Answers list calls only when released, so calls stay in flight; records every request and cancellation."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.requests: list[httpx.Request] = []
        self.cancelled = 0
        self.release = asyncio.Event()
        self.stage = "new"

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.method != "GET":
            self.stage = "written"
            return httpx.Response(200, json={**TYPICAL, "campaign_id": str(CAMPAIGN), "stage": "written"})
        try:
            await self.release.wait()
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        if self.status != 200:
            return httpx.Response(self.status, json={"detail": "Campaign not found"})
        return httpx.Response(200, json=page(uuid.UUID(request.url.path.split("/")[2]), self.stage))

    def reads(self) -> list[httpx.Request]:
        return [r for r in self.requests if r.method == "GET"]


def query(campaign: uuid.UUID = CAMPAIGN) -> ListQuery:
    return ListQuery(campaign, TargetFilter(), TargetOrder(), limit=10, offset=0)


def with_client(upstream: HeldUpstream, test: Callable[[UpstreamClient], Awaitable[None]],
                share_reads: bool = True) -> None:
    async def run() -> None:
        client = UpstreamClient("http://upstream.test", transport=httpx.MockTransport(upstream),
                                share_reads=share_reads)
        try:
            await test(client)
        finally:
            await client.aclose()

    asyncio.run(run())


async def settle() -> None:
    """Let every started task reach the upstream."""
    for _ in range(20):
        await asyncio.sleep(0)


async def identical_reads(client: UpstreamClient, count: int) -> list[asyncio.Task[Any]]:
    """``count`` identical list reads by one caller, started and waiting on the upstream."""
    reads = [asyncio.create_task(client.list_targets(ALICE, query())) for _ in range(count)]
    await settle()
    return reads


def test_identical_reads_in_flight_share_one_call_and_its_answer() -> None:
    upstream = HeldUpstream()

    async def test(client: UpstreamClient) -> None:
        reads = await identical_reads(client, 5)
        upstream.release.set()
        pages = await asyncio.gather(*reads)
        assert len(upstream.reads()) == 1
        assert {p.targets[0].id for p in pages} == {pages[0].targets[0].id}
        assert client.shared_reads.joined == 4
        assert len(client.shared_reads) == 0, "nothing stays behind once the call is answered"

    with_client(upstream, test)


def test_reads_never_share_across_credentials_campaigns_or_queries() -> None:
    upstream = HeldUpstream()

    async def test(client: UpstreamClient) -> None:
        reads = [client.list_targets(ALICE, query()), client.list_targets(BOB, query()),
                 client.list_targets(ALICE, query(OTHER_CAMPAIGN)),
                 client.list_targets(ALICE, ListQuery(CAMPAIGN, TargetFilter(), TargetOrder(), limit=10, offset=10))]
        tasks = [asyncio.create_task(r) for r in reads]
        await settle()
        upstream.release.set()
        await asyncio.gather(*tasks)
        assert sorted(r.headers["x-api-key"] for r in upstream.reads()) == ["alice", "alice", "alice", "bob"]
        assert client.shared_reads.joined == 0

    with_client(upstream, test)


def test_reads_after_an_answer_make_their_own_call() -> None:
    upstream = HeldUpstream()
    upstream.release.set()

    async def test(client: UpstreamClient) -> None:
        await client.list_targets(ALICE, query())
        await client.list_targets(ALICE, query())
        assert len(upstream.reads()) == 2

    with_client(upstream, test)


def test_a_write_to_the_campaign_keeps_later_reads_from_joining_older_ones() -> None:
    upstream = HeldUpstream()

    async def test(client: UpstreamClient) -> None:
        before = asyncio.create_task(client.list_targets(ALICE, query()))
        other = asyncio.create_task(client.list_targets(ALICE, query(OTHER_CAMPAIGN)))
        await settle()
        await client.update_stage(ALICE, CAMPAIGN, uuid.uuid4(), "written")
        after = asyncio.create_task(client.list_targets(ALICE, query()))
        other_after = asyncio.create_task(client.list_targets(ALICE, query(OTHER_CAMPAIGN)))
        await settle()
        upstream.release.set()
        assert (await after).targets[0].stage == "written", "the read started after the write saw it"
        await asyncio.gather(before, other, other_after)
        assert len(upstream.reads()) == 3, "the other campaign's reads still shared a call"

    with_client(upstream, test)


def test_each_waiter_keeps_its_own_deadline() -> None:
    upstream = HeldUpstream()

    async def test(client: UpstreamClient) -> None:
        patient = asyncio.create_task(client.list_targets(ALICE, query(), timeout=30))
        await settle()
        with pytest.raises(UpstreamTimeout):
            await client.list_targets(ALICE, query(), timeout=0.05)
        assert not patient.done() and upstream.cancelled == 0
        upstream.release.set()
        assert len((await patient).targets) == 1
        assert len(upstream.reads()) == 1

    with_client(upstream, test)


def test_the_call_is_cancelled_when_every_waiter_has_gone() -> None:
    upstream = HeldUpstream()

    async def test(client: UpstreamClient) -> None:
        reads = await identical_reads(client, 3)
        for read in reads[:2]:
            read.cancel()
        await settle()
        assert upstream.cancelled == 0, "one waiter is still there"
        reads[2].cancel()
        await settle()
        assert upstream.cancelled == 1
        assert len(client.shared_reads) == 0
        await asyncio.gather(*reads, return_exceptions=True)

    with_client(upstream, test)


def test_a_shared_failure_reaches_every_waiter_as_its_own_error() -> None:
    upstream = HeldUpstream(status=404)

    async def test(client: UpstreamClient) -> None:
        reads = await identical_reads(client, 3)
        upstream.release.set()
        errors = await asyncio.gather(*reads, return_exceptions=True)
        assert all(isinstance(e, NotFound) and e.upstream_status == 404 for e in errors)
        assert len({id(e) for e in errors}) == 3
        assert all(isinstance(e, GatewayError) and e.code is ErrorCode.NOT_FOUND for e in errors)
        assert len(upstream.reads()) == 1

    with_client(upstream, test)


def test_sharing_can_be_turned_off() -> None:
    upstream = HeldUpstream()

    async def test(client: UpstreamClient) -> None:
        reads = await identical_reads(client, 3)
        upstream.release.set()
        await asyncio.gather(*reads)
        assert len(upstream.reads()) == 3

    with_client(upstream, test, share_reads=False)


def test_lookups_share_the_page_and_each_finds_its_own_targets() -> None:
    upstream = HeldUpstream()

    async def test(client: UpstreamClient) -> None:
        lookups = [asyncio.create_task(client.find_targets(ALICE, query(), {uuid.uuid4()})) for _ in range(2)]
        await settle()
        upstream.release.set()
        for found, rows, total in await asyncio.gather(*lookups):
            assert (found, rows, total) == ({}, 1, 1)
        assert len(upstream.reads()) == 1

    with_client(upstream, test)
