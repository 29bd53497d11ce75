"""Every GraphQL example in the README returns data against a gateway over a freshly seeded sandbox."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from sandbox import DEMO_API_KEY, Sandbox, Store, seed_demo
from sandbox.server import ThreadedServer
from tests.conftest import start_gateway

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```graphql\n(.*?)```", README, flags=re.DOTALL)
EXAMPLES = [line for block in BLOCKS for line in (
    [block] if not block.lstrip().startswith("mutation") else [m for m in block.splitlines() if m.strip()])]


@pytest.fixture(scope="module")
def demo_gateway() -> Iterator[str]:
    store = Store(":memory:")
    seed_demo(store)
    with ThreadedServer(Sandbox(store)) as sandbox:
        gateway = start_gateway(sandbox.url)
        yield gateway.url
        gateway.stop()
    store.close()


def test_readme_has_examples() -> None:
    assert len(EXAMPLES) >= 5


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: " ".join(e.split())[:50])
def test_readme_example_returns_data(demo_gateway: str, example: str) -> None:
    body = httpx.post(demo_gateway + "/graphql", json={"query": example}, headers={"X-API-Key": DEMO_API_KEY}).json()
    assert "errors" not in body, body.get("errors")
    assert body["data"] and all(value is not None for value in body["data"].values())
