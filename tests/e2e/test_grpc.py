"""Every TargetsService RPC through the generated stubs against the gateway's gRPC port, sandbox upstream."""

from __future__ import annotations

import concurrent.futures
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import grpc
import pytest
from google.protobuf.field_mask_pb2 import FieldMask
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase

from gateway.grpc_api.generated import targets_pb2 as pb
from gateway.grpc_api.generated import targets_pb2_grpc as pb_grpc
from sandbox import DEMO_API_KEY, DEMO_CAMPAIGN_ID, FaultConfig, Sandbox
from sandbox.server import ThreadedServer
from tests.support.grpc_calls import AUTH, details, fails, import_messages, large_campaign
from tests.support.servers import OTHER_TENANT_KEY, RunningGateway, SandboxHandle, start_gateway


@pytest.fixture(scope="module")
def stub(running_gateway: RunningGateway) -> Iterator[pb_grpc.TargetsServiceStub]:
    with grpc.insecure_channel(running_gateway.grpc_address) as channel:
        yield pb_grpc.TargetsServiceStub(channel)


def rest_targets(sandbox: SandboxHandle, campaign: str, **params: str) -> list[dict[str, Any]]:
    with sandbox.client() as api:
        rows: list[dict[str, Any]] = api.get(f"/campaigns/{campaign}/targets",
                                             params={"limit": "200", **params}).json()["data"]
    return rows


def test_list_targets_pages_with_tokens_and_aggregations(stub: pb_grpc.TargetsServiceStub,
                                                         sandbox: SandboxHandle) -> None:
    first = stub.ListTargets(pb.ListTargetsRequest(campaign_id=DEMO_CAMPAIGN_ID, page_size=120,
                                                   include_aggregations=True), metadata=AUTH)
    assert first.total_size == 300 and len(first.targets) == 120 and first.next_page_token
    assert first.HasField("aggregations") and len(first.aggregations.quick_filters) == 5
    assert sum(first.aggregations.extra["stages"].values()) == 300
    seen = [t.id for t in first.targets]
    token = first.next_page_token
    while token:
        page = stub.ListTargets(pb.ListTargetsRequest(campaign_id=DEMO_CAMPAIGN_ID, page_size=120, page_token=token),
                                metadata=AUTH)
        assert not page.HasField("aggregations")
        seen.extend(t.id for t in page.targets)
        token = page.next_page_token
    assert len(seen) == len(set(seen)) == 300
    assert seen[:5] == [t["id"] for t in rest_targets(sandbox, DEMO_CAMPAIGN_ID)[:5]]


def test_list_filters_order_and_presence(stub: pb_grpc.TargetsServiceStub, sandbox: SandboxHandle) -> None:
    request = pb.ListTargetsRequest(
        campaign_id=DEMO_CAMPAIGN_ID, page_size=200,
        filter=pb.TargetFilter(ai_label=pb.AI_LABEL_NEGATIVE, action_required=pb.ACTION_REQUIRED_FOLLOW_UP),
        order=pb.TargetOrder(field=pb.TARGET_SORT_FIELD_CALLS_MADE, direction=pb.SORT_DIRECTION_ASC),
    )
    response = stub.ListTargets(request, metadata=AUTH)
    expected = rest_targets(sandbox, DEMO_CAMPAIGN_ID, ai_label="negative", action_required="follow_up",
                            sort_field="calls_made", sort_dir="asc")
    assert [t.id for t in response.targets] == [t["id"] for t in expected] and expected
    target = response.targets[0]
    assert target.ai_analysis.label == pb.AI_LABEL_NEGATIVE
    assert target.call_analysis.HasField("follow_up_required") and target.call_analysis.follow_up_required
    assert target.customer.external_id == expected[0]["customer"]["customer_id"]
    assert target.created_at.ToDatetime().year >= 2026
    plain = stub.ListTargets(pb.ListTargetsRequest(campaign_id=sandbox.new_campaign(1)), metadata=AUTH).targets[0]
    assert not plain.HasField("assigned_agent_id") and not plain.campaign_analysis.HasField("goal_score")
    assert not plain.HasField("last_contacted_at")


def test_page_token_is_bound_to_the_request(stub: pb_grpc.TargetsServiceStub, sandbox: SandboxHandle) -> None:
    token = stub.ListTargets(pb.ListTargetsRequest(campaign_id=DEMO_CAMPAIGN_ID, page_size=5),
                             metadata=AUTH).next_page_token
    sandbox.app.request_log.clear()
    error = fails(stub.ListTargets, pb.ListTargetsRequest(
        campaign_id=DEMO_CAMPAIGN_ID, page_size=5, page_token=token,
        filter=pb.TargetFilter(stage="new")), metadata=AUTH)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    found = details(error)
    assert found["ErrorInfo"].reason == "BAD_USER_INPUT" and found["ErrorInfo"].domain == "umanize.targets.v1"
    assert [v.field for v in found["BadRequest"].field_violations] == ["page_token"]
    assert sandbox.app.request_log.snapshot() == []


def test_export_streams_a_campaign_of_thousands_page_by_page(stub: pb_grpc.TargetsServiceStub,
                                                             sandbox: SandboxHandle) -> None:
    campaign = large_campaign(sandbox, 8000, "exp")  # 40 pages: more than the call budget, which exports skip
    sandbox.app.request_log.clear()
    messages = list(stub.ExportTargets(pb.ExportTargetsRequest(campaign_id=campaign), metadata=AUTH))
    ids = [t.id for m in messages for t in m.targets]
    assert len(ids) == len(set(ids)) == 8000
    assert all(m.total_size == 8000 for m in messages)
    assert len(sandbox.app.request_log.snapshot()) == 40  # 200 per upstream page, no extra call


def test_export_stops_fetching_when_the_client_stops_reading(stub: pb_grpc.TargetsServiceStub,
                                                             sandbox: SandboxHandle) -> None:
    campaign = large_campaign(sandbox, 2000, "lazy")
    sandbox.app.request_log.clear()
    stream = stub.ExportTargets(pb.ExportTargetsRequest(campaign_id=campaign), metadata=AUTH)
    first = next(stream)
    assert len(first.targets) == 200
    stream.cancel()
    time.sleep(0.5)
    assert len(sandbox.app.request_log.snapshot()) < 10, "pages are fetched as the client reads, not all upfront"


def test_a_reader_that_stops_reading_bounds_the_exports_read_ahead(stub: pb_grpc.TargetsServiceStub,
                                                                    sandbox: SandboxHandle) -> None:
    """The documented read-ahead: a client that reads one message and then stops (without cancelling) lets the
    gateway fetch what flow control admits, about 50 pages of full targets, and no more: not the whole export."""
    campaign = large_campaign(sandbox, 30_000, "slow")  # 150 pages
    sandbox.app.request_log.clear()
    stream = stub.ExportTargets(pb.ExportTargetsRequest(campaign_id=campaign), metadata=AUTH)
    assert len(next(stream).targets) == 200
    fetched, stable_since = 0, time.monotonic()
    while time.monotonic() - stable_since < 1.0:  # until no page was fetched for a second (bounded by 150 pages)
        time.sleep(0.1)
        now = len(sandbox.app.request_log.snapshot())
        if now != fetched:
            fetched, stable_since = now, time.monotonic()
    stream.cancel()
    assert 2 <= fetched <= 90, f"{fetched} of 150 pages fetched for a reader that stopped after one message"


def test_get_and_batch_get(stub: pb_grpc.TargetsServiceStub, sandbox: SandboxHandle) -> None:
    rows = rest_targets(sandbox, DEMO_CAMPAIGN_ID)
    wanted = [rows[3]["id"], rows[150]["id"]]
    got = stub.GetTarget(pb.GetTargetRequest(campaign_id=DEMO_CAMPAIGN_ID, target_id=wanted[0]), metadata=AUTH)
    assert got.target.id == wanted[0]
    missing = str(uuid.uuid4())
    sandbox.app.request_log.clear()
    batch = stub.BatchGetTargets(pb.BatchGetTargetsRequest(campaign_id=DEMO_CAMPAIGN_ID,
                                                           target_ids=[wanted[1], missing, wanted[0]]), metadata=AUTH)
    assert [t.id for t in batch.targets] == [wanted[1], wanted[0]]
    assert list(batch.missing_target_ids) == [missing]
    assert len(sandbox.app.request_log.snapshot()) == 2  # two 200-row pages cover the 300 targets
    error = fails(stub.GetTarget, pb.GetTargetRequest(campaign_id=DEMO_CAMPAIGN_ID, target_id=missing), metadata=AUTH)
    assert error.code() == grpc.StatusCode.NOT_FOUND
    bad = fails(stub.BatchGetTargets, pb.BatchGetTargetsRequest(campaign_id=DEMO_CAMPAIGN_ID,
                                                                target_ids=["x"]), metadata=AUTH)
    assert [v.field for v in details(bad)["BadRequest"].field_violations] == ["target_ids.0"]


def test_read_mask_returns_only_the_named_fields(stub: pb_grpc.TargetsServiceStub, sandbox: SandboxHandle) -> None:
    mask = FieldMask(paths=["id", "stage", "customer.email", "ai_analysis"])
    full = stub.ListTargets(pb.ListTargetsRequest(campaign_id=DEMO_CAMPAIGN_ID, page_size=50), metadata=AUTH)
    sandbox.app.request_log.clear()
    masked = stub.ListTargets(pb.ListTargetsRequest(campaign_id=DEMO_CAMPAIGN_ID, page_size=50, read_mask=mask),
                              metadata=AUTH)
    assert len(sandbox.app.request_log.snapshot()) == 1  # the same upstream call as without a mask
    assert (len(masked.targets), masked.total_size, masked.next_page_token) == (50, 300, full.next_page_token)
    for got, whole in zip(masked.targets, full.targets, strict=True):
        reference = pb.Target()
        mask.MergeMessage(whole, reference)
        reference.customer.SetInParent()
        assert got == reference
        assert {field.name for field, _ in got.ListFields()} == {"id", "stage", "customer", "ai_analysis"}
    assert masked.ByteSize() * 3 < full.ByteSize()

    first = full.targets[0]
    one = stub.GetTarget(pb.GetTargetRequest(campaign_id=DEMO_CAMPAIGN_ID, target_id=first.id,
                                             read_mask=FieldMask(paths=["stage"])), metadata=AUTH)
    assert one.target == pb.Target(stage=first.stage)
    batch = stub.BatchGetTargets(pb.BatchGetTargetsRequest(
        campaign_id=DEMO_CAMPAIGN_ID, target_ids=[t.id for t in full.targets[:3]], read_mask=FieldMask(paths=["id"])),
        metadata=AUTH)
    assert list(batch.targets) == [pb.Target(id=t.id) for t in full.targets[:3]]
    exported = [t for message in stub.ExportTargets(pb.ExportTargetsRequest(
        campaign_id=DEMO_CAMPAIGN_ID, read_mask=FieldMask(paths=["id"])), metadata=AUTH) for t in message.targets]
    assert len({t.id for t in exported}) == 300 and all(t == pb.Target(id=t.id) for t in exported)


def test_bad_read_mask_fails_before_any_upstream_call(stub: pb_grpc.TargetsServiceStub,
                                                      sandbox: SandboxHandle) -> None:
    bad = FieldMask(paths=["id", "customer.nope"])
    target_id = rest_targets(sandbox, DEMO_CAMPAIGN_ID)[0]["id"]
    calls: list[Any] = [
        lambda: stub.ListTargets(pb.ListTargetsRequest(campaign_id=DEMO_CAMPAIGN_ID, read_mask=bad), metadata=AUTH),
        lambda: stub.GetTarget(pb.GetTargetRequest(campaign_id=DEMO_CAMPAIGN_ID, target_id=target_id, read_mask=bad),
                               metadata=AUTH),
        lambda: stub.BatchGetTargets(pb.BatchGetTargetsRequest(campaign_id=DEMO_CAMPAIGN_ID, target_ids=[target_id],
                                                               read_mask=bad), metadata=AUTH),
        lambda: list(stub.ExportTargets(pb.ExportTargetsRequest(campaign_id=DEMO_CAMPAIGN_ID, read_mask=bad),
                                        metadata=AUTH)),
    ]
    sandbox.app.request_log.clear()
    for call in calls:
        error = fails(call)
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "'customer.nope'" in str(error.details())
        [violation] = details(error)["BadRequest"].field_violations
        assert (violation.field, violation.description) == ("read_mask.paths.1",
                                                            "'customer.nope': Customer has no field 'nope'")
    assert sandbox.app.request_log.snapshot() == []


def test_delete_restore_stage_and_verify_goal(stub: pb_grpc.TargetsServiceStub, sandbox: SandboxHandle) -> None:
    campaign = sandbox.new_campaign(2)
    first, second = rest_targets(sandbox, campaign)
    ids = {"campaign_id": campaign, "target_id": first["id"]}
    assert stub.DeleteTarget(pb.DeleteTargetRequest(**ids), metadata=AUTH).purged is False
    assert [t["id"] for t in rest_targets(sandbox, campaign, only_deleted="true")] == [first["id"]]
    assert stub.RestoreTarget(pb.RestoreTargetRequest(**ids), metadata=AUTH).target.id == first["id"]
    staged = stub.UpdateTargetStage(pb.UpdateTargetStageRequest(**ids, stage="qualified"), metadata=AUTH)
    assert staged.target.stage == "qualified"
    assert {t["id"]: t["stage"] for t in rest_targets(sandbox, campaign)}[first["id"]] == "qualified"
    with sandbox.store.transaction() as db:
        sandbox.store.add_call_attempt(db, first["customer_id"], campaign, "Customer: no thanks, stop calling")
    verified = stub.VerifyTargetGoal(pb.VerifyTargetGoalRequest(**ids), metadata=AUTH).target
    assert (verified.stage, verified.campaign_analysis.goal_result) == ("lost", "not_achieved")
    purge = stub.DeleteTarget(pb.DeleteTargetRequest(campaign_id=campaign, target_id=second["id"], purge=True),
                              metadata=AUTH)
    assert purge.purged is True
    assert len(rest_targets(sandbox, campaign, include_deleted="true")) == 1
    long_stage = fails(stub.UpdateTargetStage, pb.UpdateTargetStageRequest(**ids, stage="x" * 65), metadata=AUTH)
    assert long_stage.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_enroll_and_create_customer(stub: pb_grpc.TargetsServiceStub, sandbox: SandboxHandle) -> None:
    source = sandbox.new_campaign(2)
    customers = [t["customer_id"] for t in rest_targets(sandbox, source)]
    destination = sandbox.new_campaign(0)
    enrolled = stub.EnrollTargets(pb.EnrollTargetsRequest(
        campaign_id=destination, items=[pb.EnrollItem(customer_id=c) for c in customers]), metadata=AUTH)
    assert enrolled.requested == 2
    assert {e["customer_id"] for e in enrolled.result.struct_value["enrolled"]} == set(customers)
    created = stub.CreateCustomerAndEnroll(pb.CreateCustomerAndEnrollRequest(
        campaign_id=destination, customer=pb.NewCustomer(external_id="G-1", email="grpc1@example.com")),
        metadata=AUTH)
    assert (created.created, created.skipped, created.HasField("reason")) == (True, False, False)
    again = stub.CreateCustomerAndEnroll(pb.CreateCustomerAndEnrollRequest(
        campaign_id=destination, customer=pb.NewCustomer(external_id="G-2", email="GRPC1@example.com")),
        metadata=AUTH)
    assert again.skipped and again.HasField("reason")
    assert len(rest_targets(sandbox, destination)) == 3
    sandbox.app.request_log.clear()
    neither = fails(stub.CreateCustomerAndEnroll, pb.CreateCustomerAndEnrollRequest(
        campaign_id=destination, customer=pb.NewCustomer(external_id="G-3")), metadata=AUTH)
    assert neither.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert {v.field for v in details(neither)["BadRequest"].field_violations} == {"email", "phone"}
    assert sandbox.app.request_log.snapshot() == []


def test_client_streamed_import_of_several_megabytes(stub: pb_grpc.TargetsServiceStub,
                                                     sandbox: SandboxHandle) -> None:
    campaign = sandbox.new_campaign(0)
    rows = [f"BIG-{n:06d},Firstname{n},Surname{n},big.person.{n}@example.com,+39 333 {n:07d},active"
            for n in range(40_000)]
    rows[10] = "BIG-BAD,Bad,Row,not-an-email,,"
    data = ("customer_id,name,surname,email,phone,status\n" + "\n".join(rows) + "\n").encode()
    assert len(data) > 3 * 1024 * 1024
    result = stub.ImportTargets(import_messages(campaign, data), metadata=AUTH, timeout=120)
    assert (result.total, result.created, result.skipped, result.targets_created) == (40_000, 39_999, 1, 39_999)
    assert [(e.row, e.field) for e in result.errors] == [(12, "email")]
    with sandbox.client() as api:
        assert api.get(f"/campaigns/{campaign}/targets").json()["meta"]["total"] == 39_999


def test_import_stream_protocol_errors_fail_before_upstream(sandbox: SandboxHandle,
                                                            stub: pb_grpc.TargetsServiceStub) -> None:
    campaign = sandbox.new_campaign(0)
    sandbox.app.request_log.clear()
    chunk_first = fails(stub.ImportTargets, iter([pb.ImportTargetsRequest(chunk=b"customer_id\n")]), metadata=AUTH)
    assert chunk_first.code() == grpc.StatusCode.INVALID_ARGUMENT
    twice = list(import_messages(campaign, b"customer_id\nA\n")) + list(import_messages(campaign, b""))
    assert fails(stub.ImportTargets, iter(twice), metadata=AUTH).code() == grpc.StatusCode.INVALID_ARGUMENT
    empty = fails(stub.ImportTargets, import_messages(campaign, b""), metadata=AUTH)
    assert empty.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert sandbox.app.request_log.snapshot() == []


def test_import_over_the_size_limit(sandbox: SandboxHandle) -> None:
    small = start_gateway(sandbox.url, grpc_port=0, max_upload_bytes=1000)
    try:
        with grpc.insecure_channel(small.grpc_address) as channel:
            sandbox.app.request_log.clear()
            error = fails(pb_grpc.TargetsServiceStub(channel).ImportTargets,
                          import_messages(sandbox.new_campaign(0), b"customer_id\n" + b"X\n" * 1000, chunk=100),
                          metadata=AUTH)
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert details(error)["ErrorInfo"].reason == "BAD_USER_INPUT"
        assert sandbox.app.request_log.snapshot() == []
    finally:
        small.stop()


@pytest.mark.parametrize(
    ("status", "code"),
    [(400, grpc.StatusCode.INVALID_ARGUMENT), (401, grpc.StatusCode.UNAUTHENTICATED),
     (403, grpc.StatusCode.PERMISSION_DENIED), (404, grpc.StatusCode.NOT_FOUND), (409, grpc.StatusCode.ABORTED),
     (429, grpc.StatusCode.RESOURCE_EXHAUSTED), (500, grpc.StatusCode.UNAVAILABLE),
     (503, grpc.StatusCode.UNAVAILABLE)],
)
def test_upstream_statuses_map_to_codes_with_error_info(stub: pb_grpc.TargetsServiceStub, faults: Sandbox,
                                                        status: int, code: grpc.StatusCode) -> None:
    faults.faults.configure(FaultConfig(error_rate=1, error_status=status))
    error = fails(stub.ListTargets, pb.ListTargetsRequest(campaign_id=DEMO_CAMPAIGN_ID), metadata=AUTH)
    assert error.code() == code
    found = details(error)
    assert found["ErrorInfo"].metadata["upstream_status"] == str(status)
    if status == 429:
        assert found["RetryInfo"].retry_delay.seconds == 1


def test_dropped_connection_is_unavailable(stub: pb_grpc.TargetsServiceStub, faults: Sandbox) -> None:
    faults.faults.configure(FaultConfig(drop_rate=1))
    error = fails(stub.GetTarget, pb.GetTargetRequest(campaign_id=DEMO_CAMPAIGN_ID,
                                                      target_id=str(uuid.uuid4())), metadata=AUTH)
    assert error.code() == grpc.StatusCode.UNAVAILABLE
    assert details(error)["ErrorInfo"].reason == "UPSTREAM_UNAVAILABLE"


def test_caller_deadline_bounds_the_upstream_call(stub: pb_grpc.TargetsServiceStub, faults: Sandbox) -> None:
    faults.faults.configure(FaultConfig(latency_ms=4000))
    started = time.monotonic()
    error = fails(stub.ListTargets, pb.ListTargetsRequest(campaign_id=DEMO_CAMPAIGN_ID), metadata=AUTH, timeout=0.5)
    elapsed = time.monotonic() - started
    assert error.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    assert elapsed < 3, "answered near the caller's deadline, not after the upstream's 4 s"
    faults.faults.configure(FaultConfig())
    deadline = time.monotonic() + 6
    while faults.request_log.in_flight and time.monotonic() < deadline:
        time.sleep(0.05)


def test_concurrent_lookups_in_one_campaign_share_its_page(stub: pb_grpc.TargetsServiceStub, sandbox: SandboxHandle,
                                                           faults: Sandbox) -> None:
    """Eight callers looking up eight targets at once: the lookups read the same 200-row page, so the calls in
    flight together are shared (the sandbox's latency keeps them in flight), and each caller gets its own target."""
    ids = [row["id"] for row in rest_targets(sandbox, DEMO_CAMPAIGN_ID)[:8]]
    faults.faults.configure(FaultConfig(latency_ms=400))
    faults.request_log.clear()
    with concurrent.futures.ThreadPoolExecutor(max_workers=len(ids)) as pool:
        found = list(pool.map(lambda target_id: stub.GetTarget(pb.GetTargetRequest(
            campaign_id=DEMO_CAMPAIGN_ID, target_id=target_id), metadata=AUTH).target.id, ids))
    assert found == ids
    calls = faults.request_log.snapshot()
    assert {(c.path, c.query) for c in calls} == {(f"/campaigns/{DEMO_CAMPAIGN_ID}/targets", calls[0].query)}
    assert len(calls) < len(ids), f"{len(calls)} upstream calls for {len(ids)} concurrent lookups"


def test_credentials_from_metadata(stub: pb_grpc.TargetsServiceStub, sandbox: SandboxHandle) -> None:
    sandbox.app.request_log.clear()
    none = fails(stub.ListTargets, pb.ListTargetsRequest(campaign_id=DEMO_CAMPAIGN_ID))
    assert none.code() == grpc.StatusCode.UNAUTHENTICATED
    assert details(none)["ErrorInfo"].reason == "UNAUTHENTICATED"
    assert sandbox.app.request_log.snapshot() == []
    bearer = stub.ListTargets(pb.ListTargetsRequest(campaign_id=DEMO_CAMPAIGN_ID, page_size=1),
                              metadata=[("authorization", f"Bearer {DEMO_API_KEY}"), ("x-request-id", "grpc-req-1")])
    assert bearer.total_size == 300
    [call] = sandbox.app.request_log.snapshot()
    assert call.headers == {"authorization": f"Bearer {DEMO_API_KEY}", "x-request-id": "grpc-req-1"}
    other = fails(stub.ListTargets, pb.ListTargetsRequest(campaign_id=DEMO_CAMPAIGN_ID),
                  metadata=[("x-api-key", OTHER_TENANT_KEY)])
    assert other.code() == grpc.StatusCode.NOT_FOUND


def test_health_and_reflection(running_gateway: RunningGateway) -> None:
    with grpc.insecure_channel(running_gateway.grpc_address) as channel:
        health = health_pb2_grpc.HealthStub(channel)
        for service in ("", "umanize.targets.v1.TargetsService"):
            status = health.Check(health_pb2.HealthCheckRequest(service=service)).status
            assert status == health_pb2.HealthCheckResponse.SERVING
        database = ProtoReflectionDescriptorDatabase(channel)
        services = set(database.get_services())
        assert {"umanize.targets.v1.TargetsService", "grpc.health.v1.Health"} <= services
        described = database.FindFileContainingSymbol("umanize.targets.v1.TargetsService")
        assert "ListTargets" in [m.name for m in described.service[0].method]


def test_health_is_not_serving_while_upstream_is_unreachable() -> None:
    unreachable = start_gateway("http://127.0.0.1:9", grpc_port=0)
    try:
        with grpc.insecure_channel(unreachable.grpc_address) as channel:
            status = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest()).status
        assert status == health_pb2.HealthCheckResponse.NOT_SERVING
    finally:
        unreachable.stop()


class HangingUpstream:
    """An upstream that never answers and notes when the gateway hangs up on it."""

    def __init__(self) -> None:
        self.received = threading.Event()
        self.disconnected = threading.Event()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        if not scope["path"].startswith("/campaigns/"):  # the gateway's readiness probe: answer it
            await send({"type": "http.response.start", "status": 404, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return
        self.received.set()
        while (await receive())["type"] != "http.disconnect":
            pass
        self.disconnected.set()


def test_cancelled_call_cancels_its_upstream_request() -> None:
    upstream = HangingUpstream()
    with ThreadedServer(upstream, lifespan="off") as server:
        gateway = start_gateway(server.url, grpc_port=0, upstream_timeout=30)
        try:
            with grpc.insecure_channel(gateway.grpc_address) as channel:
                call = pb_grpc.TargetsServiceStub(channel).ListTargets.future(
                    pb.ListTargetsRequest(campaign_id=DEMO_CAMPAIGN_ID), metadata=AUTH)
                assert upstream.received.wait(5), "the call reached the upstream"
                assert not upstream.disconnected.is_set()
                call.cancel()
                assert upstream.disconnected.wait(5), "the gateway dropped the upstream request"
        finally:
            gateway.stop()
