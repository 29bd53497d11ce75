"""Shared fixtures: a seeded sandbox under uvicorn on loopback, and per-test campaigns."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from sandbox import DEMO_API_KEY, Sandbox, SandboxSettings, Store, seed_demo
from sandbox.store import CustomerFields
from tests.live_server import LiveServer

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


@pytest.fixture(scope="session")
def sandbox() -> Iterator[SandboxHandle]:
    store = Store(":memory:")
    seed_demo(store)
    app = Sandbox(store, SandboxSettings(credentials={DEMO_API_KEY: "demo", OTHER_TENANT_KEY: "other"}))
    with LiveServer(app) as server:
        yield SandboxHandle(server.url, store, app)
    store.close()


@pytest.fixture
def api(sandbox: SandboxHandle) -> Iterator[httpx.Client]:
    with sandbox.client() as client:
        yield client
