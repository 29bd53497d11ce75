"""Every GraphQL and grpcurl example in the README answers without errors, from a gateway over a fresh demo sandbox."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import grpc
import httpx
import pytest
from google.protobuf import json_format

from gateway.grpc_api.generated import targets_pb2 as pb
from gateway.grpc_api.generated import targets_pb2_grpc as pb_grpc
from sandbox import DEMO_API_KEY, Sandbox, Store, seed_demo
from sandbox.server import ThreadedServer
from tests.support.servers import start_gateway

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```graphql\n(.*?)```", README, flags=re.DOTALL)
EXAMPLES = [line for block in BLOCKS for line in (
    [block] if not block.lstrip().startswith("mutation") else [m for m in block.splitlines() if m.strip()])]
# grpcurl -plaintext -H '<key>: <value>' -d '<JSON>' <address> umanize.targets.v1.TargetsService/<Method>
GRPCURL = re.findall(r"grpcurl -plaintext -H '([^:]+): ([^']+)' \\\n\s+-d '([^']+)' \\\n\s+\S+ "
                     r"umanize\.targets\.v1\.TargetsService/(\w+)", README)


@pytest.fixture(scope="module")
def demo_gateway() -> Iterator[tuple[str, str]]:
    """The GraphQL URL and the gRPC address."""
    store = Store(":memory:")
    seed_demo(store)
    with ThreadedServer(Sandbox(store)) as sandbox:
        gateway = start_gateway(sandbox.url, grpc_port=0)
        yield gateway.url, gateway.grpc_address
        gateway.stop()
    store.close()


def test_readme_has_examples() -> None:
    assert len(EXAMPLES) >= 5


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: " ".join(e.split())[:50])
def test_readme_example_returns_data(demo_gateway: tuple[str, str], example: str) -> None:
    body = httpx.post(demo_gateway[0] + "/graphql", json={"query": example}, headers={"X-API-Key": DEMO_API_KEY}).json()
    assert "errors" not in body, body.get("errors")
    assert body["data"] and all(value is not None for value in body["data"].values())


def test_readme_has_grpcurl_examples() -> None:
    assert len(GRPCURL) >= 2


@pytest.mark.parametrize(("header", "value", "payload", "method"), GRPCURL, ids=lambda v: v[:40])
def test_readme_grpcurl_example_answers(demo_gateway: tuple[str, str], header: str, value: str, payload: str,
                                        method: str) -> None:
    """The example's JSON parsed the way grpcurl parses it (proto3 JSON), sent by the generated stub."""
    request_type = getattr(pb, pb.DESCRIPTOR.services_by_name["TargetsService"].methods_by_name[method].input_type.name)
    request = json_format.Parse(payload, request_type())
    with grpc.insecure_channel(demo_gateway[1]) as channel:
        response = getattr(pb_grpc.TargetsServiceStub(channel), method)(request, metadata=[(header, value)])
    assert response.ByteSize() > 0
    if method == "ListTargets":
        assert len(response.targets) == request.page_size and response.total_size > request.page_size
        if request.read_mask.paths:
            assert all({f.name for f, _ in t.ListFields()} <= {p.split(".")[0] for p in request.read_mask.paths}
                       for t in response.targets)
