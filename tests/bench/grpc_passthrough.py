"""The cost of one Python gRPC hop: a grpc.aio server that forwards a REST GET and returns its bytes unparsed."""

from __future__ import annotations

import asyncio

import grpc
import httpx

from resolvers.upstream.transport import AiohttpTransport
from tests.bench.passthrough import proxy_arguments

METHOD = "/bench.Passthrough/Forward"  # request: a REST path with its query; response: the upstream's body


async def serve(upstream: str, port: int) -> None:
    client = httpx.AsyncClient(base_url=upstream, transport=AiohttpTransport(max_connections=100))

    async def forward(path: bytes, context: grpc.aio.ServicerContext[bytes, bytes]) -> bytes:
        metadata = {k: v for k, v in (context.invocation_metadata() or ()) if k in ("x-api-key", "authorization")}
        response = await client.get(path.decode(), headers=metadata)
        return response.content

    handler = grpc.method_handlers_generic_handler("bench.Passthrough", {
        "Forward": grpc.unary_unary_rpc_method_handler(forward),  # bytes in, bytes out: no (de)serializers
    })
    server = grpc.aio.server()
    server.add_generic_rpc_handlers((handler,))
    server.add_insecure_port(f"127.0.0.1:{port}")
    await server.start()
    print(f"gRPC pass-through ready on {port}", flush=True)
    await server.wait_for_termination()


if __name__ == "__main__":
    args = proxy_arguments(__doc__)
    asyncio.run(serve(args.upstream, args.port))
