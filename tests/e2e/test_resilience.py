"""Resilience end to end: writes all or nothing, retries by the table, the breaker, shedding, partial data.

Faults come from the sandbox's injection (over real loopback HTTP) and from small misbehaving upstreams on
loopback; every check counts what the upstream received, which is what a user's data depends on."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import grpc
import httpx
import pytest

from gateway.grpc_api.generated import targets_pb2 as pb
from gateway.grpc_api.generated import targets_pb2_grpc as pb_grpc
from tests.support.grpc_calls import AUTH, fails
from tests.support.servers import GatewayHandle, RunningGateway, SandboxHandle

CSV_HEAD = b"customer_id,name,email,phone\n"


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
    operations = json.dumps({"query": "mutation($c: UUID!, $f: Upload!) { importTargets(campaignId: $c, file: $f) "
                                      "{ total } }", "variables": {"c": campaign, "f": None}})
    boundary = "cut"
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="operations"\r\n\r\n{operations}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="map"\r\n\r\n{{"0": ["variables.f"]}}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="0"; filename="p.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n").encode() + CSV_HEAD + b"CUT-3,Cy,cy@example.com,+3922"
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

