"""Observability end to end: the access log of a real `serve` process, /metrics after known traffic, one trace
from the caller's traceparent to each upstream call, and dashboards that query only metrics the gateway exports."""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import httpx
import pytest
import yaml
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client.parser import text_string_to_metric_families

from gateway.grpc_api.generated import targets_pb2 as pb
from gateway.grpc_api.generated import targets_pb2_grpc as pb_grpc
from resolvers.upstream.observer import enable_tracing
from sandbox import DEMO_API_KEY, DEMO_CAMPAIGN_ID
from tests.e2e.test_cli import start_serve
from tests.support.grpc_calls import AUTH, fails, import_messages
from tests.support.servers import GatewayHandle, RunningGateway, SandboxHandle

ROOT = Path(__file__).resolve().parents[2]
WEB_LIST = (ROOT / "graphql" / "operations" / "web_target_list.graphql").read_text()
SECRET_TOKEN = "Bearer sk-live-" + uuid.uuid4().hex
UPLOAD_MARKER = "UPLOAD-CONTENT-" + uuid.uuid4().hex[:8]
ACCESS_FIELDS = {"time", "level", "logger", "message", "request_id", "trace_id", "transport", "operation",
                 "operation_type", "status", "error_codes", "duration_ms", "upstream_calls", "upstream_shared",
                 "upstream_retries", "upstream_queued_ms", "bytes_in", "bytes_out", "caller"}


def test_the_access_log_has_one_parseable_line_per_request_and_no_secret(tmp_path: Path) -> None:
    served = start_serve(tmp_path, "--log-format", "json")
    try:
        graphql = served.http + "/graphql"
        web = httpx.post(graphql, json={"query": WEB_LIST, "operationName": "WebTargetList",
                                        "variables": {"campaignId": DEMO_CAMPAIGN_ID, "first": 5}},
                         headers={"X-API-Key": DEMO_API_KEY, "X-Request-ID": "log-web-1"})
        assert web.status_code == 200 and "errors" not in web.json()
        bad = httpx.post(graphql, json={"query": "{ campaign(id: \"nope\") { id } }"},
                         headers={"Authorization": SECRET_TOKEN, "X-Request-ID": "log-bad-2"})
        assert bad.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
        with grpc.insecure_channel(served.grpc_address) as channel:
            stub = pb_grpc.TargetsServiceStub(channel)
            stub.ListTargets(pb.ListTargetsRequest(campaign_id=DEMO_CAMPAIGN_ID, page_size=3),
                             metadata=[*AUTH, ("x-request-id", "log-rpc-3")])
            fails(stub.GetTarget, pb.GetTargetRequest(campaign_id=DEMO_CAMPAIGN_ID, target_id=str(uuid.uuid4())),
                  metadata=[("authorization", SECRET_TOKEN), ("x-request-id", "log-rpc-4")])
            csv = f"customer_id,email\n{UPLOAD_MARKER},{UPLOAD_MARKER.lower()}@example.com\n".encode()
            stub.ImportTargets(import_messages(DEMO_CAMPAIGN_ID, csv), metadata=[*AUTH, ("x-request-id", "log-rpc-5")])
        time.sleep(0.3)
    finally:
        served.stop()
    lines = [json.loads(line) for line in served.output]  # every line is one JSON object
    access = {line["request_id"]: line for line in lines if line["logger"] == "gateway.access"}
    assert set(access) >= {"log-web-1", "log-bad-2", "log-rpc-3", "log-rpc-4", "log-rpc-5"}
    for line in access.values():
        assert set(line) == ACCESS_FIELDS, line
    assert sum(line["request_id"] == "log-web-1" for line in lines if line["logger"] == "gateway.access") == 1
    web_line = access["log-web-1"]
    assert (web_line["transport"], web_line["operation"], web_line["operation_type"], web_line["status"],
            web_line["error_codes"], web_line["upstream_calls"]) == ("graphql", "WebTargetList", "query", "200", [], 1)
    # bytes on the wire: the body as sent (compressed: httpx accepts gzip, br and zstd)
    assert web_line["bytes_in"] > 0 and web_line["duration_ms"] > 0
    assert web_line["bytes_out"] == web.num_bytes_downloaded < len(web.content)
    assert access["log-bad-2"]["error_codes"] == ["BAD_USER_INPUT"] and access["log-bad-2"]["upstream_calls"] == 0
    assert (access["log-rpc-3"]["transport"], access["log-rpc-3"]["operation"], access["log-rpc-3"]["status"]) == (
        "grpc", "ListTargets", "OK")
    # the upstream does not know the token: UNAUTHENTICATED, logged without the token
    assert access["log-rpc-4"]["status"] == "UNAUTHENTICATED"
    assert access["log-rpc-4"]["error_codes"] == ["UNAUTHENTICATED"]
    assert access["log-rpc-5"]["operation_type"] == "client_stream" and access["log-rpc-5"]["bytes_in"] > 0
    # a caller is told apart by a fingerprint; no credential, token or upload content is ever printed
    assert access["log-web-1"]["caller"] != access["log-bad-2"]["caller"]
    everything = "".join(served.output)
    for secret in (SECRET_TOKEN, SECRET_TOKEN.split()[1], UPLOAD_MARKER):
        assert secret not in everything
    # the embedded sandbox's public demo key is shown once, in the start-up banner, and nowhere else
    assert [line["message"] for line in lines if DEMO_API_KEY in json.dumps(line)] == ["started"]


# ---- metrics -------------------------------------------------------------------------------------------------

def scrape(url: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    samples = {}
    for family in text_string_to_metric_families(httpx.get(url + "/metrics").text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def value(samples: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float:
    return sum(v for (n, ls), v in samples.items() if n == name and set(labels.items()) <= ls)


def test_metrics_count_known_traffic_exactly(gateway: GatewayHandle, running_gateway: RunningGateway,
                                           sandbox: SandboxHandle) -> None:
    before = scrape(gateway.url)
    name = "MetricsProbe" + uuid.uuid4().hex[:6]
    query = "query %s($c: UUID!) { campaign(id: $c) { targets(first: 2) { totalCount } } }" % name
    for _ in range(3):
        assert "errors" not in gateway.graphql(query, {"c": DEMO_CAMPAIGN_ID})
    gateway.graphql('{ campaign(id: "nope") { id } }')
    with grpc.insecure_channel(running_gateway.grpc_address) as channel:
        pb_grpc.TargetsServiceStub(channel).ListTargets(pb.ListTargetsRequest(campaign_id=DEMO_CAMPAIGN_ID),
                                                        metadata=AUTH)
    after = scrape(gateway.url)

    def delta(metric: str, **labels: str) -> float:
        return value(after, metric, **labels) - value(before, metric, **labels)

    assert delta("graphql_server_operation_duration_seconds_count", graphql_operation_name=name,
                 graphql_operation_type="query", outcome="success") == 3
    assert delta("gateway_errors_total", transport="graphql", code="BAD_USER_INPUT") == 1
    assert delta("rpc_server_duration_seconds_count", rpc_method="ListTargets", rpc_grpc_status_code="OK") == 1
    route = "/campaigns/{campaign_id}/targets"
    assert delta("http_client_request_duration_seconds_count", url_template=route, http_request_method="GET",
                 http_response_status_code="200") == 4  # three lists and the RPC's (nothing in flight at once)
    assert delta("gateway_shared_reads_total", outcome="made") == 4
    assert delta("gateway_upstream_calls_per_operation_sum", transport="graphql") == 3
    assert delta("gateway_dataloader_batch_size_count", loader="target_pages") == 4  # the RPC's list batches too


def test_operation_names_are_a_bounded_label() -> None:
    from gateway.telemetry.metrics import OperationNames

    names = OperationNames(cap=3)
    assert [names.label(n) for n in ("a", "b", None, "c", "d", "a", "e")] == ["a", "b", "anonymous", "c", "other",
                                                                               "a", "other"]


# ---- traces --------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def spans() -> Iterator[InMemorySpanExporter]:
    """The process's tracer provider, recording in memory (set once: the API keeps the first provider)."""
    exporter = InMemorySpanExporter()
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider()
        trace.set_tracer_provider(provider)
    assert isinstance(trace.get_tracer_provider(), TracerProvider)
    assert enable_tracing()
    trace.get_tracer_provider().add_span_processor(SimpleSpanProcessor(exporter))  # type: ignore[attr-defined]
    yield exporter
    exporter.clear()


TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"


def traceparent() -> tuple[str, str]:
    parent = uuid.uuid4().hex[:16]
    trace_id = uuid.uuid4().hex
    return f"00-{trace_id}-{parent}-01", trace_id


def trace_of(exporter: InMemorySpanExporter, trace_id: str) -> list[ReadableSpan]:
    return [s for s in exporter.get_finished_spans() if s.context is not None
            and f"{s.context.trace_id:032x}" == trace_id]


def upstream_traceparents(sandbox: SandboxHandle) -> list[str]:
    return [c.headers.get("traceparent", "") for c in sandbox.app.request_log.snapshot()]


def check_one_trace(spans: list[ReadableSpan], sandbox: SandboxHandle, parent: str, trace_id: str,
                    server_name: str, upstream_calls: int) -> None:
    [server] = [s for s in spans if s.kind == trace.SpanKind.SERVER]
    assert server.name == server_name
    assert server.parent is not None and f"{server.parent.span_id:016x}" == parent.split("-")[2]
    clients = [s for s in spans if s.kind == trace.SpanKind.CLIENT]
    assert len(clients) == upstream_calls
    assert all(c.attributes and c.attributes["url.template"] == "/campaigns/{campaign_id}/targets" for c in clients)
    sent = upstream_traceparents(sandbox)
    assert len(sent) == upstream_calls and all(t.split("-")[1] == trace_id for t in sent)
    client_ids = {f"{c.context.span_id:016x}" for c in clients if c.context is not None}
    assert {t.split("-")[2] for t in sent} == client_ids  # each upstream call's parent is its client span


def test_a_web_list_is_one_trace_from_the_caller_to_the_upstream(spans: InMemorySpanExporter,
                                                                gateway: GatewayHandle, sandbox: SandboxHandle) -> None:
    parent, trace_id = traceparent()
    sandbox.app.request_log.clear()
    body = gateway.graphql(WEB_LIST, {"campaignId": DEMO_CAMPAIGN_ID, "first": 5}, headers={"traceparent": parent})
    assert "errors" not in body
    recorded = trace_of(spans, trace_id)
    check_one_trace(recorded, sandbox, parent, trace_id, "query WebTargetList", 1)
    [server] = [s for s in recorded if s.kind == trace.SpanKind.SERVER]
    assert server.attributes is not None and server.attributes["graphql.operation.name"] == "WebTargetList"


def test_a_campaigns_fan_out_is_one_trace_with_a_client_span_per_call(spans: InMemorySpanExporter,
                                                                     gateway: GatewayHandle,
                                                                     sandbox: SandboxHandle) -> None:
    parent, trace_id = traceparent()
    ids = [sandbox.new_campaign(1) for _ in range(3)]
    sandbox.app.request_log.clear()
    body = gateway.graphql("query Dash($ids: [UUID!]!) { campaigns(ids: $ids) { targets { totalCount } } }",
                           {"ids": ids}, headers={"traceparent": parent})
    assert "errors" not in body
    check_one_trace(trace_of(spans, trace_id), sandbox, parent, trace_id, "query Dash", 3)


def test_a_grpc_list_is_one_trace_from_the_caller_to_the_upstream(spans: InMemorySpanExporter,
                                                                 running_gateway: RunningGateway,
                                                                 sandbox: SandboxHandle) -> None:
    parent, trace_id = traceparent()
    sandbox.app.request_log.clear()
    with grpc.insecure_channel(running_gateway.grpc_address) as channel:
        pb_grpc.TargetsServiceStub(channel).ListTargets(pb.ListTargetsRequest(campaign_id=DEMO_CAMPAIGN_ID),
                                                        metadata=[*AUTH, ("traceparent", parent)])
    recorded = trace_of(spans, trace_id)
    check_one_trace(recorded, sandbox, parent, trace_id, "umanize.targets.v1.TargetsService/ListTargets", 1)
    [server] = [s for s in recorded if s.kind == trace.SpanKind.SERVER]
    assert server.attributes is not None and server.attributes["rpc.grpc.status_code"] == 0


# ---- dashboards and alerts -------------------------------------------------------------------------------------

PROMQL_NAME = re.compile(r"\b([a-z_][a-z0-9_]*)\s*(?=\{|\[|\)|$|\s*[-+*/><=!])")
PROMQL_WORDS = {"sum", "rate", "irate", "increase", "histogram_quantile", "by", "without", "max", "min", "avg",
                "le", "on", "ignoring", "and", "or", "unless", "count", "clamp_min", "bool", "topk"}


def queried_metrics(expressions: list[str]) -> set[str]:
    names = set()
    for expression in expressions:
        without_labels = re.sub(r"\{[^}]*\}", "{}", expression)
        without_labels = re.sub(r"\[[^\]]*\]", "[]", without_labels)
        without_labels = re.sub(r"\b(by|without)\s*\([^)]*\)", "", without_labels)
        names |= {n for n in PROMQL_NAME.findall(without_labels) if n not in PROMQL_WORDS}
    return names


def test_dashboards_and_alerts_query_only_metrics_the_gateway_exports(gateway: GatewayHandle) -> None:
    gateway.graphql('{ campaign(id: "%s") { targets { totalCount } } }' % DEMO_CAMPAIGN_ID)
    exported = {name for name, _ in scrape(gateway.url)}
    dashboard: dict[str, Any] = json.loads((ROOT / "deploy" / "grafana" / "umanize-gateway.json").read_text())
    panel_queries = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    alerts = yaml.safe_load((ROOT / "deploy" / "prometheus" / "alerts.yml").read_text())
    rule_queries = [r["expr"] for g in alerts["groups"] for r in g["rules"]]
    assert len(panel_queries) >= 8 and len(rule_queries) >= 3
    queried = queried_metrics(panel_queries + rule_queries)
    assert queried, "no metric names found"
    assert queried <= exported, f"not exported: {sorted(queried - exported)}"
