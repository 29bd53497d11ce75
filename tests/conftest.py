"""Shared fixtures: a seeded sandbox under uvicorn on loopback, and a gateway (GraphQL and gRPC) over it."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from sandbox import DEMO_API_KEY, Sandbox, SandboxSettings, Store, seed_demo
from sandbox.server import ThreadedServer
from tests.support.servers import OTHER_TENANT_KEY, GatewayHandle, RunningGateway, SandboxHandle, start_gateway


@pytest.fixture(scope="session")
def sandbox() -> Iterator[SandboxHandle]:
    store = Store(":memory:")
    seed_demo(store)
    app = Sandbox(store, SandboxSettings(credentials={DEMO_API_KEY: "demo", OTHER_TENANT_KEY: "other"}))
    with ThreadedServer(app) as server:
        yield SandboxHandle(server.url, store, app)
    store.close()


@pytest.fixture
def api(sandbox: SandboxHandle) -> Iterator[httpx.Client]:
    with sandbox.client() as client:
        yield client


@pytest.fixture(scope="session")
def running_gateway(sandbox: SandboxHandle) -> Iterator[RunningGateway]:
    """One gateway (GraphQL and gRPC) over the session's sandbox."""
    running = start_gateway(sandbox.url, grpc_port=0)
    yield running
    running.stop()


@pytest.fixture(scope="session")
def gateway(sandbox: SandboxHandle, running_gateway: RunningGateway) -> GatewayHandle:
    return GatewayHandle(running_gateway.url, sandbox)


@pytest.fixture
def faults(sandbox: SandboxHandle) -> Iterator[Sandbox]:
    """The session sandbox, with its faults reset after the test."""
    from sandbox import FaultConfig

    yield sandbox.app
    sandbox.app.faults.configure(FaultConfig())


@pytest.fixture(scope="session")
def standard_gateway(sandbox: SandboxHandle) -> Iterator[GatewayHandle]:
    """A second gateway with --no-fast-path: every GraphQL operation runs on strawberry's executor."""
    running = start_gateway(sandbox.url, fast_path=False)
    yield GatewayHandle(running.url, sandbox)
    running.stop()


@pytest.fixture(params=["compiled", "standard"])
def each_executor(request: pytest.FixtureRequest) -> GatewayHandle:
    """The gateway on the compiled fast path, then the one on strawberry's executor: rules must hold on both."""
    handle: GatewayHandle = request.getfixturevalue("gateway" if request.param == "compiled" else "standard_gateway")
    return handle
