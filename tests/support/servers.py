"""Real servers on loopback for end-to-end tests: the sandbox and the gateway under uvicorn in threads."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

import httpx

from resolvers.upstream.resilience import ResilienceSettings
from sandbox import DEMO_API_KEY, Sandbox, Store
from sandbox.server import ThreadedServer
from sandbox.store import CustomerFields

OTHER_TENANT_KEY = "other-tenant-key"


@dataclass
class SandboxHandle:
    """A running sandbox: its URL, its store (for arranging data) and the ASGI app (for its request log)."""

    url: str
    store: Store
    app: Sandbox

    def client(self, key: str = DEMO_API_KEY) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers={"X-API-Key": key}, timeout=10)

    def new_campaign(self, targets: int = 0, *, goal: str = "Book an installation visit for the upgrade",
                     tenant: str = "demo") -> str:
        """A fresh campaign with ``targets`` new customers enrolled (customers CUS-<campaign>-<n>)."""
        campaign_id = str(uuid.uuid4())
        self.store.create_campaign(campaign_id, tenant=tenant, name="test campaign", goal=goal)
        with self.store.transaction() as db:
            for n in range(targets):
                customer = self.store.insert_customer(db, tenant, CustomerFields(
                    customer_id=f"CUS-{campaign_id[:8]}-{n}", name=f"Name{n}", surname=f"Surname{n}",
                    email=f"person{n}.{campaign_id[:8]}@example.com", phone=f"+39 300 {n:07d}",
                ))
                self.store.insert_target(db, campaign_id, customer, None)
        return campaign_id


@dataclass
class GatewayHandle:
    """A running gateway over the session's sandbox, with helpers to post GraphQL and count upstream calls."""

    url: str
    sandbox: SandboxHandle

    def graphql(self, query: str, variables: dict[str, object] | None = None, *, key: str | None = DEMO_API_KEY,
                headers: dict[str, str] | None = None) -> dict[str, object]:
        sent = {"X-API-Key": key} if key else {}
        sent.update(headers or {})
        response = httpx.post(self.url + "/graphql", json={"query": query, "variables": variables or {}},
                              headers=sent, timeout=30)
        assert response.status_code == 200, response.text
        body: dict[str, object] = response.json()
        return body

    def upstream_calls(self) -> list[object]:
        return list(self.sandbox.app.request_log.snapshot())

    def reset_upstream_log(self) -> None:
        self.sandbox.app.request_log.clear()


@dataclass
class RunningGateway:
    """A gateway under uvicorn in a thread: GraphQL at ``url``, gRPC at ``grpc_address``."""

    server: ThreadedServer
    grpc_port: int | None
    runtime: Any = None  # the gateway's GatewayRuntime, for what only the process knows (retry counts, ...)

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def grpc_address(self) -> str:
        return f"127.0.0.1:{self.grpc_port}"

    def stop(self) -> None:
        self.server.stop()


NO_BREAKER = ResilienceSettings(breaker_failures=10**9, breaker_error_rate=2.0)


def start_gateway(upstream_url: str, **settings: object) -> RunningGateway:
    from gateway.app import create_app, server_options
    from gateway.config import Settings
    from gateway.runtime import GatewayRuntime

    # Many tests inject failures on purpose into one shared gateway: its breaker never opens unless a test asks
    # (tests/e2e/test_resilience.py starts gateways with the real defaults).
    options: dict[str, object] = {"grpc_port": None, "resilience": NO_BREAKER, **settings}
    runtime = GatewayRuntime.from_settings(Settings(upstream_url=upstream_url, **options))  # type: ignore[arg-type]
    app = create_app(runtime)
    server = ThreadedServer(app, lifespan="on", **server_options(runtime.settings)).start()
    return RunningGateway(server, getattr(app.state, "grpc_port", None), runtime)


def stream_until_answered(url: str, head: bytes, chunk: bytes = b"", count: int = 0) -> tuple[int, bytes]:
    """Sends ``head`` then up to ``count`` ``chunk``s on a raw socket, as a client that streams a large body does,
    stopping once the server answers or closes: (chunks sent, the server's answer)."""
    import select
    import socket

    host, port = url.removeprefix("http://").split(":")
    sent, answer = 0, b""
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        try:
            sock.sendall(head)
            for _ in range(count):
                if select.select([sock], [], [], 0)[0]:
                    break  # the server answered before the body was complete
                sock.sendall(chunk)
                sent += 1
        except (BrokenPipeError, ConnectionResetError):
            pass
        try:
            while data := sock.recv(65536):
                answer += data
        except (ConnectionResetError, TimeoutError):
            pass
    return sent, answer


def multipart_import_head(campaign: str, boundary: str, filename: str) -> bytes:
    """The start of a GraphQL multipart import (operations, map, the file part's headers): the file's bytes
    follow, then the closing boundary, when the caller sends them."""
    operations = json.dumps({"query": "mutation($c: UUID!, $f: Upload!) { importTargets(campaignId: $c, file: $f) "
                                      "{ total } }", "variables": {"c": campaign, "f": None}})
    return (f'--{boundary}\r\nContent-Disposition: form-data; name="operations"\r\n\r\n{operations}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="map"\r\n\r\n{{"0": ["variables.f"]}}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="0"; filename="{filename}"\r\n'
            "Content-Type: text/csv\r\n\r\n").encode()
