"""One edge per transport, end to end: request ids, pre-execution error codes, unexpected errors, odd upstream ids.

GraphQL cases run on both executors (the compiled fast path and strawberry's); gRPC cases through the generated
stub. Every request id is checked in the three places it must agree: the response, the log, the upstream call.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Iterator
from typing import Any

import grpc
import httpx
import pytest

from gateway.grpc_api import convert
from gateway.grpc_api.generated import targets_pb2 as pb
from gateway.grpc_api.generated import targets_pb2_grpc as pb_grpc
from sandbox import DEMO_API_KEY, DEMO_CAMPAIGN_ID
from sandbox.store import CustomerFields
from tests.support.grpc_calls import AUTH, details, fails, import_messages
from tests.support.servers import GatewayHandle, RunningGateway, SandboxHandle

NEW_ID = re.compile(r"[0-9a-f]{32}")
BAD_REQUEST_IDS = ["x" * 7000, "caf\xe9".encode("latin-1"), b"tab\there", b""]
LIST = '{ campaign(id: "%s") { targets(first: 1) { totalCount } } }' % DEMO_CAMPAIGN_ID


@pytest.fixture(scope="module")
def stub(running_gateway: RunningGateway) -> Iterator[pb_grpc.TargetsServiceStub]:
    with grpc.insecure_channel(running_gateway.grpc_address) as channel:
        yield pb_grpc.TargetsServiceStub(channel)


def post(gateway: GatewayHandle, query: str, variables: dict[str, Any] | None = None,
         request_id: str | bytes | None = None) -> httpx.Response:
    headers: dict[str, str | bytes] = {"X-API-Key": DEMO_API_KEY}
    if request_id is not None:
        headers["X-Request-ID"] = request_id
    return httpx.post(gateway.url + "/graphql", json={"query": query, "variables": variables or {}},
                      headers=headers, timeout=30)


def upstream_request_ids(gateway: GatewayHandle) -> list[str | None]:
    return [call.headers.get("x-request-id") for call in gateway.sandbox.app.request_log.snapshot()]


def trailing_request_id(call: Any) -> str:
    return str(dict(call.trailing_metadata())["x-request-id"])


@pytest.mark.parametrize("method", ["POST", "GET"])
@pytest.mark.parametrize(("query", "variables", "code"), [
    ("{ campaign(id: ", None, "GRAPHQL_PARSE_FAILED"),
    ('{ campaign(id: "%s") { nope } }' % DEMO_CAMPAIGN_ID, None, "GRAPHQL_VALIDATION_FAILED"),
    # graphql-core words this like a bad value ("Expected value of type ..."): it is still a validation failure
    ('{ campaign(id: "%s") { targets(first: 1, filter: {stage: {x: 1}}) { totalCount } } }' % DEMO_CAMPAIGN_ID,
     None, "BAD_USER_INPUT"),
    ('{ campaign(id: "not-a-uuid") { id } }', None, "BAD_USER_INPUT"),
    ("query($id: UUID!) { campaign(id: $id) { id } }", {"id": "not-a-uuid"}, "BAD_USER_INPUT"),
    ("query($id: UUID!) { campaign(id: $id) { id } }", {}, "BAD_USER_INPUT"),
    ("query($n: Int) { campaign(id: \"%s\") { targets(first: $n) { totalCount } } }" % DEMO_CAMPAIGN_ID,
     {"n": "ten"}, "BAD_USER_INPUT"),
    ("query Expected_type_was_not_provided { campaign { id } }", None, "GRAPHQL_VALIDATION_FAILED"),
], ids=["syntax", "unknown-field", "literal-input-object", "literal-uuid", "variable-uuid", "missing-variable",
        "variable-int", "validation-worded-like-input"])
def test_errors_before_execution_are_coded_by_phase(each_executor: GatewayHandle, method: str, query: str,
                                                    variables: dict[str, Any] | None, code: str) -> None:
    each_executor.reset_upstream_log()
    if method == "POST":
        response = post(each_executor, query, variables)
    else:
        params = {"query": query, **({"variables": json.dumps(variables)} if variables is not None else {})}
        response = httpx.get(each_executor.url + "/graphql", params=params, headers={"X-API-Key": DEMO_API_KEY})
    body = response.json()
    assert [e["extensions"]["code"] for e in body["errors"]] == [code] * len(body["errors"])
    assert {e["extensions"]["requestId"] for e in body["errors"]} == {response.headers["x-request-id"]}
    assert each_executor.upstream_calls() == []


def test_a_valid_caller_request_id_is_kept_everywhere(each_executor: GatewayHandle) -> None:
    each_executor.reset_upstream_log()
    response = post(each_executor, LIST, request_id="client-req-42")
    assert response.json()["data"]["campaign"]["targets"]["totalCount"] == 300
    assert response.headers["x-request-id"] == "client-req-42"
    assert upstream_request_ids(each_executor) == ["client-req-42"]


@pytest.mark.parametrize("bad", BAD_REQUEST_IDS, ids=["7KB", "latin-1", "tab", "empty"])
def test_an_invalid_caller_request_id_is_replaced_never_forwarded(each_executor: GatewayHandle,
                                                                  bad: str | bytes) -> None:
    each_executor.reset_upstream_log()
    response = post(each_executor, LIST, request_id=bad)
    assert response.status_code == 200
    replacement = response.headers["x-request-id"]
    assert NEW_ID.fullmatch(replacement), replacement
    assert upstream_request_ids(each_executor) == [replacement]


@pytest.mark.parametrize("bad", ["x" * 7000, ""], ids=["7KB", "empty"])  # grpc clients send nothing odder
def test_grpc_replaces_an_invalid_request_id_and_returns_the_one_it_used(stub: pb_grpc.TargetsServiceStub,
                                                                         sandbox: SandboxHandle, bad: str) -> None:
    sandbox.app.request_log.clear()
    _, call = stub.ListTargets.with_call(pb.ListTargetsRequest(campaign_id=DEMO_CAMPAIGN_ID, page_size=1),
                                         metadata=[*AUTH, ("x-request-id", bad)])
    replacement = trailing_request_id(call)
    assert NEW_ID.fullmatch(replacement)
    assert [c.headers.get("x-request-id") for c in sandbox.app.request_log.snapshot()] == [replacement]


def test_grpc_keeps_a_valid_request_id_in_trailers_upstream_and_error_info(stub: pb_grpc.TargetsServiceStub,
                                                                           sandbox: SandboxHandle) -> None:
    sandbox.app.request_log.clear()
    _, call = stub.ListTargets.with_call(pb.ListTargetsRequest(campaign_id=DEMO_CAMPAIGN_ID, page_size=1),
                                         metadata=[*AUTH, ("x-request-id", "svc-7")])
    assert trailing_request_id(call) == "svc-7"
    assert [c.headers.get("x-request-id") for c in sandbox.app.request_log.snapshot()] == ["svc-7"]
    error = fails(stub.GetTarget, pb.GetTargetRequest(campaign_id=DEMO_CAMPAIGN_ID, target_id="nope"),
                  metadata=[*AUTH, ("x-request-id", "svc-8")])
    assert details(error)["ErrorInfo"].metadata["request_id"] == trailing_request_id(error) == "svc-8"


@pytest.fixture
def oversized_count_target(sandbox: SandboxHandle) -> str:
    """A target whose calls_made does not fit GraphQL's Int: completing it fails in the gateway's own code."""
    campaign = sandbox.new_campaign(0)
    with sandbox.store.transaction() as db:
        customer = sandbox.store.insert_customer(db, "demo", CustomerFields(customer_id="BIG", email="b@x.io"))
        target = sandbox.store.insert_target(db, campaign, customer, None, calls_made=2**40)
    return f'{{ campaign(id: "{campaign}") {{ target(id: "{target}") {{ id callsMade }} }} }}'


def unexpected_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.getMessage().startswith("Unexpected error")]


def test_an_unexpected_graphql_error_has_one_request_id_in_response_log_and_upstream(
        each_executor: GatewayHandle, oversized_count_target: str, caplog: pytest.LogCaptureFixture) -> None:
    each_executor.reset_upstream_log()
    with caplog.at_level(logging.ERROR):
        response = post(each_executor, oversized_count_target, request_id="web-err-1")
    [error] = response.json()["errors"]
    assert error["message"] == "Internal server error"
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "requestId": "web-err-1"}
    assert upstream_request_ids(each_executor) == ["web-err-1"]
    [record] = unexpected_records(caplog)
    assert "(request web-err-1)" in record.getMessage() and record.exc_info is not None


def test_an_unexpected_grpc_error_has_one_request_id_in_status_log_and_upstream(
        stub: pb_grpc.TargetsServiceStub, sandbox: SandboxHandle, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    def broken(_: object) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(convert, "aggregations", broken)  # a bug after the upstream call
    sandbox.app.request_log.clear()
    with caplog.at_level(logging.ERROR):
        error = fails(stub.ListTargets, pb.ListTargetsRequest(campaign_id=DEMO_CAMPAIGN_ID, page_size=1,
                                                              include_aggregations=True),
                      metadata=[*AUTH, ("x-request-id", "svc-err-1")])
    assert error.code() == grpc.StatusCode.INTERNAL
    assert error.details() == "Internal server error"
    assert details(error)["ErrorInfo"].metadata["request_id"] == trailing_request_id(error) == "svc-err-1"
    assert [c.headers.get("x-request-id") for c in sandbox.app.request_log.snapshot()] == ["svc-err-1"]
    [record] = unexpected_records(caplog)
    assert "(request svc-err-1)" in record.getMessage() and "ListTargets" in record.getMessage()
    assert record.exc_info is not None and "secret internals" not in error.details()


def test_an_upstream_400_with_a_text_detail_is_a_bad_request_on_the_chunk(stub: pb_grpc.TargetsServiceStub,
                                                                          sandbox: SandboxHandle) -> None:
    campaign = sandbox.new_campaign(0)
    error = fails(stub.ImportTargets, import_messages(campaign, b"customer_id,email\n\xff\xfe,bad\n"), metadata=AUTH)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    found = details(error)
    assert found["ErrorInfo"].metadata["upstream_status"] == "400"
    [violation] = found["BadRequest"].field_violations
    assert violation.field == "chunk" and violation.description == error.details()


@pytest.fixture(scope="module")
def upper_case_target(sandbox: SandboxHandle) -> tuple[str, str]:
    """A campaign whose upstream spells one target's id in upper case (valid UUID text): (campaign, id)."""
    campaign = sandbox.new_campaign(3)
    target = str(uuid.uuid4())
    with sandbox.store.transaction() as db:
        customer = sandbox.store.insert_customer(db, "demo", CustomerFields(customer_id="UP", email="up@x.io"))
        sandbox.store.insert_target(db, campaign, customer, None, target_id=target.upper())
    return campaign, target


def test_a_target_the_upstream_spells_in_upper_case_is_found_by_every_graphql_lookup(
        each_executor: GatewayHandle, upper_case_target: tuple[str, str]) -> None:
    campaign, target = upper_case_target
    query = """query($c: UUID!, $t: UUID!) { campaign(id: $c) {
        targets(first: 10) { nodes { id } } target(id: $t) { id } targetsByIds(ids: [$t]) { id } } }"""
    body = each_executor.graphql(query, {"c": campaign, "t": target})
    assert "errors" not in body
    data = body["data"]["campaign"]  # type: ignore[index]
    assert target in [n["id"] for n in data["targets"]["nodes"]]
    assert data["target"] == {"id": target} and data["targetsByIds"] == [{"id": target}]


def test_a_target_the_upstream_spells_in_upper_case_is_found_over_grpc(
        stub: pb_grpc.TargetsServiceStub, upper_case_target: tuple[str, str]) -> None:
    campaign, target = upper_case_target
    listed = stub.ListTargets(pb.ListTargetsRequest(campaign_id=campaign, page_size=10), metadata=AUTH)
    assert target in [t.id for t in listed.targets]
    found = stub.GetTarget(pb.GetTargetRequest(campaign_id=campaign, target_id=target), metadata=AUTH)
    assert found.target.id == target
    batch = stub.BatchGetTargets(pb.BatchGetTargetsRequest(campaign_id=campaign, target_ids=[target.upper()]),
                                 metadata=AUTH)
    assert [t.id for t in batch.targets] == [target] and list(batch.missing_target_ids) == []
