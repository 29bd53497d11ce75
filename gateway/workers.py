"""Serving: one process, or a supervisor over N worker processes sharing the HTTP and gRPC ports.

The supervisor binds the HTTP socket once and hands it to every worker (the kernel gives each connection to one
of them); each worker binds the gRPC port with SO_REUSEPORT, after the supervisor has checked that no other
process serves it. Workers are fresh interpreters (``python -m gateway worker``), so no gRPC object exists before
they start (grpc's fork-support notes). A worker that dies is replaced; SIGTERM drains every worker. Metrics go to
a shared PROMETHEUS_MULTIPROC_DIR, so any worker's /metrics answers for all of them.
"""

from __future__ import annotations

import base64
import contextlib
import logging
import os
import pickle
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path
from types import FrameType

import uvicorn

from gateway.app import create_app, server_options
from gateway.config import Settings
from gateway.runtime import GatewayRuntime
from gateway.telemetry.access import configure_logging
from gateway.telemetry.tracing import configure_from_environment

logger = logging.getLogger("gateway.workers")

SETTINGS_ENV = "UMANIZE_WORKER_SETTINGS"  # the supervisor's Settings, for its workers only
SOCKET_ENV = "UMANIZE_WORKER_HTTP_FD"
RESTART_WINDOW_SECONDS = 5.0  # a worker that dies sooner than this after starting counts as failing to start
MAX_QUICK_DEATHS = 5  # that many in a row: the supervisor gives up rather than restart forever
POLL_SECONDS = 0.2


def available_cores() -> int:
    """The CPUs this process may run on (its affinity, as a container's cpuset sets it)."""
    return len(os.sched_getaffinity(0)) or 1


def port_in_use(host: str, port: int) -> bool:
    """Whether another socket listens on host:port. Bound without SO_REUSEPORT, so a port that another process
    serves with it (as grpc does by default) is found in use rather than silently shared."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return True
    return False


def free_port(host: str) -> int:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def serve_in_process(settings: Settings) -> None:
    """One process: uvicorn binds the HTTP port, the app's lifespan the gRPC port."""
    app = create_app(GatewayRuntime.from_settings(settings))
    tune_garbage_collector()
    uvicorn.run(app, host=settings.host, port=settings.http_port, log_level="warning", **server_options(settings))


def tune_garbage_collector() -> None:
    """Objects alive after start-up (modules, the schema) are frozen out of the cyclic collector's scans, which
    took ~9% of a gRPC ListTargets profile. Its thresholds stay at the defaults: raising them let cyclic
    garbage pile up to ~500 MB during 10,000-target exports (measured by make bench)."""
    import gc

    gc.collect()
    gc.freeze()


def worker_main() -> int:
    """A worker process: the supervisor's settings and HTTP socket, from its environment."""
    settings: Settings = pickle.loads(base64.b64decode(os.environ.pop(SETTINGS_ENV)))
    http_socket = socket.socket(fileno=int(os.environ.pop(SOCKET_ENV)))
    configure_logging(settings.log_format, settings.log_level)
    configure_from_environment()
    app = create_app(GatewayRuntime.from_settings(settings))
    tune_garbage_collector()
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", **server_options(settings)))
    server.run(sockets=[http_socket])
    return 0


@dataclass
class Worker:
    slot: int
    process: subprocess.Popen[bytes]
    started: float


class Supervisor:
    """Starts ``count`` workers, replaces any that dies, and on SIGTERM or SIGINT stops them all within the
    shutdown grace."""

    def __init__(self, settings: Settings, count: int) -> None:
        self.count = count
        self.stopping = threading.Event()
        self.http_socket = socket.socket(socket.AF_INET6 if ":" in settings.host else socket.AF_INET,
                                         socket.SOCK_STREAM)
        self.http_socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.http_socket.bind((settings.host, settings.http_port))
        self.http_socket.listen(2048)
        self.http_socket.set_inheritable(True)
        self.settings = replace(settings, http_port=int(self.http_socket.getsockname()[1]))
        self.metrics_dir = Path(tempfile.mkdtemp(prefix="umanize-metrics-"))
        self.workers: list[Worker] = []
        self.quick_deaths = 0

    def _environment(self) -> dict[str, str]:
        return {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(self.metrics_dir),
                SETTINGS_ENV: base64.b64encode(pickle.dumps(self.settings)).decode(),
                SOCKET_ENV: str(self.http_socket.fileno())}

    def _spawn(self, slot: int) -> Worker:
        process = subprocess.Popen([sys.executable, "-m", "gateway", "worker"], env=self._environment(),
                                   pass_fds=[self.http_socket.fileno()])
        logger.info("worker %d started (pid %d)", slot, process.pid, extra={"worker": slot, "pid": process.pid})
        return Worker(slot, process, time.monotonic())

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.stopping.set()

    def run(self) -> int:
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._on_signal)
        try:
            self.workers = [self._spawn(slot) for slot in range(self.count)]
            while not self.stopping.wait(POLL_SECONDS):
                for index, worker in enumerate(self.workers):
                    code = worker.process.poll()
                    if code is None:
                        continue
                    self._forget(worker.process.pid)
                    quick = time.monotonic() - worker.started < RESTART_WINDOW_SECONDS
                    self.quick_deaths = self.quick_deaths + 1 if quick else 0
                    logger.error("worker %d (pid %d) exited with %s; starting another", worker.slot,
                                 worker.process.pid, code,
                                 extra={"worker": worker.slot, "pid": worker.process.pid, "exit_code": code})
                    if self.quick_deaths >= MAX_QUICK_DEATHS:
                        logger.error("workers died %d times in a row at start-up; stopping", self.quick_deaths,
                                     extra={"deaths": self.quick_deaths})
                        self._stop_all()
                        return 1
                    self.workers[index] = self._spawn(worker.slot)
            self._stop_all()
            return 0
        finally:
            self.http_socket.close()
            shutil.rmtree(self.metrics_dir, ignore_errors=True)

    def _forget(self, pid: int) -> None:
        """A worker's live gauges (in-flight requests, its own series) leave /metrics with it."""
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid, str(self.metrics_dir))  # type: ignore[no-untyped-call]

    def _stop_all(self) -> None:
        """SIGTERM to every worker (each drains: in-flight HTTP requests and gRPC calls finish within the grace),
        then SIGKILL for any still running after it."""
        for worker in self.workers:
            with contextlib.suppress(ProcessLookupError):
                worker.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self.settings.shutdown_grace_seconds + 5
        for worker in self.workers:
            try:
                worker.process.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                logger.error("worker (pid %d) did not stop within the grace; killed", worker.process.pid,
                             extra={"pid": worker.process.pid})
                worker.process.kill()
                worker.process.wait()
