"""The command line as `make run` uses it: `umanize-gateway serve` in a subprocess, embedded sandbox included."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from sandbox import DEMO_API_KEY, DEMO_CAMPAIGN_ID


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_serve_starts_embedded_sandbox_with_demo_data_and_prints_how_to_use_it(tmp_path: Path) -> None:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gateway", "serve", "--http-port", str(port), "--sandbox-db", str(tmp_path / "d.db")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        assert process.stdout is not None
        printed = [process.stdout.readline() for _ in range(4)]
        text = "".join(printed)
        assert f"http://127.0.0.1:{port}/graphql" in text
        assert DEMO_CAMPAIGN_ID in text and DEMO_API_KEY in text
        deadline = time.monotonic() + 15
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "gateway did not become ready"
            time.sleep(0.1)
        query = '{ campaign(id: "%s") { targets(first: 1) { totalCount } } }' % DEMO_CAMPAIGN_ID
        body = httpx.post(f"http://127.0.0.1:{port}/graphql", json={"query": query},
                          headers={"X-API-Key": DEMO_API_KEY}).json()
        assert body == {"data": {"campaign": {"targets": {"totalCount": 300}}}}
    finally:
        process.terminate()
        process.wait(timeout=15)
        if process.stdout is not None:
            process.stdout.close()
    assert (tmp_path / "d.db").exists(), "the demo data persists in the sandbox database"
