"""The abuse suite: every limit and every case of issue "Safe in front of untrusted clients", tried as an attacker
would, over real HTTP and gRPC against the sandbox, on both GraphQL executors. Each refusal is checked for its
status, code and extensions, and for the upstream calls it made (none where the gateway can tell up front)."""

from __future__ import annotations

import json
import logging
import socket
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import grpc
import httpx
import pytest
from google.protobuf.field_mask_pb2 import FieldMask
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from gateway.cli import main
from gateway.grpc_api.generated import targets_pb2 as pb
from gateway.grpc_api.generated import targets_pb2_grpc as pb_grpc
from sandbox import DEMO_API_KEY, DEMO_CAMPAIGN_ID, FaultConfig, Sandbox
from sandbox.server import ThreadedServer
from tests.support.grpc_calls import AUTH, details, fails, large_campaign
from tests.support.servers import (
    GatewayHandle,
    RunningGateway,
    SandboxHandle,
    multipart_import_head,
    start_gateway,
    stream_until_answered,
)

HEADERS = {"X-API-Key": DEMO_API_KEY}


def post(gateway: GatewayHandle | RunningGateway, query: str, variables: dict[str, Any] | None = None,
         headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.post(gateway.url + "/graphql", json={"query": query, "variables": variables or {}},
                      headers={**HEADERS, **(headers or {})}, timeout=30)


def refusal(response: httpx.Response, limit: str) -> dict[str, Any]:
    """The refusal of ``limit`` (without its request id), among the errors of an operation refused whole: every
    error is a limit (an operation may exceed several)."""
    body = response.json()
    assert body.get("data") is None, body
    assert {e["extensions"]["code"] for e in body["errors"]} == {"OPERATION_LIMIT_EXCEEDED"}, body
    [extensions] = [e["extensions"] for e in body["errors"] if e["extensions"]["limit"] == limit]
    assert extensions["actual"] > extensions["max"]
    return {key: value for key, value in extensions.items() if key != "requestId"}


@contextmanager
def gateway_with(sandbox: SandboxHandle, **settings: Any) -> Iterator[RunningGateway]:
    running = start_gateway(sandbox.url, **settings)
    try:
        yield running
    finally:
        running.stop()


def still_serving(url: str) -> None:
    """/healthz answers 200 (within a second: a closed connection takes a moment to leave the server's count)."""
    for _ in range(20):
        if httpx.get(url + "/healthz", timeout=5).status_code == 200:
            return
        time.sleep(0.05)
    raise AssertionError("the gateway stopped serving")


# ---- document size and shape -------------------------------------------------------------------------------------

def test_a_body_over_the_request_limit_is_413_before_parsing(each_executor: GatewayHandle) -> None:
    each_executor.reset_upstream_log()
    query = "{ " + " ".join(f"a{i}: __typename" for i in range(70_000)) + " }"  # 1.4 MB, the attack measured
    response = post(each_executor, query)
    assert response.status_code == 413
    extensions = response.json()["errors"][0]["extensions"]
    assert extensions == {"code": "OPERATION_LIMIT_EXCEEDED", "limit": "requestBytes", "max": 1024 * 1024,
                          "actual": len(response.request.content)}
    assert each_executor.upstream_calls() == []
    still_serving(each_executor.url)


def answer_status(answer: bytes) -> tuple[int, dict[str, Any]]:
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split(b" ")[1]), json.loads(body) if body.startswith(b"{") else {}


def test_a_chunked_body_is_cut_at_the_limit_whatever_it_declares(each_executor: GatewayHandle) -> None:
    head = (b"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"X-API-Key: umanize-demo-key\r\nTransfer-Encoding: chunked\r\n\r\n")
    mib = b"x" * (1024 * 1024)
    chunk = b"%x\r\n%s\r\n" % (len(mib), mib)
    sent, answer = stream_until_answered(each_executor.url, head, chunk, 100)  # 100 MiB if all were read
    status, body = answer_status(answer)
    assert status == 413 and body["errors"][0]["extensions"]["limit"] == "requestBytes"
    assert b"connection: close" in answer.lower()
    assert sent < 50, f"{sent} MiB were sent: the gateway should stop reading at 1 MiB"
    still_serving(each_executor.url)


def test_a_declared_length_over_the_limit_is_refused_before_reading(each_executor: GatewayHandle) -> None:
    head = (b"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 104857600\r\n\r\n")
    sent, answer = stream_until_answered(each_executor.url, head, b"x" * 65536, 1600)
    status, body = answer_status(answer)
    assert status == 413 and body["errors"][0]["extensions"]["actual"] == 104857600
    assert sent < 100


def test_a_get_query_string_over_the_limit_is_413(sandbox: SandboxHandle) -> None:
    """uvicorn's HTTP parser itself refuses a request head over 80 KiB (400), so the query-string limit is shown
    with a lower --max-request-bytes."""
    for fast_path in (True, False):
        with gateway_with(sandbox, max_request_bytes=10_000, fast_path=fast_path) as running:
            target = b"/graphql?query=%7B__typename%7D&x=" + b"y" * 20_000
            _, answer = stream_until_answered(running.url, b"GET " + target + b" HTTP/1.1\r\nHost: x\r\n\r\n")
            status, body = answer_status(answer)
            assert status == 413 and body["errors"][0]["extensions"] == {
                "code": "OPERATION_LIMIT_EXCEEDED", "limit": "requestBytes", "max": 10_000, "actual": len(target) - 9}
            ok = httpx.get(running.url + "/graphql", params={"query": "{ __typename }"}, headers=HEADERS)
            assert ok.json() == {"data": {"__typename": "Query"}}


def test_too_many_tokens_is_refused_at_parsing(each_executor: GatewayHandle) -> None:
    each_executor.reset_upstream_log()
    query = "{ " + " ".join(f"a{i}: __typename" for i in range(3000)) + " }"  # 9,000 tokens, 50 KB
    extensions = refusal(post(each_executor, query), "tokens")
    assert extensions["max"] == 5000
    assert each_executor.upstream_calls() == []


def test_more_aliases_than_allowed_are_refused_at_validation(each_executor: GatewayHandle) -> None:
    each_executor.reset_upstream_log()
    query = "{ " + " ".join(f'c{i}: campaign(id: "{DEMO_CAMPAIGN_ID}") {{ id }}' for i in range(31)) + " }"
    assert refusal(post(each_executor, query), "aliases") == {
        "code": "OPERATION_LIMIT_EXCEEDED", "limit": "aliases", "max": 30, "actual": 31}
    query = "{ " + " ".join(f'c{i}: campaign(id: "{DEMO_CAMPAIGN_ID}") {{ targets(filter: {{search: "s{i}"}}) '
                            "{ totalCount } }" for i in range(1000)) + " }"
    assert refusal(post(each_executor, query), "tokens")["max"] == 5000  # 1,000 aliases: refused at parsing
    assert each_executor.upstream_calls() == []


def test_more_root_fields_than_allowed_are_refused(each_executor: GatewayHandle) -> None:
    query = "{ " + " ".join(f'c{i}: campaign(id: "{DEMO_CAMPAIGN_ID}") {{ id }}' for i in range(11)) + " }"
    assert refusal(post(each_executor, query), "rootFields")["actual"] == 11


def test_depth_is_limited(sandbox: SandboxHandle) -> None:
    deep = '{ campaign(id: "%s") { targets(first: 1) { nodes { customer { name } } } } }' % DEMO_CAMPAIGN_ID
    for fast_path in (True, False):
        with gateway_with(sandbox, operation_limits=_limits(max_depth=4), fast_path=fast_path) as running:
            sandbox.app.request_log.clear()
            assert refusal(post(running, deep), "depth") == {
                "code": "OPERATION_LIMIT_EXCEEDED", "limit": "depth", "max": 4, "actual": 5}
            assert sandbox.app.request_log.snapshot() == []
            # introspection does not count: GraphiQL's own query is deeper than any data query
            introspection = "{ __schema { types { fields { type { ofType { ofType { ofType { name } } } } } } } }"
            assert "errors" not in post(running, introspection).json()


def _limits(**values: int) -> Any:
    from gateway.config import OperationLimits

    return OperationLimits(**values)


# ---- the budget in upstream calls and result objects ------------------------------------------------------------

def test_a_fan_out_over_the_call_budget_is_refused_before_any_call(each_executor: GatewayHandle) -> None:
    each_executor.reset_upstream_log()
    ids = [str(uuid.uuid4()) for _ in range(3000)]
    query = "query($ids: [UUID!]!) { campaigns(ids: $ids) { targets(first: 1) { totalCount } } }"
    extensions = refusal(post(each_executor, query, {"ids": ids}), "upstreamCalls")
    assert (extensions["max"], extensions["actual"]) == (30, 3000)
    assert each_executor.upstream_calls() == []


def test_an_amplified_response_is_refused_by_its_result_objects(each_executor: GatewayHandle) -> None:
    each_executor.reset_upstream_log()
    lists = " ".join(f'l{i}: targets(first: 200, filter: {{search: "{i}"}}) {{ nodes {{ id customer {{ id }} '
                     "aiAnalysis { label } campaignAnalysis { goalScore } } }" for i in range(13))
    extensions = refusal(post(each_executor, '{ campaign(id: "%s") { %s } }' % (DEMO_CAMPAIGN_ID, lists)),
                         "resultObjects")
    assert extensions["max"] == 10_000
    assert each_executor.upstream_calls() == []


def test_a_lookup_scan_stops_at_the_call_budget_on_both_transports(sandbox: SandboxHandle) -> None:
    campaign = large_campaign(sandbox, 1000, "scan")  # 5 lookup pages
    unknown = str(uuid.uuid4())
    query = '{ campaign(id: "%s") { target(id: "%s") { id } } }' % (campaign, unknown)
    for fast_path in (True, False):
        with gateway_with(sandbox, operation_limits=_limits(max_upstream_calls=3), fast_path=fast_path,
                          grpc_port=0) as running:
            def calls(request_id: str) -> int:
                return sum(c.headers.get("x-request-id") == request_id for c in sandbox.app.request_log.snapshot())

            [error] = post(running, query, headers={"X-Request-ID": f"scan-web-{fast_path}"}).json()["errors"]
            assert error["extensions"] | {"requestId": None} == {
                "code": "OPERATION_LIMIT_EXCEEDED", "limit": "upstreamCalls", "max": 3, "actual": 4,
                "requestId": None}
            # the budget's calls at most: the pages still in flight when the next was refused are cancelled
            assert 1 <= calls(f"scan-web-{fast_path}") <= 3
            with grpc.insecure_channel(running.grpc_address) as channel:
                failed = fails(pb_grpc.TargetsServiceStub(channel).GetTarget,
                               pb.GetTargetRequest(campaign_id=campaign, target_id=unknown),
                               metadata=[*AUTH, ("x-request-id", f"scan-rpc-{fast_path}")])
            assert failed.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
            info = details(failed)["ErrorInfo"]
            assert info.reason == "OPERATION_LIMIT_EXCEEDED"
            assert dict(info.metadata) | {"request_id": ""} == {
                "limit": "upstreamCalls", "max": "3", "actual": "4", "request_id": ""}
            assert 1 <= calls(f"scan-rpc-{fast_path}") <= 3


def test_a_lookup_scans_pages_concurrently_once_it_knows_the_total(gateway: GatewayHandle, faults: Sandbox,
                                                                   sandbox: SandboxHandle) -> None:
    campaign = large_campaign(sandbox, 1000, "conc")
    faults.faults.configure(FaultConfig(latency_ms=150))
    sandbox.app.request_log.clear()
    body = gateway.graphql('{ campaign(id: "%s") { target(id: "%s") { id } } }' % (campaign, uuid.uuid4()))
    assert body["data"] == {"campaign": {"target": None}}
    assert len(sandbox.app.request_log.snapshot()) == 5  # every page once
    assert sandbox.app.request_log.max_in_flight >= 2, "the pages after the first are read concurrently"


def test_the_cost_is_reported_when_asked(each_executor: GatewayHandle) -> None:
    query = ('{ campaign(id: "%s") { targets(first: 3) { nodes { id customer { id } } } '
             "same: targets(first: 3) { totalCount } } }" % DEMO_CAMPAIGN_ID)
    plain = post(each_executor, query).json()
    assert "extensions" not in plain
    asked = post(each_executor, query, headers={"X-Include-Cost": "true"}).json()
    assert asked["extensions"]["cost"] == {
        "estimated": {"upstreamCalls": 1, "resultObjects": 1 + 1 + 3 * 2 + 1},
        "actual": {"upstreamCalls": 1, "sharedReads": 0}}


def test_the_example_operations_pass_under_the_default_limits(each_executor: GatewayHandle) -> None:
    from pathlib import Path

    operations = Path(__file__).resolve().parents[2] / "graphql" / "operations"
    variables = {"campaignId": DEMO_CAMPAIGN_ID, "campaignIds": [DEMO_CAMPAIGN_ID] * 3, "first": 50,
                 "targetId": str(uuid.uuid4()), "targetIds": [str(uuid.uuid4())] * 20, "stage": "x"}
    for path in sorted(operations.glob("*.graphql")):
        document = path.read_text()
        if "mutation" in document:
            continue
        for error in post(each_executor, document, variables).json().get("errors", []):
            assert error["extensions"]["code"] != "OPERATION_LIMIT_EXCEEDED", (path.name, error)


# ---- the HTTP edge -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("body", ['"a string"', "42", "null", '[{"query": "{ __typename }"}]', "true"])
def test_a_json_body_that_is_not_an_object_is_400_never_500(each_executor: GatewayHandle,
                                                            caplog: pytest.LogCaptureFixture, body: str) -> None:
    with caplog.at_level(logging.ERROR):
        response = httpx.post(each_executor.url + "/graphql", content=body,
                              headers={**HEADERS, "content-type": "application/json"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


@pytest.mark.parametrize("header", ["X-API-Key", "Authorization"])
def test_non_ascii_credentials_are_unauthenticated_with_no_call(each_executor: GatewayHandle, header: str) -> None:
    each_executor.reset_upstream_log()
    response = httpx.post(each_executor.url + "/graphql",
                          json={"query": '{ campaign(id: "%s") { targets { totalCount } } }' % DEMO_CAMPAIGN_ID},
                          headers={header: "cl\xe9".encode("latin-1")})  # type: ignore[dict-item]
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    assert each_executor.upstream_calls() == []


def test_a_slow_body_is_cut_off_at_the_body_timeout(sandbox: SandboxHandle) -> None:
    with gateway_with(sandbox, client_body_timeout=0.5) as running:
        host, port = running.url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=5) as slow:
            slow.sendall(b"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                         b"Content-Length: 1000\r\n\r\n{\"query\": ")
            started = time.monotonic()
            answer = slow.recv(4096)
        assert answer.startswith(b"HTTP/1.1 408"), answer[:100]
        assert b"REQUEST_TIMEOUT" in answer
        assert time.monotonic() - started < 4
        still_serving(running.url)


def test_uploads_are_counted_as_they_stream_and_cut_at_the_limit(sandbox: SandboxHandle) -> None:
    with gateway_with(sandbox, max_upload_bytes=64 * 1024) as running:
        campaign = sandbox.new_campaign(0)
        sandbox.app.request_log.clear()
        boundary = "b0undary"
        head = multipart_import_head(campaign, boundary, "big.csv") + b"customer_id\r\n"
        request = (b"POST /graphql HTTP/1.1\r\nHost: x\r\nX-API-Key: umanize-demo-key\r\nGraphQL-Preflight: 1\r\n"
                   b"Content-Type: multipart/form-data; boundary=" + boundary.encode() +
                   b"\r\nTransfer-Encoding: chunked\r\n\r\n")  # chunked: no Content-Length to judge by
        rows = b"X-1\n" * 256 * 1024
        sent, answer = stream_until_answered(running.url, request + b"%x\r\n%s\r\n" % (len(head), head),
                                             b"%x\r\n%s\r\n" % (len(rows), rows), 2000)  # 2 GB if all were read
        status, body = answer_status(answer)
        assert status == 413 and body["errors"][0]["extensions"]["limit"] == "uploadBytes"
        assert sent < 200, f"{sent} MiB were sent: the gateway should stop reading past 1 MiB and 64 KiB"
        assert sandbox.app.request_log.snapshot() == []
        still_serving(running.url)


def test_connections_over_the_cap_are_answered_503(sandbox: SandboxHandle) -> None:
    with gateway_with(sandbox, max_connections=1) as running:
        still_serving(running.url)
        host, port = running.url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=5):  # holds the one place
            time.sleep(0.2)
            assert httpx.get(running.url + "/healthz").status_code == 503
        time.sleep(0.2)
        still_serving(running.url)


def test_get_answers_are_private_and_vary_by_credentials(each_executor: GatewayHandle) -> None:
    response = httpx.get(each_executor.url + "/graphql", params={"query": "{ __typename }"}, headers=HEADERS)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "private, no-cache"
    assert response.headers["vary"] == "Authorization, X-API-Key, Accept-Encoding"


# ---- no leaks ----------------------------------------------------------------------------------------------------

class HostileUpstream:
    """An upstream whose refusals say too much."""

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = json.dumps({"detail": "Campaign missing in db-primary.corp.internal:5432 (user=svc password=hunter2)"})
        await send({"type": "http.response.start", "status": 404,
                    "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": body.encode()})


def test_upstream_error_text_reaches_the_log_not_the_client(caplog: pytest.LogCaptureFixture) -> None:
    query = '{ campaign(id: "%s") { targets { totalCount } } }' % DEMO_CAMPAIGN_ID
    with ThreadedServer(HostileUpstream()) as upstream:
        running = start_gateway(upstream.url)
        exposing = start_gateway(upstream.url, expose_upstream_errors=True)
        try:
            with caplog.at_level(logging.WARNING):
                response = post(running, query, headers={"X-Request-ID": "leak-1"})
            [error] = response.json()["errors"]
            assert error["extensions"]["code"] == "NOT_FOUND"
            assert "password" not in response.text and "db-primary" not in response.text
            assert error["message"] == "The campaign or target was not found"
            [record] = [r for r in caplog.records if "leak-1" in r.getMessage()]
            assert "db-primary" in record.getMessage()
            [exposed] = post(exposing, query).json()["errors"]
            assert "db-primary" in exposed["message"]
            assert "db-primary" not in httpx.get(running.url + "/readyz").text
            assert upstream.url not in httpx.get(running.url + "/readyz").text
        finally:
            running.stop()
            exposing.stop()


def test_credentials_in_the_upstream_url_are_refused_at_start_up(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--upstream-url", "http://svc:hunter2@127.0.0.1:1", "--grpc-port", "-1"]) == 2
    printed = capsys.readouterr()
    assert "must not carry credentials" in printed.err
    assert "hunter2" not in printed.out + printed.err


# ---- discovery and browsers --------------------------------------------------------------------------------------

def test_no_introspection_hides_the_schema_on_both_transports(sandbox: SandboxHandle) -> None:
    with gateway_with(sandbox, introspection=False, grpc_port=0) as running:
        errors = post(running, "{ __schema { types { name } } }").json()["errors"]
        assert errors and {e["extensions"]["code"] for e in errors} == {"GRAPHQL_VALIDATION_FAILED"}
        typos = post(running, '{ campaign(id: "%s") { targts { totalCount } } }' % DEMO_CAMPAIGN_ID).json()[
            "errors"]
        assert typos and not any("Did you mean" in e["message"] for e in typos)
        enum = post(running, "query($f: TargetFilter) { campaign(id: \"%s\") { targets(filter: $f) "
                             "{ totalCount } } }" % DEMO_CAMPAIGN_ID, {"f": {"aiLabel": "POSITIV"}}).json()["errors"]
        assert enum and not any("Did you mean" in e["message"] for e in enum)
        with grpc.insecure_channel(running.grpc_address) as channel:
            stub = reflection_pb2_grpc.ServerReflectionStub(channel)
            with pytest.raises(grpc.RpcError) as caught:
                list(stub.ServerReflectionInfo(iter([reflection_pb2.ServerReflectionRequest(list_services="")])))
            assert caught.value.code() == grpc.StatusCode.UNIMPLEMENTED
    # and with introspection on (the default), suggestions help
    with gateway_with(sandbox) as running:
        typos = post(running, '{ campaign(id: "%s") { targts { totalCount } } }' % DEMO_CAMPAIGN_ID).json()[
            "errors"]
        assert any("Did you mean" in e["message"] for e in typos)


def test_cors_answers_preflights_for_listed_origins_only(sandbox: SandboxHandle, gateway: GatewayHandle) -> None:
    preflight = {"Origin": "https://app.example", "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "content-type, x-api-key, traceparent, apollo-require-preflight"}
    assert "access-control-allow-origin" not in httpx.options(gateway.url + "/graphql", headers=preflight).headers
    with gateway_with(sandbox, cors_origins=("https://app.example",)) as running:
        allowed = httpx.options(running.url + "/graphql", headers=preflight)
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == "https://app.example"
        refused = httpx.options(running.url + "/graphql", headers={**preflight, "Origin": "https://evil.example"})
        assert refused.status_code == 400
        assert "access-control-allow-origin" not in refused.headers


# ---- gRPC --------------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def stub(running_gateway: RunningGateway) -> Iterator[pb_grpc.TargetsServiceStub]:
    with grpc.insecure_channel(running_gateway.grpc_address) as channel:
        yield pb_grpc.TargetsServiceStub(channel)


def test_grpc_errors_echo_bounded_input(stub: pb_grpc.TargetsServiceStub, sandbox: SandboxHandle) -> None:
    sandbox.app.request_log.clear()
    long_id = fails(stub.ListTargets, pb.ListTargetsRequest(campaign_id="x" * 3000), metadata=AUTH)
    assert long_id.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert len(long_id.details()) < 400
    paths = [f"nope{i}" for i in range(150)]
    many = fails(stub.ListTargets, pb.ListTargetsRequest(campaign_id=DEMO_CAMPAIGN_ID,
                                                         read_mask=FieldMask(paths=paths)), metadata=AUTH)
    assert many.code() == grpc.StatusCode.INVALID_ARGUMENT
    violations = details(many)["BadRequest"].field_violations
    assert len(violations) == 21 and violations[-1].description == "and 130 more"
    assert sandbox.app.request_log.snapshot() == []


def test_grpc_batch_get_takes_at_most_1000_ids(stub: pb_grpc.TargetsServiceStub, sandbox: SandboxHandle) -> None:
    sandbox.app.request_log.clear()
    ids = [str(uuid.uuid4()) for _ in range(1001)]
    error = fails(stub.BatchGetTargets, pb.BatchGetTargetsRequest(campaign_id=DEMO_CAMPAIGN_ID, target_ids=ids),
                  metadata=AUTH)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert details(error)["BadRequest"].field_violations[0].field == "target_ids"
    assert sandbox.app.request_log.snapshot() == []


def test_a_deadline_too_short_for_an_upstream_call_makes_none(stub: pb_grpc.TargetsServiceStub,
                                                                sandbox: SandboxHandle) -> None:
    sandbox.app.request_log.clear()
    for _ in range(5):
        error = fails(stub.ListTargets, pb.ListTargetsRequest(campaign_id=DEMO_CAMPAIGN_ID), metadata=AUTH,
                      timeout=0.004)
        assert error.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    time.sleep(0.3)
    assert sandbox.app.request_log.snapshot() == []
