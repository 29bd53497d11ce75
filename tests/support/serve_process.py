"""`umanize-gateway serve` as `make run` starts it: a subprocess over its embedded sandbox, its output drained."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class ServeProcess:
    process: subprocess.Popen[str]
    http: str
    grpc_address: str
    sandbox_url: str
    banner: str
    output: list[str]  # every line the process printed so far (a thread drains its stdout)
    drain: threading.Thread

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
        self.process.wait(timeout=20)
        self.drain.join(10)
        assert self.process.stdout is not None
        self.process.stdout.close()


def start_serve(tmp_path: Path, *options: str, env: dict[str, str] | None = None) -> ServeProcess:
    """``umanize-gateway serve`` over its embedded sandbox, ready; its output collected line by line."""
    import os

    http_port, grpc_port = free_port(), free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gateway", "serve", "--http-port", str(http_port), "--grpc-port", str(grpc_port),
         "--sandbox-db", str(tmp_path / "d.db"), "--shutdown-grace", "10", *options],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env={**os.environ, **(env or {})},
    )
    assert process.stdout is not None
    output: list[str] = []
    banner_read = threading.Event()

    def drain() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            output.append(line)
            if "demo API key" in line:
                banner_read.set()

    drainer = threading.Thread(target=drain, daemon=True)
    drainer.start()
    assert banner_read.wait(30), "".join(output)
    banner = "".join(output)
    sandbox = re.search(r"embedded sandbox at (http://[0-9.:]+)", banner)
    assert sandbox, banner
    http = f"http://127.0.0.1:{http_port}"
    deadline = time.monotonic() + 15
    while True:
        try:
            if httpx.get(http + "/readyz").status_code == 200:
                break
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, "gateway did not become ready"
        time.sleep(0.1)
    return ServeProcess(process, http, f"127.0.0.1:{grpc_port}", sandbox.group(1), banner, output, drainer)
