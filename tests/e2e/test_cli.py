"""The command line as `make run` uses it: `umanize-gateway serve` in a subprocess, embedded sandbox included."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import httpx
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from gateway.grpc_api.generated import targets_pb2 as pb
from gateway.grpc_api.generated import targets_pb2_grpc as pb_grpc
from sandbox import DEMO_API_KEY, DEMO_CAMPAIGN_ID
from tests.support.serve_process import ServeProcess, start_serve


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[ServeProcess]:
    running = start_serve(tmp_path, "--log-format", "text")
    yield running
    running.stop()


def test_serve_starts_embedded_sandbox_with_demo_data_and_prints_how_to_use_it(serve: ServeProcess) -> None:
    assert f"{serve.http}/graphql" in serve.banner and serve.grpc_address in serve.banner
    assert DEMO_CAMPAIGN_ID in serve.banner and DEMO_API_KEY in serve.banner
    query = '{ campaign(id: "%s") { targets(first: 1) { totalCount } } }' % DEMO_CAMPAIGN_ID
    body = httpx.post(serve.http + "/graphql", json={"query": query}, headers={"X-API-Key": DEMO_API_KEY}).json()
    assert body == {"data": {"campaign": {"targets": {"totalCount": 300}}}}
    with grpc.insecure_channel(serve.grpc_address) as channel:
        response = pb_grpc.TargetsServiceStub(channel).ListTargets(
            pb.ListTargetsRequest(campaign_id=DEMO_CAMPAIGN_ID, page_size=1), metadata=[("x-api-key", DEMO_API_KEY)])
    assert response.total_size == 300


def test_sigterm_lets_in_flight_grpc_calls_finish(serve: ServeProcess) -> None:
    httpx.put(serve.sandbox_url + "/_sandbox/faults", json={"latency_ms": 1500},
              headers={"X-API-Key": DEMO_API_KEY}).raise_for_status()
    outcome: dict[str, object] = {}

    def slow_call() -> None:
        with grpc.insecure_channel(serve.grpc_address) as channel:
            try:
                outcome["response"] = pb_grpc.TargetsServiceStub(channel).ListTargets(
                    pb.ListTargetsRequest(campaign_id=DEMO_CAMPAIGN_ID, page_size=3),
                    metadata=[("x-api-key", DEMO_API_KEY)], timeout=20)
            except grpc.RpcError as error:
                outcome["error"] = error

    caller = threading.Thread(target=slow_call)
    caller.start()
    time.sleep(0.5)  # the call is now waiting on the slow upstream
    serve.process.send_signal(signal.SIGTERM)
    time.sleep(0.3)
    with grpc.insecure_channel(serve.grpc_address) as channel:
        try:
            health = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=2)
            assert health.status == health_pb2.HealthCheckResponse.NOT_SERVING
        except grpc.RpcError as error:
            assert error.code() == grpc.StatusCode.UNAVAILABLE  # already refusing new calls: also correct
    caller.join(timeout=20)
    assert "error" not in outcome, outcome.get("error")
    assert len(outcome["response"].targets) == 3  # type: ignore[attr-defined]
    serve.process.wait(timeout=20)
