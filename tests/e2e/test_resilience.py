"""Resilience end to end: writes all or nothing, retries by the table, the breaker, shedding, partial data.

Faults come from the sandbox's injection (over real loopback HTTP) and from small misbehaving upstreams on
loopback; every check counts what the upstream received, which is what a user's data depends on."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import grpc
import httpx
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from gateway.grpc_api.generated import targets_pb2 as pb
from gateway.grpc_api.generated import targets_pb2_grpc as pb_grpc
from resolvers.upstream.resilience import ResilienceSettings
from sandbox import DEMO_API_KEY, DEMO_CAMPAIGN_ID, FaultConfig, Sandbox
from tests.support.grpc_calls import AUTH, details, fails
from tests.support.servers import GatewayHandle, RunningGateway, SandboxHandle, multipart_import_head, start_gateway

CSV_HEAD = b"customer_id,name,email,phone\n"
HEADERS = {"X-API-Key": DEMO_API_KEY}


def import_calls(sandbox: SandboxHandle, campaign: str) -> list[Any]:
    return [c for c in sandbox.app.request_log.snapshot() if c.path == f"/campaigns/{campaign}/targets:import"]


def stalled_import(campaign: str, release: threading.Event) -> Iterator[pb.ImportTargetsRequest]:
    """An import whose second chunk ends mid-row (a phone cut short), and then nothing until ``release``."""
    yield pb.ImportTargetsRequest(metadata=pb.ImportTargetsMetadata(campaign_id=campaign, file_name="p.csv",
                                                                    content_type="text/csv"))
    yield pb.ImportTargetsRequest(chunk=CSV_HEAD + b"CUT-1,Ada,ada@example.com,+39111222333\n")
    yield pb.ImportTargetsRequest(chunk=b"CUT-2,Bob,bob@example.com,+3922")
    release.wait(10)


@pytest.fixture(scope="module")
def stub(running_gateway: RunningGateway) -> Iterator[pb_grpc.TargetsServiceStub]:
    with grpc.insecure_channel(running_gateway.grpc_address) as channel:
        yield pb_grpc.TargetsServiceStub(channel)


def test_a_cancelled_grpc_import_never_reaches_the_upstream(stub: pb_grpc.TargetsServiceStub,
                                                            sandbox: SandboxHandle) -> None:
    for _ in range(3):
        campaign = sandbox.new_campaign(0)
        release = threading.Event()
        call = stub.ImportTargets.future(stalled_import(campaign, release), metadata=AUTH)
        time.sleep(0.3)  # both chunks are in the gateway
        call.cancel()
        release.set()
        time.sleep(0.5)
        assert import_calls(sandbox, campaign) == []
        with sandbox.client() as api:
            assert api.get(f"/campaigns/{campaign}/targets").json()["meta"]["total"] == 0


def test_a_grpc_import_stopped_by_its_deadline_never_reaches_the_upstream(stub: pb_grpc.TargetsServiceStub,
                                                                          sandbox: SandboxHandle) -> None:
    campaign = sandbox.new_campaign(0)
    release = threading.Event()
    error = fails(stub.ImportTargets, stalled_import(campaign, release), metadata=AUTH, timeout=0.5)
    release.set()
    assert error.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    time.sleep(0.5)
    assert import_calls(sandbox, campaign) == []


def test_a_graphql_upload_whose_client_disconnects_never_reaches_the_upstream(gateway: GatewayHandle,
                                                                            sandbox: SandboxHandle) -> None:
    campaign = sandbox.new_campaign(0)
    body = multipart_import_head(campaign, "cut", "p.csv") + CSV_HEAD + b"CUT-3,Cy,cy@example.com,+3922"
    head = (b"POST /graphql HTTP/1.1\r\nHost: x\r\nX-API-Key: umanize-demo-key\r\nGraphQL-Preflight: 1\r\n"
            b"Content-Type: multipart/form-data; boundary=cut\r\nContent-Length: %d\r\n\r\n" % (len(body) + 5000))
    import socket

    host, port = gateway.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port))) as client:
        client.sendall(head + body)  # 5,000 bytes short: the client goes away mid-file
        time.sleep(0.3)
    time.sleep(0.5)
    assert import_calls(sandbox, campaign) == []
    assert httpx.get(gateway.url + "/healthz").status_code == 200



# ---- retries, by the table -------------------------------------------------------------------------------------

def list_calls(sandbox: SandboxHandle, campaign: str) -> int:
    return sum(c.path == f"/campaigns/{campaign}/targets" for c in sandbox.app.request_log.snapshot())


@pytest.mark.parametrize("transient", [1, 2])
def test_a_read_behind_transient_503s_succeeds_with_one_call_more(each_executor: GatewayHandle, faults: Sandbox,
                                                                  sandbox: SandboxHandle, transient: int) -> None:
    campaign = sandbox.new_campaign(3)
    faults.faults.configure(FaultConfig(error_count=transient, error_status=503, path_contains=campaign))
    sandbox.app.request_log.clear()
    body = each_executor.graphql('{ campaign(id: "%s") { targets { totalCount } } }' % campaign)
    assert body == {"data": {"campaign": {"targets": {"totalCount": 3}}}}
    assert list_calls(sandbox, campaign) == transient + 1


def test_a_read_behind_more_503s_than_retries_fails_after_three_calls(gateway: GatewayHandle, faults: Sandbox,
                                                                      sandbox: SandboxHandle) -> None:
    campaign = sandbox.new_campaign(3)
    faults.faults.configure(FaultConfig(error_count=3, error_status=503, path_contains=campaign))
    sandbox.app.request_log.clear()
    [error] = gateway.graphql('{ campaign(id: "%s") { targets { totalCount } } }' % campaign)["errors"]  # type: ignore[misc]
    assert error["extensions"]["code"] == "UPSTREAM_UNAVAILABLE"
    assert list_calls(sandbox, campaign) == 3  # the first attempt and --upstream-retries 2


def test_a_rate_limit_with_retry_after_is_waited_out_when_it_fits(gateway: GatewayHandle, faults: Sandbox,
                                                                  sandbox: SandboxHandle) -> None:
    campaign = sandbox.new_campaign(2)
    faults.faults.configure(FaultConfig(error_count=1, error_status=429, retry_after=0.2, path_contains=campaign))
    sandbox.app.request_log.clear()
    started = time.monotonic()
    body = gateway.graphql('{ campaign(id: "%s") { targets { totalCount } } }' % campaign)
    assert body == {"data": {"campaign": {"targets": {"totalCount": 2}}}}
    assert list_calls(sandbox, campaign) == 2
    assert time.monotonic() - started >= 0.2


def test_verify_goal_behind_a_503_makes_exactly_one_call(stub: pb_grpc.TargetsServiceStub, faults: Sandbox,
                                                         sandbox: SandboxHandle) -> None:
    campaign = sandbox.new_campaign(1)
    with sandbox.client() as api:
        target = api.get(f"/campaigns/{campaign}/targets").json()["data"][0]["id"]
    faults.faults.configure(FaultConfig(error_count=1, error_status=503, path_contains="/verify-goal"))
    sandbox.app.request_log.clear()
    error = fails(stub.VerifyTargetGoal, pb.VerifyTargetGoalRequest(campaign_id=campaign, target_id=target),
                  metadata=AUTH)
    assert error.code() == grpc.StatusCode.UNAVAILABLE
    assert [c.path for c in sandbox.app.request_log.snapshot()] == [
        f"/campaigns/{campaign}/targets/{target}/verify-goal"]


class DropsSecondRequest:
    """A keep-alive upstream that answers a connection's first request and drops the connection on its second,
    without answering: a pooled connection that died. Records every request it received."""

    def __init__(self) -> None:
        self.received: list[str] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            for number in range(2):
                head = await reader.readuntil(b"\r\n\r\n")
                line = head.split(b"\r\n")[0].decode()
                length = next((int(h.split(b":")[1]) for h in head.split(b"\r\n")
                               if h.lower().startswith(b"content-length:")), 0)
                await reader.readexactly(length)
                self.received.append(line)
                if number == 1:
                    return  # dropped: no answer
                body = b'{"data": [], "meta": {"total": 0}}'
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
                             % (len(body), body))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            return
        finally:
            writer.close()


def run_upstream(upstream: DropsSecondRequest) -> tuple[str, Any]:
    loop = asyncio.new_event_loop()
    server = loop.run_until_complete(asyncio.start_server(upstream.handle, "127.0.0.1", 0))
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    port = server.sockets[0].getsockname()[1]

    async def shutdown() -> None:
        server.close()
        current = asyncio.current_task()
        handlers = [task for task in asyncio.all_tasks() if task is not current]
        for task in handlers:
            task.cancel()
        await asyncio.gather(*handlers, return_exceptions=True)

    def stop() -> None:
        asyncio.run_coroutine_threadsafe(shutdown(), loop).result(5)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()

    return f"http://127.0.0.1:{port}", stop


@pytest.mark.parametrize("purge", [True, False])
def test_a_delete_behind_a_dropped_pooled_connection_is_sent_by_the_table(purge: bool) -> None:
    """A purge (not idempotent in effect) is sent once and reported failed; a soft delete is retried on a fresh
    connection. The transport's own silent re-send never happens."""
    upstream = DropsSecondRequest()
    url, stop = run_upstream(upstream)
    running = start_gateway(url, grpc_port=0)
    try:
        with grpc.insecure_channel(running.grpc_address) as channel:
            stub = pb_grpc.TargetsServiceStub(channel)
            stub.ListTargets(pb.ListTargetsRequest(campaign_id=DEMO_CAMPAIGN_ID), metadata=AUTH)  # pools it
            request = pb.DeleteTargetRequest(campaign_id=DEMO_CAMPAIGN_ID, target_id=str(uuid.uuid4()), purge=purge)
            if purge:
                error = fails(stub.DeleteTarget, request, metadata=AUTH)
                assert error.code() == grpc.StatusCode.UNAVAILABLE
            else:
                assert stub.DeleteTarget(request, metadata=AUTH).purged is False
        deletes = [line for line in upstream.received if line.startswith("DELETE")]
        assert len(deletes) == (1 if purge else 2)
    finally:
        running.stop()
        stop()


def test_a_write_whose_connection_is_refused_is_retried(sandbox: SandboxHandle) -> None:
    """Connection refused: the request was certainly never sent, so even verify-goal is retried (here the
    upstream never comes, and every attempt is refused: three attempts, then UNAVAILABLE)."""
    import socket

    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    running = start_gateway(f"http://127.0.0.1:{port}", grpc_port=0)
    try:
        with grpc.insecure_channel(running.grpc_address) as channel:
            error = fails(pb_grpc.TargetsServiceStub(channel).VerifyTargetGoal, pb.VerifyTargetGoalRequest(
                campaign_id=DEMO_CAMPAIGN_ID, target_id=str(uuid.uuid4())), metadata=AUTH)
        assert error.code() == grpc.StatusCode.UNAVAILABLE
        assert running.runtime.upstream.retry_budget.retries == 2
    finally:
        running.stop()


def test_the_retry_budget_caps_retries_under_a_sustained_failure_rate(sandbox: SandboxHandle,
                                                                      faults: Sandbox) -> None:
    settings = ResilienceSettings(breaker_failures=10**9, breaker_error_rate=2.0, budget_floor_per_second=0.5,
                                  backoff_base=0.001)
    running = start_gateway(sandbox.url, resilience=settings)
    campaign = sandbox.new_campaign(1)
    faults.faults.configure(FaultConfig(error_rate=0.5, error_status=503, path_contains=campaign, seed=7))
    try:
        sandbox.app.request_log.clear()
        for _ in range(100):
            post = httpx.post(running.url + "/graphql", json={"query": '{ campaign(id: "%s") { targets { totalCount '
                                                                       "} } }" % campaign}, headers=HEADERS)
            assert post.status_code == 200
        calls = list_calls(sandbox, campaign)
        budget = running.runtime.upstream.retry_budget
        # retries at most 20% of the calls in the window plus the floor (0.5/s over 10 s): far from 2 per request
        assert calls - 100 == budget.retries <= 0.2 * calls + 5
        assert budget.refused > 0
    finally:
        running.stop()


# ---- the breaker and shedding ----------------------------------------------------------------------------------

def test_the_breaker_opens_under_an_outage_and_closes_after_recovery(sandbox: SandboxHandle,
                                                                     faults: Sandbox) -> None:
    settings = ResilienceSettings(breaker_open_seconds=2.0, retries=0, breaker_failures=5)
    running = start_gateway(sandbox.url, resilience=settings, grpc_port=0)
    query = {"query": '{ campaign(id: "%s") { targets { totalCount } } }' % DEMO_CAMPAIGN_ID}
    health = health_pb2.HealthCheckRequest(service="umanize.targets.v1.TargetsService")
    try:
        faults.faults.configure(FaultConfig(error_rate=1, error_status=503))
        sandbox.app.request_log.clear()
        for _ in range(5):  # --breaker-failures
            httpx.post(running.url + "/graphql", json=query, headers=HEADERS)
        assert len(sandbox.app.request_log.snapshot()) == 5
        for _ in range(10):
            [error] = httpx.post(running.url + "/graphql", json=query, headers=HEADERS).json()["errors"]
            assert error["extensions"]["code"] == "UPSTREAM_UNAVAILABLE" and error["extensions"]["retryAfter"] > 0
        assert len(sandbox.app.request_log.snapshot()) == 5, "open: later requests make no upstream call"
        assert httpx.get(running.url + "/readyz").status_code == 503
        with grpc.insecure_channel(running.grpc_address) as channel:
            status = health_pb2_grpc.HealthStub(channel).Check(health).status
            assert status == health_pb2.HealthCheckResponse.NOT_SERVING
            error = fails(pb_grpc.TargetsServiceStub(channel).ListTargets,
                          pb.ListTargetsRequest(campaign_id=DEMO_CAMPAIGN_ID), metadata=AUTH)
            assert error.code() == grpc.StatusCode.UNAVAILABLE and "RetryInfo" in details(error)
        faults.faults.configure(FaultConfig())
        time.sleep(2.1)  # the open period passes: one probe call goes through, succeeds, and closes it
        assert httpx.post(running.url + "/graphql", json=query, headers=HEADERS).json() == {
            "data": {"campaign": {"targets": {"totalCount": 300}}}}
        assert httpx.get(running.url + "/readyz").status_code == 200
        with grpc.insecure_channel(running.grpc_address) as channel:
            deadline = time.monotonic() + 5
            while health_pb2_grpc.HealthStub(channel).Check(health).status != health_pb2.HealthCheckResponse.SERVING:
                assert time.monotonic() < deadline, "health did not return to SERVING"
                time.sleep(0.05)
        assert running.runtime.upstream.breaker.opened == 1
    finally:
        running.stop()


def test_calls_beyond_the_in_flight_cap_are_shed_not_queued_forever(sandbox: SandboxHandle,
                                                                     faults: Sandbox) -> None:
    settings = ResilienceSettings(max_in_flight=2, queue_timeout=0.1, breaker_failures=10**9,
                                  breaker_error_rate=2.0)
    running = start_gateway(sandbox.url, resilience=settings, share_reads=False)
    faults.faults.configure(FaultConfig(latency_ms=500))
    try:
        import concurrent.futures

        query = {"query": '{ campaign(id: "%s") { targets { totalCount } } }' % DEMO_CAMPAIGN_ID}
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(lambda _: httpx.post(running.url + "/graphql", json=query, headers=HEADERS,
                                                         timeout=10).json(), range(8)))
        codes = [a["errors"][0]["extensions"]["code"] if "errors" in a else "ok" for a in answers]
        assert codes.count("ok") >= 2 and codes.count("OVERLOADED") >= 4, codes
        shed = [a["errors"][0] for a in answers if "errors" in a]
        assert all(e["extensions"].get("retryAfter") == 0.1 for e in shed)
        assert running.runtime.upstream.in_flight.shed == codes.count("OVERLOADED")
    finally:
        running.stop()


# ---- partial data ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("fault", ["404", "503", "drop", "timeout"])
def test_one_failing_campaign_leaves_the_others_answered(sandbox: SandboxHandle, faults: Sandbox,
                                                         fault: str) -> None:
    good, bad = sandbox.new_campaign(2), sandbox.new_campaign(2)
    config = {"404": FaultConfig(error_rate=1, error_status=404, path_contains=bad),
              "503": FaultConfig(error_rate=1, error_status=503, path_contains=bad),
              "drop": FaultConfig(drop_rate=1, path_contains=bad),
              "timeout": FaultConfig(latency_ms=2000, path_contains=bad)}[fault]
    code = {"404": "NOT_FOUND", "503": "UPSTREAM_UNAVAILABLE", "drop": "UPSTREAM_UNAVAILABLE",
            "timeout": "UPSTREAM_TIMEOUT"}[fault]
    query = ("query($ids: [UUID!]!) { campaigns(ids: $ids) { id targets { totalCount } } }")
    for fast_path in (True, False):
        running = start_gateway(sandbox.url, upstream_timeout=0.3, fast_path=fast_path)
        faults.faults.configure(config)
        try:
            body = httpx.post(running.url + "/graphql", json={"query": query, "variables": {"ids": [good, bad]}},
                              headers=HEADERS, timeout=10).json()
            assert body["data"] == {"campaigns": [{"id": good, "targets": {"totalCount": 2}}, None]}
            [error] = body["errors"]
            assert error["path"] == ["campaigns", 1, "targets"] and error["extensions"]["code"] == code
        finally:
            faults.faults.configure(FaultConfig())
            running.stop()


def test_one_failing_lookup_leaves_the_other_campaigns_lookups_answered(gateway: GatewayHandle, faults: Sandbox,
                                                                        sandbox: SandboxHandle) -> None:
    good, bad = sandbox.new_campaign(1), sandbox.new_campaign(1)
    with sandbox.client() as api:
        target = api.get(f"/campaigns/{good}/targets").json()["data"][0]["id"]
    faults.faults.configure(FaultConfig(error_rate=1, error_status=500, path_contains=bad))
    body = gateway.graphql('{ a: campaign(id: "%s") { target(id: "%s") { id } } '
                           'b: campaign(id: "%s") { target(id: "%s") { id } } }' % (good, target, bad, uuid.uuid4()))
    assert body["data"] == {"a": {"target": {"id": target}}, "b": {"target": None}}
    [error] = body["errors"]  # type: ignore[misc]
    assert error["path"] == ["b", "target"] and error["extensions"]["code"] == "UPSTREAM_UNAVAILABLE"
