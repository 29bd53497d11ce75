"""The cost of one Python hop: a minimal pass-through HTTP proxy on the gateway's own stack."""

from __future__ import annotations

import argparse
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from resolvers.upstream.transport import AiohttpTransport

FORWARDED = ("authorization", "x-api-key")


def create_app(upstream: str) -> Starlette:
    # The gateway's own transport, so the comparison is one Python hop on the same stack.
    client = httpx.AsyncClient(base_url=upstream, transport=AiohttpTransport(max_connections=100))

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await client.aclose()

    async def forward(request: Request) -> Response:
        upstream_response = await client.request(
            request.method, request.url.path, params=request.query_params, content=await request.body(),
            headers={k: v for k, v in request.headers.items() if k in FORWARDED},
        )
        return Response(upstream_response.content, status_code=upstream_response.status_code,
                        media_type=upstream_response.headers.get("content-type"))

    return Starlette(routes=[Route("/{path:path}", forward, methods=["GET", "POST", "PATCH", "DELETE"])],
                     lifespan=lifespan)


def proxy_arguments(description: str | None) -> argparse.Namespace:
    """--upstream, --port and --cpu (the process is pinned to it), for this proxy and the gRPC one."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--cpu", type=int, default=None)
    args = parser.parse_args()
    if args.cpu is not None:
        os.sched_setaffinity(0, {args.cpu})
    return args


if __name__ == "__main__":
    args = proxy_arguments(__doc__)
    uvicorn.run(create_app(args.upstream), host="127.0.0.1", port=args.port, log_level="warning", access_log=False)
