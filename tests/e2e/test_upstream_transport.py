"""The aiohttp transport against misbehaving servers on loopback: every failure a real upstream can cause reaches
the client as a gateway error, never as a foreign exception; and every aiohttp error class is mapped."""

from __future__ import annotations

import asyncio
import socket
import struct
import uuid
from collections.abc import Awaitable, Callable

import aiohttp
import pytest

from resolvers.domain.errors import GatewayError, UpstreamTimeout, UpstreamUnavailable
from resolvers.domain.models import ListQuery
from resolvers.upstream import Caller, UpstreamClient, mapped_transport_errors

Behaviour = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
QUERY = ListQuery(uuid.UUID("c0ffee00-0000-4000-8000-000000000001"))


async def _close_at_once(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.readuntil(b"\r\n\r\n")
    writer.close()


async def _truncated_body(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.readuntil(b"\r\n\r\n")
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"data\": [")
    await writer.drain()
    writer.close()


async def _not_http(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.readuntil(b"\r\n\r\n")
    writer.write(b"SSH-2.0-OpenSSH_9.6\r\n\r\n")
    await writer.drain()
    writer.close()


async def _reset(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.readuntil(b"\r\n\r\n")
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close with RST
    writer.transport.abort()


async def _silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.readuntil(b"\r\n\r\n")
    await asyncio.sleep(5)


async def _call_upstream(behaviour: Behaviour | None, timeout: float = 0.5) -> BaseException:
    """List targets from a loopback server behaving so (None: nothing listens); the exception the client raised."""
    server = None
    if behaviour is None:
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        probe.close()  # the port is now free: connections are refused
    else:
        async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                await behaviour(reader, writer)
            finally:  # also when the loop ends and cancels a handler still waiting
                writer.close()

        server = await asyncio.start_server(serve, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
    client = UpstreamClient(f"http://127.0.0.1:{port}", timeout=timeout, share_reads=False)
    try:
        await client.list_targets(Caller(api_key="k"), QUERY)
    except BaseException as error:
        return error
    finally:
        await client.aclose()
        if server is not None:
            server.close()
    raise AssertionError("the call should have failed")


@pytest.mark.parametrize(("behaviour", "expected"), [
    (None, UpstreamUnavailable),
    (_close_at_once, UpstreamUnavailable),
    (_truncated_body, UpstreamUnavailable),
    (_not_http, UpstreamUnavailable),
    (_reset, UpstreamUnavailable),
    (_silent, UpstreamTimeout),
], ids=["refused", "closed", "truncated-body", "not-http", "reset", "no-answer"])
def test_every_upstream_failure_becomes_a_gateway_error(behaviour: Behaviour | None,
                                                        expected: type[GatewayError]) -> None:
    error = asyncio.run(_call_upstream(behaviour))
    assert type(error) is expected, repr(error)
    assert isinstance(error.__cause__, aiohttp.ClientError | TimeoutError), repr(error.__cause__)


def test_every_aiohttp_exception_is_mapped() -> None:
    """Each exception class aiohttp exports that its client can raise is translated, none escapes as unexpected
    (the classes are built without their constructors' arguments, which the mapping never reads)."""
    classes = [c for c in vars(aiohttp).values()
               if isinstance(c, type) and issubclass(c, aiohttp.ClientError | aiohttp.ServerTimeoutError)]
    assert len(classes) > 20
    for cls in classes:
        with pytest.raises(GatewayError), mapped_transport_errors():
            raise cls.__new__(cls)
