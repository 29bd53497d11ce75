"""The gateway's HTTP application: GraphQL at /graphql, /healthz and /readyz, a request id on every response."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway import request_ids
from gateway.config import Settings
from gateway.graphql_api import graphiql
from gateway.graphql_api.view import GatewayGraphQL
from gateway.runtime import GatewayRuntime
from gateway.telemetry.metrics import exposition


class RequestIdMiddleware:
    """Takes the caller's valid X-Request-ID (or makes one: gateway/request_ids.py), exposes it as
    ``request.state.request_id`` and echoes it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_ids.request_id(dict(scope["headers"]).get(b"x-request-id"))
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
            await send(message)

        await self.app(scope, receive, send_with_id)


# What browsers send to /graphql: JSON, the credentials, a request id, trace context, the CSRF preflight header.
CORS_HEADERS = ("content-type", "authorization", "x-api-key", "x-request-id", "traceparent", "tracestate",
                "apollo-require-preflight", "graphql-preflight", "x-apollo-operation-name")


def server_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's part of the HTTP limits: connections served at once (more are answered 503; uvicorn counts the
    connection asking too, so its limit is one more), and how long in-flight requests get after SIGTERM."""
    return {"limit_concurrency": settings.max_connections + 1,
            "timeout_graceful_shutdown": settings.shutdown_grace_seconds}


def create_app(runtime: GatewayRuntime) -> Starlette:
    """The ASGI app over an existing runtime. Its lifespan runs the gRPC server (when a port is set) on the
    same event loop, stops it gracefully, and closes the upstream client."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        grpc_server = None
        settings = runtime.settings
        try:
            if settings.grpc_port is not None:
                from gateway.grpc_api.server import GrpcServer

                grpc_server = GrpcServer(runtime, host=settings.host, port=settings.grpc_port,
                                         grace_seconds=settings.shutdown_grace_seconds)
                await grpc_server.start()
                app.state.grpc_port = grpc_server.port
            yield
        finally:
            if grpc_server is not None:
                await grpc_server.stop()
            await runtime.aclose()

    async def metrics(request: Request) -> Response:
        body, content_type = exposition()
        return Response(body, media_type=content_type)

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> Response:
        """Ready or not, and nothing about where the upstream is: anyone can reach this."""
        if await runtime.upstream.probe():
            return JSONResponse({"status": "ready"})
        return JSONResponse({"status": "upstream unreachable"}, status_code=503)

    graphql_app = GatewayGraphQL(runtime, fast_path=runtime.settings.fast_path)
    app = Starlette(
        routes=[
            Mount(graphiql.ASSETS_PATH, StaticFiles(directory=graphiql.STATIC), name="graphiql-assets"),
            Route("/graphql", graphql_app, methods=["GET", "POST"]),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
            Route("/metrics", metrics, methods=["GET"]),
        ],
        lifespan=lifespan,
    )
    app.add_middleware(RequestIdMiddleware)
    if runtime.settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=list(runtime.settings.cors_origins),
                           allow_methods=["GET", "POST"], allow_headers=list(CORS_HEADERS),
                           expose_headers=["X-Request-ID"], max_age=600)
    return app
