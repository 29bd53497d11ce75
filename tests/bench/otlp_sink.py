"""An OTLP/HTTP trace sink for the bench: accepts every export and keeps nothing, so tracing's cost is the
gateway's own (building and exporting spans), not a collector's."""

from __future__ import annotations

import argparse

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


async def accept(request: Request) -> Response:
    await request.body()
    return Response(status_code=200, media_type="application/x-protobuf")


async def health(request: Request) -> Response:
    return Response("ok")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    app = Starlette(routes=[Route("/v1/traces", accept, methods=["POST"]), Route("/health", health)])
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")
