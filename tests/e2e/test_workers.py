"""`serve --workers 2` as an operator runs it: two worker processes on one HTTP and one gRPC port, the embedded
sandbox once, a killed worker replaced while requests keep succeeding, SIGTERM draining every worker."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import grpc
import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from gateway.grpc_api.generated import targets_pb2 as pb
from gateway.grpc_api.generated import targets_pb2_grpc as pb_grpc
from sandbox import DEMO_API_KEY, DEMO_CAMPAIGN_ID
from tests.support.serve_process import ServeProcess, free_port, start_serve

HEADERS = {"X-API-Key": DEMO_API_KEY}
QUERY = '{ campaign(id: "%s") { targets(first: 20) { totalCount nodes { id stage } } } }' % DEMO_CAMPAIGN_ID
METADATA = (("x-api-key", DEMO_API_KEY),)


@pytest.fixture
def two_workers(tmp_path: Path) -> Iterator[ServeProcess]:
    running = start_serve(tmp_path, "--workers", "2", "--log-format", "json")
    yield running
    running.stop()


def children(pid: int) -> set[int]:
    """The process's children, from /proc."""
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        found |= {int(child) for child in (task / "children").read_text().split()}
    return found


def served_by_worker(http: str) -> dict[tuple[str, str], float]:
    """gateway_worker_operations_served per (pid, transport), from /metrics (which aggregates every worker)."""
    text = httpx.get(http + "/metrics").text
    return {(s.labels["pid"], s.labels["transport"]): s.value for family in text_string_to_metric_families(text)
            if family.name == "gateway_worker_operations_served" for s in family.samples}


def graphql_on_a_new_connection(http: str) -> dict[str, object]:
    response = httpx.post(http + "/graphql", json={"query": QUERY}, headers=HEADERS, timeout=30)
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    assert body["data"]["campaign"]["targets"]["totalCount"] == 300  # type: ignore[index]
    return body


def grpc_on_a_new_channel(address: str) -> pb.ListTargetsResponse:
    # A channel of its own connection: grpc otherwise shares one connection among a process's channels. Waiting
    # for ready, as a client should: a connection queued on a worker's socket as it is killed is reset (each
    # worker listens on its own SO_REUSEPORT socket), and the channel then connects to a live one.
    with grpc.insecure_channel(address, options=[("grpc.use_local_subchannel_pool", 1)]) as channel:
        answer: pb.ListTargetsResponse = pb_grpc.TargetsServiceStub(channel).ListTargets(
            pb.ListTargetsRequest(campaign_id=DEMO_CAMPAIGN_ID, page_size=5), metadata=METADATA, timeout=30,
            wait_for_ready=True)
    assert answer.total_size == 300
    return answer


def test_two_workers_serve_graphql_and_grpc_on_one_port_each(two_workers: ServeProcess) -> None:
    workers = children(two_workers.process.pid)
    assert len(workers) == 2  # the workers, and nothing else: the sandbox runs in the supervisor, once
    assert two_workers.banner.count("embedded sandbox at") == 1 and "workers: 2" in two_workers.banner
    with ThreadPoolExecutor(8) as pool:  # concurrent, so an idle worker takes what a busy one cannot
        list(pool.map(lambda _: graphql_on_a_new_connection(two_workers.http), range(48)))
        list(pool.map(lambda _: grpc_on_a_new_channel(two_workers.grpc_address), range(24)))
    served = served_by_worker(two_workers.http)
    assert {int(pid) for pid, _ in served} == workers
    for transport, total in (("graphql", 48), ("grpc", 24)):
        per_worker = [served.get((str(pid), transport), 0) for pid in workers]
        assert sum(per_worker) == total and all(count > 0 for count in per_worker), (transport, per_worker)
    with socket.create_connection(("127.0.0.1", int(two_workers.sandbox_url.rsplit(":", 1)[1]))):
        pass  # the one sandbox every worker calls is the supervisor's


def dead(pid: int) -> bool:
    """Whether the process has exited (a zombie not yet reaped, or gone)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def test_a_killed_worker_is_replaced_while_requests_keep_succeeding(two_workers: ServeProcess) -> None:
    """A request the victim had already taken dies with it (SIGKILL is a crash); every request sent once it is
    dead succeeds, served by the other worker until the replacement serves too."""
    before = children(two_workers.process.pid)
    victim = min(before)
    stop = threading.Event()
    requests: list[tuple[float, BaseException | None]] = []  # (when sent, what failed)

    def keep_asking() -> None:
        while not stop.is_set():
            for ask in (lambda: graphql_on_a_new_connection(two_workers.http),
                        lambda: grpc_on_a_new_channel(two_workers.grpc_address)):
                sent = time.monotonic()
                try:
                    ask()
                    requests.append((sent, None))
                except Exception as error:  # every failure is judged below
                    requests.append((sent, error))

    asker = threading.Thread(target=keep_asking)
    asker.start()
    try:
        time.sleep(0.5)
        os.kill(victim, signal.SIGKILL)
        while not dead(victim):
            time.sleep(0.005)
        died = time.monotonic()
        deadline = died + 20
        while True:  # the supervisor notices and starts another worker
            now = children(two_workers.process.pid)
            if len(now) == 2 and victim not in now:
                break
            assert time.monotonic() < deadline, now
            time.sleep(0.1)
        replacement = (now - before).pop()
        ready_by = time.monotonic() + 20
        while str(replacement) not in {pid for pid, _ in served_by_worker(two_workers.http)}:
            assert time.monotonic() < ready_by, "the new worker never served"
            graphql_on_a_new_connection(two_workers.http)
    finally:
        stop.set()
        asker.join(30)
    after = [error for sent, error in requests if sent > died]
    assert len(after) > 10 and [e for e in after if e is not None] == []
    assert len([error for sent, error in requests if sent <= died and error is not None]) <= 1  # the one in flight
    served = served_by_worker(two_workers.http)
    assert str(victim) not in {pid for pid, _ in served}  # a dead worker's series leave /metrics with it
    assert any("(pid %d) exited with -9; starting another" % victim in line for line in two_workers.output)


def test_sigterm_drains_in_flight_calls_on_every_worker(two_workers: ServeProcess) -> None:
    httpx.put(two_workers.sandbox_url + "/_sandbox/faults", json={"latency_ms": 1500},
              headers=HEADERS).raise_for_status()
    workers = children(two_workers.process.pid)
    outcomes: list[object] = []

    def slow_graphql() -> None:
        try:
            outcomes.append(graphql_on_a_new_connection(two_workers.http))
        except BaseException as error:
            outcomes.append(error)

    def slow_grpc() -> None:
        try:
            outcomes.append(grpc_on_a_new_channel(two_workers.grpc_address))
        except BaseException as error:
            outcomes.append(error)

    callers = [threading.Thread(target=slow_graphql) for _ in range(6)] + \
        [threading.Thread(target=slow_grpc) for _ in range(6)]
    for caller in callers:
        caller.start()
    time.sleep(0.6)  # every call now waits on the slow upstream, spread over both workers
    in_flight = httpx.get(two_workers.http + "/metrics").text
    two_workers.process.send_signal(signal.SIGTERM)
    for caller in callers:
        caller.join(30)
    assert [o for o in outcomes if isinstance(o, BaseException)] == []
    assert len(outcomes) == 12
    assert two_workers.process.wait(timeout=30) == 0
    assert all(not Path(f"/proc/{pid}").exists() for pid in workers)
    active = [s.value for family in text_string_to_metric_families(in_flight)
              if family.name == "gateway_active_requests" for s in family.samples]
    assert sum(active) >= 11  # the scrape itself is one of them; all twelve calls were in flight when stopped


def test_a_grpc_port_another_process_serves_is_refused(tmp_path: Path) -> None:
    port = free_port()
    with socket.socket() as stranger:
        stranger.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)  # as grpc binds by default
        stranger.bind(("127.0.0.1", port))
        stranger.listen()
        for workers in ("1", "2"):
            result = subprocess.run(
                [sys.executable, "-m", "gateway", "serve", "--workers", workers, "--http-port", str(free_port()),
                 "--grpc-port", str(port), "--sandbox-db", str(tmp_path / "d.db")],
                capture_output=True, text=True, timeout=60)
            assert result.returncode == 2, result.stderr
            assert f"the gRPC port 127.0.0.1:{port} is in use by another process" in result.stderr


def test_an_http_port_in_use_is_refused_with_workers(tmp_path: Path) -> None:
    port = free_port()
    with socket.socket() as stranger:
        stranger.bind(("127.0.0.1", port))
        stranger.listen()
        result = subprocess.run(
            [sys.executable, "-m", "gateway", "serve", "--workers", "2", "--http-port", str(port), "--grpc-port",
             str(free_port()), "--sandbox-db", str(tmp_path / "d.db")], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2, result.stderr
    assert f"error: cannot listen on 127.0.0.1:{port} for HTTP" in result.stderr
    assert "Traceback" not in result.stderr
