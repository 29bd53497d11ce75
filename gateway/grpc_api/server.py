"""The grpc.aio server: TargetsService, grpc.health.v1 (follows upstream reachability) and reflection."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from gateway.grpc_api import edge
from gateway.grpc_api.servicer import TargetsServicer
from gateway.runtime import GatewayRuntime

logger = logging.getLogger("gateway.grpc")

SERVICE_NAME = edge.SERVICE.full_name
# Import chunks are at most 1 MiB and a page of 200 targets is well under 1 MiB; these leave headroom while
# refusing absurd messages before they are buffered.
MAX_RECEIVE_BYTES = 4 * 1024 * 1024
MAX_SEND_BYTES = 16 * 1024 * 1024
COMPRESSION = {"none": grpc.Compression.NoCompression, "gzip": grpc.Compression.Gzip,
               "deflate": grpc.Compression.Deflate}


class GrpcServer:
    """Started and stopped by the HTTP app's lifespan, so both transports share one process and event loop."""

    def __init__(self, runtime: GatewayRuntime, *, host: str, port: int, grace_seconds: float = 10.0,
                 health_interval: float = 5.0) -> None:
        self.runtime = runtime
        self.grace_seconds = grace_seconds
        self.health_interval = health_interval
        # Requests arrive compressed as clients choose (grpc decodes gzip and deflate); answers are compressed with
        # --grpc-compression for clients whose grpc-accept-encoding lists it.
        self.server = grpc.aio.server(options=[
            ("grpc.max_receive_message_length", MAX_RECEIVE_BYTES),
            ("grpc.max_send_message_length", MAX_SEND_BYTES),
            # Workers share the port (SO_REUSEPORT, after serve checked no other process holds it); one process
            # alone does not, so a port someone else serves is an error rather than traffic split with a stranger.
            ("grpc.so_reuseport", 1 if runtime.settings.workers > 1 else 0),
        ], compression=COMPRESSION[runtime.settings.grpc_compression])
        edge.add_to_server(TargetsServicer(), runtime, self.server)
        self.health = health.aio.HealthServicer()
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self.server)
        if runtime.settings.introspection:  # --no-introspection hides the schema on both transports
            reflection.enable_server_reflection(
                [SERVICE_NAME, health_pb2.DESCRIPTOR.services_by_name["Health"].full_name, reflection.SERVICE_NAME],
                self.server,
            )
        self.port = self.server.add_insecure_port(f"{host}:{port}")
        self._watch: asyncio.Task[None] | None = None
        self._pending: asyncio.Future[None] | None = None

    async def start(self) -> None:
        # the breaker opening or closing changes health at once, not at the next periodic probe
        self.runtime.upstream.breaker.listeners.append(lambda _: self._health_soon())
        await self._update_health()
        await self.server.start()
        self._watch = asyncio.create_task(self._watch_upstream(), name="grpc-health")

    def _health_soon(self) -> None:
        self._pending = asyncio.ensure_future(self._update_health())

    async def _update_health(self) -> None:
        serving = await self.runtime.upstream.probe()
        status = health_pb2.HealthCheckResponse.SERVING if serving else health_pb2.HealthCheckResponse.NOT_SERVING
        for service in ("", SERVICE_NAME):
            await self.health.set(service, status)

    async def _watch_upstream(self) -> None:
        while True:
            await asyncio.sleep(self.health_interval)
            try:
                await self._update_health()
            except Exception:  # the watcher must outlive any single failed probe
                logger.exception("health probe failed")

    async def stop(self) -> None:
        """Health goes NOT_SERVING at once; in-flight calls get ``grace_seconds`` to finish."""
        if self._watch is not None:
            self._watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watch
        await self.health.enter_graceful_shutdown()
        await self.server.stop(self.grace_seconds)
