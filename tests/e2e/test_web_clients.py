"""Web and mobile clients over real HTTP, on both executors: persisted operations (APQ and trusted documents),
compression, ETag revalidation, GraphQL over HTTP's media types and status codes (graphql-http's audit), and
gRPC compression both ways."""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import socket
import subprocess
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import brotli
import grpc
import httpx
import pytest
import zstandard

from gateway.grpc_api.generated import targets_pb2 as pb
from gateway.grpc_api.generated import targets_pb2_grpc as pb_grpc
from sandbox import DEMO_API_KEY, DEMO_CAMPAIGN_ID
from tests.support.servers import GatewayHandle, SandboxHandle, start_gateway

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = ROOT / "graphql" / "persisted-documents.json"
WEB_LIST = (ROOT / "graphql" / "operations" / "web_target_list.graphql").read_text(encoding="utf-8")
WEB_LIST_ID = hashlib.sha256(WEB_LIST.encode()).hexdigest()
HEADERS = {"X-API-Key": DEMO_API_KEY}
SMALL = "{ __typename }"
LIST_PAGE = '{ campaign(id: "%s") { targets(first: 50) { nodes { id stage customer { name email } } } } }' % (
    DEMO_CAMPAIGN_ID)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def apq(digest: str) -> dict[str, object]:
    return {"persistedQuery": {"version": 1, "sha256Hash": digest}}


@pytest.fixture(scope="module", params=["compiled", "standard"])
def trusted(request: pytest.FixtureRequest, sandbox: SandboxHandle) -> Iterator[GatewayHandle]:
    """A gateway that runs only graphql/persisted-documents.json's documents, on each executor."""
    running = start_gateway(sandbox.url, persisted_documents=str(MANIFEST), require_persisted_documents=True,
                            fast_path=request.param == "compiled")
    yield GatewayHandle(running.url, sandbox)
    running.stop()


def post(gateway: GatewayHandle, payload: dict[str, object], **headers: str) -> httpx.Response:
    return httpx.post(gateway.url + "/graphql", json=payload, headers={**HEADERS, **headers}, timeout=30)


# ---- Automatic Persisted Queries -------------------------------------------------------------------------------

def test_apq_registers_then_answers_by_hash_over_post_and_get(each_executor: GatewayHandle) -> None:
    query = '{ campaign(id: "%s") { id targets(first: 2) { totalCount } } }' % DEMO_CAMPAIGN_ID
    digest = sha256(query)
    unknown = post(each_executor, {"extensions": apq(digest)})
    assert unknown.status_code == 200
    assert unknown.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"

    registered = post(each_executor, {"query": query, "extensions": apq(digest)})
    assert registered.status_code == 200 and registered.json()["data"]["campaign"]["id"] == DEMO_CAMPAIGN_ID

    each_executor.reset_upstream_log()
    by_hash = post(each_executor, {"extensions": apq(digest)})
    assert by_hash.json() == registered.json()
    by_get = httpx.get(each_executor.url + "/graphql", headers=HEADERS,
                       params={"extensions": json.dumps(apq(digest))})
    assert by_get.status_code == 200 and by_get.json() == registered.json()
    assert by_get.headers["etag"] and by_get.headers["cache-control"] == "private, no-cache"
    assert len(each_executor.upstream_calls()) == 2  # one per request that ran; none for the lookups


def test_apq_refuses_a_document_whose_hash_does_not_match(each_executor: GatewayHandle) -> None:
    each_executor.reset_upstream_log()
    response = post(each_executor, {"query": LIST_PAGE, "extensions": apq(sha256("{ something else }"))})
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_HASH_MISMATCH"
    assert each_executor.upstream_calls() == []


@pytest.mark.parametrize(("extensions", "code"), [
    ({"persistedQuery": {"version": 2, "sha256Hash": "a" * 64}}, "PERSISTED_QUERY_NOT_SUPPORTED"),
    ({"persistedQuery": {"version": 1, "sha256Hash": "not hex"}}, "BAD_REQUEST"),
    ({"persistedQuery": "yes"}, "BAD_REQUEST"),
])
def test_malformed_persisted_query_extensions_are_400(each_executor: GatewayHandle, extensions: dict[str, object],
                                                      code: str) -> None:
    response = post(each_executor, {"extensions": extensions})
    assert response.status_code == 400 and response.json()["errors"][0]["extensions"]["code"] == code


def test_apq_off_says_not_supported(sandbox: SandboxHandle) -> None:
    running = start_gateway(sandbox.url, persisted_queries=False)
    try:
        response = post(GatewayHandle(running.url, sandbox), {"query": SMALL, "extensions": apq(sha256(SMALL))})
        assert response.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_SUPPORTED"
    finally:
        running.stop()


def test_documents_over_the_limits_are_never_registered(each_executor: GatewayHandle) -> None:
    deep = "{ " + " ".join(f"a{i}: __typename" for i in range(40)) + " }"  # over the 30-alias limit
    refused = post(each_executor, {"query": deep, "extensions": apq(sha256(deep))})
    assert refused.json()["errors"][0]["extensions"]["code"] == "OPERATION_LIMIT_EXCEEDED"
    lookup = post(each_executor, {"extensions": apq(sha256(deep))})
    assert lookup.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


# ---- trusted documents -----------------------------------------------------------------------------------------

def test_trusted_documents_run_by_document_id_and_by_hash(trusted: GatewayHandle) -> None:
    variables = {"campaignId": DEMO_CAMPAIGN_ID, "first": 5}
    by_id = post(trusted, {"documentId": f"sha256:{WEB_LIST_ID}", "variables": variables})
    assert by_id.status_code == 200, by_id.text
    assert len(by_id.json()["data"]["campaign"]["targets"]["nodes"]) == 5
    by_hash = post(trusted, {"extensions": apq(WEB_LIST_ID), "variables": variables})
    assert by_hash.json() == by_id.json()
    as_text = post(trusted, {"query": WEB_LIST, "variables": variables})  # the trusted text itself is allowed
    assert as_text.json() == by_id.json()
    unknown = post(trusted, {"documentId": "sha256:" + "0" * 64})
    assert unknown.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


def test_required_mode_refuses_any_other_document_before_an_upstream_call(trusted: GatewayHandle) -> None:
    trusted.reset_upstream_log()
    for payload in ({"query": LIST_PAGE}, {"query": LIST_PAGE, "extensions": apq(sha256(LIST_PAGE))},
                    {"query": "{ this is not even GraphQL"}):
        response = post(trusted, payload)
        assert response.status_code == 400, payload
        assert response.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_IN_LIST"
    refused_get = httpx.get(trusted.url + "/graphql", params={"query": LIST_PAGE}, headers=HEADERS)
    assert refused_get.status_code == 400
    assert refused_get.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_IN_LIST"
    assert trusted.upstream_calls() == []


def test_a_plain_map_manifest_names_documents_by_its_own_ids(sandbox: SandboxHandle, tmp_path: Path) -> None:
    manifest = tmp_path / "relay.json"
    manifest.write_text(json.dumps({"relay-id-1": SMALL}))
    running = start_gateway(sandbox.url, persisted_documents=str(manifest), require_persisted_documents=True)
    try:
        response = post(GatewayHandle(running.url, sandbox), {"documentId": "relay-id-1"})
        assert response.json() == {"data": {"__typename": "Query"}}
    finally:
        running.stop()


# ---- compression and revalidation ------------------------------------------------------------------------------

DECODERS = {"gzip": gzip.decompress, "br": brotli.decompress,
            "zstd": lambda body: zstandard.ZstdDecompressor().decompress(body, max_output_size=10**8)}


@pytest.mark.parametrize("encoding", ["gzip", "br", "zstd"])
def test_responses_are_compressed_as_accepted_and_decode_to_the_same_bytes(each_executor: GatewayHandle,
                                                                          encoding: str) -> None:
    payload = {"query": LIST_PAGE}
    with httpx.Client(headers={**HEADERS, "Accept-Encoding": "identity"}) as plain_client:
        plain = plain_client.post(each_executor.url + "/graphql", json=payload)
    assert "content-encoding" not in plain.headers and len(plain.content) > 1024
    with httpx.Client() as client:
        request = client.build_request("POST", each_executor.url + "/graphql", json=payload,
                                       headers={**HEADERS, "Accept-Encoding": encoding})
        compressed = client.send(request, stream=True)
        raw = b"".join(compressed.iter_raw())
    assert compressed.headers["content-encoding"] == encoding
    assert "Accept-Encoding" in compressed.headers["vary"]
    assert int(compressed.headers["content-length"]) == len(raw) < len(plain.content) / 3
    assert DECODERS[encoding](raw) == plain.content


def test_the_preferred_encoding_follows_q_values_and_small_answers_stay_plain(each_executor: GatewayHandle) -> None:
    url = each_executor.url + "/graphql"
    with httpx.Client(headers=HEADERS) as client:
        weighted = client.post(url, json={"query": LIST_PAGE}, headers={"Accept-Encoding": "zstd;q=0.5, gzip"})
        assert weighted.headers["content-encoding"] == "gzip"
        refused = client.post(url, json={"query": LIST_PAGE}, headers={"Accept-Encoding": "gzip;q=0, br;q=0"})
        assert "content-encoding" not in refused.headers
        small = client.post(url, json={"query": SMALL}, headers={"Accept-Encoding": "gzip"})
        assert "content-encoding" not in small.headers and small.json() == {"data": {"__typename": "Query"}}


def test_get_answers_carry_an_etag_and_revalidate_with_304(each_executor: GatewayHandle) -> None:
    url = each_executor.url + "/graphql"
    params = {"query": LIST_PAGE}
    with httpx.Client(headers={**HEADERS, "Accept-Encoding": "gzip"}) as client:
        first = client.get(url, params=params)
        tag = first.headers["etag"]
        assert tag.startswith('"') and tag.endswith('-gzip"')
        again = client.get(url, params=params, headers={"If-None-Match": tag})
        assert again.status_code == 304 and again.content == b""
        assert again.headers["etag"] == tag and again.headers["cache-control"] == "private, no-cache"
        assert again.headers["vary"] == "Authorization, X-API-Key, Accept-Encoding"
        plain = client.get(url, params=params, headers={"If-None-Match": tag, "Accept-Encoding": "identity"})
        assert plain.status_code == 304  # the same bytes, whatever encoding the tag was given for
        stale = client.get(url, params=params, headers={"If-None-Match": '"0123"'})
        assert stale.status_code == 200 and stale.content == first.content
        posted = client.post(url, json=params)
        assert "etag" not in posted.headers


# ---- GraphQL over HTTP ------------------------------------------------------------------------------------------

GRAPHQL_RESPONSE = "application/graphql-response+json"


@pytest.mark.parametrize(("query", "variables"), [
    ("{ campaign(id: ", {}),
    ("{ nope }", {}),
    ("query($id: UUID!) { campaign(id: $id) { id } }", {"id": "not a uuid"}),
])
def test_request_errors_are_400_without_data_under_graphql_response_json(
        each_executor: GatewayHandle, query: str, variables: dict[str, object]) -> None:
    payload = {"query": query, "variables": variables}
    modern = post(each_executor, payload, Accept=GRAPHQL_RESPONSE)
    assert modern.status_code == 400 and modern.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert "data" not in modern.json() and modern.json()["errors"]
    legacy = post(each_executor, payload, Accept="application/json")
    assert legacy.status_code == 200 and legacy.headers["content-type"].startswith("application/json")
    assert legacy.json()["data"] is None
    assert [e["message"] for e in legacy.json()["errors"]] == [e["message"] for e in modern.json()["errors"]]


def test_field_errors_keep_200_and_data_under_graphql_response_json(each_executor: GatewayHandle) -> None:
    query = '{ campaign(id: "%s") { targets { totalCount } } }' % "00000000-0000-4000-8000-000000000000"
    response = post(each_executor, {"query": query}, Accept=GRAPHQL_RESPONSE)
    assert response.status_code == 200 and response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert "data" in response.json() and response.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"


def test_graphql_http_audit_reports_every_item_ok(each_executor: GatewayHandle) -> None:
    """graphql-http's auditServer, the GraphQL-over-HTTP specification's reference audit (tests/node)."""
    output = subprocess.run(["node", str(ROOT / "tests" / "node" / "graphql_http_audit.mjs"),
                             each_executor.url + "/graphql"], capture_output=True, text=True, timeout=120,
                            check=True).stdout
    results = json.loads(output)
    assert len(results) >= 60
    assert [r for r in results if r["status"] != "ok"] == []


# ---- gRPC compression -------------------------------------------------------------------------------------------

class CountingRelay:
    """A TCP relay on loopback that counts the bytes each way: what gRPC really sent, compressed or not."""

    def __init__(self, target: str) -> None:
        host, port = target.rsplit(":", 1)
        self.target = (host, int(port))
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.address = f"127.0.0.1:{self.listener.getsockname()[1]}"
        self.to_server = self.to_client = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.target)
            threading.Thread(target=self._pipe, args=(client, server, "to_server"), daemon=True).start()
            threading.Thread(target=self._pipe, args=(server, client, "to_client"), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket, counter: str) -> None:
        with contextlib.suppress(OSError):
            while chunk := source.recv(65536):
                setattr(self, counter, getattr(self, counter) + len(chunk))
                sink.sendall(chunk)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)

    def close(self) -> None:
        self.listener.close()


def relayed_call(address: str, compression: grpc.Compression, request: pb.BatchGetTargetsRequest
                 ) -> tuple[pb.BatchGetTargetsResponse, int, int]:
    """One BatchGetTargets through a counting relay: (answer, bytes sent to the server, bytes received)."""
    relay = CountingRelay(address)
    try:
        with grpc.insecure_channel(relay.address, compression=compression) as channel:
            answer = pb_grpc.TargetsServiceStub(channel).BatchGetTargets(
                request, metadata=(("x-api-key", DEMO_API_KEY),), timeout=30)
        return answer, relay.to_server, relay.to_client
    finally:
        relay.close()


def test_grpc_accepts_gzip_requests_and_compresses_answers_for_clients_that_accept(sandbox: SandboxHandle) -> None:
    page = httpx.get(f"{sandbox.url}/campaigns/{DEMO_CAMPAIGN_ID}/targets", params={"limit": 50},
                     headers=HEADERS).json()["data"]
    # the 50 ids, then ids that are not there: a request of some size, which gzip shrinks
    ids = [row["id"] for row in page] + [str(uuid.UUID(int=n)) for n in range(1, 400)]
    request = pb.BatchGetTargetsRequest(campaign_id=DEMO_CAMPAIGN_ID, target_ids=ids)
    plain_server = start_gateway(sandbox.url, grpc_port=0)
    gzip_server = start_gateway(sandbox.url, grpc_port=0, grpc_compression="gzip")
    try:
        plain, plain_sent, plain_received = relayed_call(plain_server.grpc_address, grpc.Compression.NoCompression,
                                                         request)
        zipped, zipped_sent, zipped_received = relayed_call(gzip_server.grpc_address, grpc.Compression.Gzip,
                                                            request)
        assert zipped == plain and sum(1 for t in plain.targets if t.id) == 50
        assert zipped_sent < plain_sent * 0.8  # the client's gzip request was taken as it came
        assert zipped_received < plain_received / 2  # the answer came back compressed
        # the same gzip server answers a client that sends plainly too (grpc-accept-encoding still lists gzip)
        again, _, received = relayed_call(gzip_server.grpc_address, grpc.Compression.NoCompression, request)
        assert again == plain and received < plain_received / 2
    finally:
        plain_server.stop()
        gzip_server.stop()
