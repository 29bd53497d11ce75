"""The Dockerfile's steps, replayed outside Docker (this machine cannot pull base images): its build stage's RUN
lines install the package into a fresh virtualenv, then its ENV, HEALTHCHECK and ENTRYPOINT run the gateway, which
must become healthy, answer GraphQL and gRPC, and stop cleanly on SIGTERM. make test-deploy runs it."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import grpc
import httpx
from grpc_health.v1 import health_pb2, health_pb2_grpc

from tests.support.serve_process import free_port

ROOT = Path(__file__).resolve().parents[2]
# Steps that change the machine rather than the image's contents: the image's user (the test runs as it is).
SKIPPED = ("groupadd", "useradd")


def instructions(dockerfile: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n\s*", " ", "\n".join(line for line in dockerfile.read_text().splitlines()
                                               if not line.lstrip().startswith("#")))
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "")
            for line in text.splitlines() if line.strip()]


def stages(steps: list[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    found: list[list[tuple[str, str]]] = []
    for instruction, arguments in steps:
        if instruction == "FROM":
            found.append([])
        elif found:
            found[-1].append((instruction, arguments))
    return found


def expand(text: str, variables: dict[str, str]) -> str:
    return re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: variables.get(m.group(1) or m.group(2), ""), text)


def env_pairs(arguments: str, variables: dict[str, str]) -> dict[str, str]:
    return {key: expand(value, variables) for key, _, value in (item.partition("=") for item in shlex.split(arguments))}


def test_the_dockerfile_installs_and_runs_the_gateway(tmp_path: Path) -> None:
    build, final = stages(instructions(ROOT / "Dockerfile"))
    venv = tmp_path / "venv"
    tools = tmp_path / "tools"  # the base image's `python`
    tools.mkdir()
    (tools / "python").symlink_to(shutil.which("python3") or sys.executable)
    variables = {"VENV": str(venv), "PATH": f"{tools}:{os.environ['PATH']}"}
    workdir = tmp_path
    for instruction, arguments in build:
        if instruction == "WORKDIR":
            workdir = tmp_path / arguments.strip("/")
            workdir.mkdir(parents=True, exist_ok=True)
        elif instruction == "COPY":
            *sources, _ = shlex.split(arguments)
            for source in sources:
                origin = ROOT / source
                if origin.is_dir():
                    shutil.copytree(origin, workdir / source, ignore=shutil.ignore_patterns(
                        "__pycache__", "node_modules"))
                else:
                    shutil.copy2(origin, workdir / source)
        elif instruction == "RUN":
            subprocess.run(["sh", "-c", arguments], cwd=workdir, check=True, timeout=900,
                           env={**os.environ, **variables})
    assert (venv / "bin" / "umanize-gateway").exists()
    assert any((venv / "lib").glob("python3*/site-packages/gateway/graphql_api/graphiql/static/graphiql.min.js"))

    environment = {key: value for key, value in os.environ.items() if not key.startswith("UMANIZE_")}
    environment["PATH"] = variables["PATH"]
    healthcheck: list[str] = []
    entrypoint: list[str] = []
    ran: list[str] = []
    for instruction, arguments in final:
        if instruction == "ENV":
            environment.update(env_pairs(arguments, {**variables, "PATH": environment["PATH"]}))
        elif instruction == "RUN":
            assert arguments.split()[0] in SKIPPED, arguments
        elif instruction == "HEALTHCHECK":
            healthcheck = json.loads(arguments[arguments.index("CMD") + 3:])
        elif instruction == "ENTRYPOINT":
            entrypoint = json.loads(arguments)
        ran.append(instruction)
    assert {"ENV", "USER", "EXPOSE", "HEALTHCHECK", "ENTRYPOINT"} <= set(ran)
    assert environment["UMANIZE_WORKERS"] == "auto" and "UMANIZE_UPSTREAM_URL" not in environment
    # as an operator runs it: the image's settings, the ports and address chosen here (loopback only)
    http_port, grpc_port = free_port(), free_port()
    environment.update(UMANIZE_HOST="127.0.0.1", UMANIZE_HTTP_PORT=str(http_port), UMANIZE_GRPC_PORT=str(grpc_port),
                       UMANIZE_SANDBOX_DB=str(tmp_path / "sandbox.db"))
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    gateway = subprocess.Popen(entrypoint, cwd=run_dir, env=environment, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while subprocess.run(healthcheck, env=environment, capture_output=True).returncode != 0:
            assert gateway.poll() is None, gateway.stdout.read() if gateway.stdout else ""
            assert time.monotonic() < deadline, "the HEALTHCHECK never passed"
            time.sleep(0.5)
        query = '{ campaign(id: "c0ffee00-0000-4000-8000-000000000001") { targets(first: 1) { totalCount } } }'
        answer = httpx.post(f"http://127.0.0.1:{http_port}/graphql", json={"query": query},
                            headers={"X-API-Key": "umanize-demo-key"}, timeout=30)
        assert answer.json() == {"data": {"campaign": {"targets": {"totalCount": 300}}}}
        with grpc.insecure_channel(f"127.0.0.1:{grpc_port}") as channel:
            health = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=10)
        assert health.status == health_pb2.HealthCheckResponse.SERVING
    finally:
        gateway.send_signal(signal.SIGTERM)
        output = gateway.communicate(timeout=60)[0]
    assert gateway.returncode == 0, output
    banner = json.loads(next(line for line in output.splitlines() if '"started"' in line))
    assert any(f"workers: {len(os.sched_getaffinity(0))}" in line for line in banner["banner"])
