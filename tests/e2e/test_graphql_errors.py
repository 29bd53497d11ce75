"""GraphQL error codes end to end: faults injected into the sandbox, timeouts, credentials, readiness."""

from __future__ import annotations

import concurrent.futures
import json
import time
import uuid
from typing import Any

import httpx
import pytest

from sandbox import DEMO_API_KEY, DEMO_CAMPAIGN_ID, FaultConfig, Sandbox
from tests.support.servers import OTHER_TENANT_KEY, GatewayHandle, start_gateway

COUNT = '{ campaign(id: "%s") { targets(first: 1) { totalCount } } }' % DEMO_CAMPAIGN_ID


def only_error(body: dict[str, Any]) -> dict[str, Any]:
    assert body["data"] is None
    [error] = body["errors"]
    return error  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("status", "code"),
    [(400, "BAD_USER_INPUT"), (401, "UNAUTHENTICATED"), (403, "FORBIDDEN"), (404, "NOT_FOUND"),
     (409, "CONFLICT"), (500, "UPSTREAM_UNAVAILABLE"), (503, "UPSTREAM_UNAVAILABLE")],
)
def test_upstream_status_maps_to_code(gateway: GatewayHandle, faults: Sandbox, status: int, code: str) -> None:
    faults.faults.configure(FaultConfig(error_rate=1, error_status=status))
    error = only_error(gateway.graphql(COUNT))
    assert error["extensions"]["code"] == code
    assert error["extensions"]["upstreamStatus"] == status
    assert error["path"] == ["campaign", "targets"]


def test_rate_limit_carries_retry_after(gateway: GatewayHandle, faults: Sandbox) -> None:
    faults.faults.configure(FaultConfig(error_rate=1, error_status=429))
    error = only_error(gateway.graphql(COUNT))
    assert error["extensions"]["code"] == "RATE_LIMITED"
    assert error["extensions"]["retryAfter"] == 1


def test_dropped_connection_is_unavailable_and_the_gateway_keeps_serving(gateway: GatewayHandle,
                                                                         faults: Sandbox) -> None:
    faults.faults.configure(FaultConfig(drop_rate=1))
    error = only_error(gateway.graphql(COUNT))
    assert error["extensions"]["code"] == "UPSTREAM_UNAVAILABLE"
    assert "upstreamStatus" not in error["extensions"]
    faults.faults.configure(FaultConfig())
    assert gateway.graphql(COUNT)["data"] == {"campaign": {"targets": {"totalCount": 300}}}


def test_failed_lookup_is_not_remembered_within_the_request(gateway: GatewayHandle, faults: Sandbox) -> None:
    # The first upstream call fails, so both aliases fail in that batch; nothing is cached as failed
    # across requests, and the next request succeeds.
    faults.faults.configure(FaultConfig(error_rate=1, error_status=503))
    assert only_error(gateway.graphql(COUNT))["extensions"]["code"] == "UPSTREAM_UNAVAILABLE"
    faults.faults.configure(FaultConfig())
    assert "errors" not in gateway.graphql(COUNT)


def test_slow_upstream_times_out(sandbox: Any, faults: Sandbox) -> None:
    server = start_gateway(sandbox.url, upstream_timeout=0.3)
    try:
        faults.faults.configure(FaultConfig(latency_ms=1500))
        response = httpx.post(server.url + "/graphql", json={"query": COUNT}, headers={"X-API-Key": DEMO_API_KEY})
        error = only_error(response.json())
        assert error["extensions"]["code"] == "UPSTREAM_TIMEOUT"
    finally:
        server.stop()
        faults.faults.configure(FaultConfig())
        # the sandbox is still sleeping on the abandoned call; let it finish so later counts are exact
        deadline = time.monotonic() + 5
        while faults.request_log.in_flight and time.monotonic() < deadline:
            time.sleep(0.05)


def test_unreachable_upstream_is_unavailable_and_not_ready() -> None:
    server = start_gateway("http://127.0.0.1:9")  # discard port: nothing listens
    try:
        body = httpx.post(server.url + "/graphql", json={"query": COUNT}, headers={"X-API-Key": "k"}).json()
        assert only_error(body)["extensions"]["code"] == "UPSTREAM_UNAVAILABLE"
        assert httpx.get(server.url + "/readyz").status_code == 503
        assert httpx.get(server.url + "/healthz").status_code == 200
    finally:
        server.stop()


def test_ready_when_upstream_answers(gateway: GatewayHandle) -> None:
    assert httpx.get(gateway.url + "/readyz").json()["status"] == "ready"


def test_no_credentials_is_unauthenticated_without_upstream_call(gateway: GatewayHandle) -> None:
    gateway.reset_upstream_log()
    error = only_error(gateway.graphql(COUNT, key=None))
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    assert gateway.upstream_calls() == []
    wrong = only_error(gateway.graphql(COUNT, key="wrong-key"))
    assert wrong["extensions"]["code"] == "UNAUTHENTICATED" and wrong["extensions"]["upstreamStatus"] == 401


def test_bearer_token_is_forwarded_as_received(gateway: GatewayHandle) -> None:
    gateway.reset_upstream_log()
    body = gateway.graphql(COUNT, key=None, headers={"Authorization": f"Bearer {DEMO_API_KEY}"})
    assert body["data"] == {"campaign": {"targets": {"totalCount": 300}}}
    [call] = gateway.upstream_calls()
    assert call.headers == {"authorization": f"Bearer {DEMO_API_KEY}", "x-request-id": call.headers[  # type: ignore[attr-defined]
        "x-request-id"]}


def test_service_key_only_when_configured(sandbox: Any) -> None:
    server = start_gateway(sandbox.url, service_api_key=DEMO_API_KEY)
    try:
        anonymous = httpx.post(server.url + "/graphql", json={"query": COUNT}).json()
        assert anonymous["data"] == {"campaign": {"targets": {"totalCount": 300}}}
        own = httpx.post(server.url + "/graphql", json={"query": COUNT}, headers={"X-API-Key": OTHER_TENANT_KEY})
        assert only_error(own.json())["extensions"]["code"] == "NOT_FOUND", "the caller's own key wins"
    finally:
        server.stop()


def test_credentials_never_mix_under_concurrent_requests(gateway: GatewayHandle) -> None:
    gateway.reset_upstream_log()
    keys = [DEMO_API_KEY if i % 2 else OTHER_TENANT_KEY for i in range(40)]
    request_ids = [uuid.uuid4().hex for _ in keys]
    query = COUNT.replace("first: 1", "first: 2")

    def send(i: int) -> dict[str, Any]:
        return httpx.post(gateway.url + "/graphql", json={"query": query},
                          headers={"X-API-Key": keys[i], "X-Request-ID": request_ids[i]}, timeout=30).json()

    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(send, range(len(keys))))
    for key, result in zip(keys, results, strict=True):
        if key == DEMO_API_KEY:
            assert result["data"] == {"campaign": {"targets": {"totalCount": 300}}}
        else:
            assert only_error(result)["extensions"]["code"] == "NOT_FOUND"
    sent_key = dict(zip(request_ids, keys, strict=True))
    upstream = gateway.upstream_calls()
    # Identical reads in flight at once share a call, but only with the same credentials.
    assert 2 <= len(upstream) <= len(keys)
    assert {call.headers["x-api-key"] for call in upstream} == set(keys)  # type: ignore[attr-defined]
    for call in upstream:
        assert call.headers["x-api-key"] == sent_key[call.headers["x-request-id"]]  # type: ignore[attr-defined]


def test_upload_over_the_size_limit_is_refused_before_upstream(sandbox: Any) -> None:
    server = start_gateway(sandbox.url, max_upload_bytes=1000)
    campaign = sandbox.new_campaign(0)
    try:
        sandbox.app.request_log.clear()
        mutation = ("mutation($c: UUID!, $f: Upload!) { importTargets(campaignId: $c, file: $f) { total } }")
        operations = {"query": mutation, "variables": {"c": campaign, "f": None}}
        response = httpx.post(
            server.url + "/graphql",
            data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.f"]})},
            files={"0": ("big.csv", b"customer_id\n" + b"X-1\n" * 500, "text/csv")},
            headers={"X-API-Key": DEMO_API_KEY, "GraphQL-Preflight": "1"},
        )
        error = only_error(response.json())
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
        assert error["extensions"]["fieldErrors"][0]["loc"] == ["file"]
        assert sandbox.app.request_log.snapshot() == []
    finally:
        server.stop()
