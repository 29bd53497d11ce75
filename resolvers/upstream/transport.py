"""The upstream HTTP transport: httpx's client API over aiohttp's connection pool.

httpx's own pool (httpcore) loses throughput as concurrency grows: a pass-through proxy measured 751 req/s at
concurrency 1 and 401 at 16, the same proxy over this transport 1,109 and 1,730 (docs/benchmarks.md). Errors are
not translated here: aiohttp's exceptions reach ``mapped_transport_errors``, the one place foreign errors become
gateway errors.
"""

from __future__ import annotations

from typing import Any

import aiohttp
import httpx

# Hop-by-hop or framing headers that describe aiohttp's decoded body, not the bytes handed to httpx.
_DROPPED_RESPONSE_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})


class AiohttpTransport(httpx.AsyncBaseTransport):
    """Sends httpx requests with one pooled ``aiohttp.ClientSession`` (created on first use, in the loop)."""

    def __init__(self, *, max_connections: int = 100, keepalive_seconds: float = 30.0) -> None:
        self.max_connections = max_connections
        self.keepalive_seconds = keepalive_seconds
        self._session: aiohttp.ClientSession | None = None

    def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self.max_connections, keepalive_timeout=self.keepalive_seconds,
                                             enable_cleanup_closed=True)
            self._session = aiohttp.ClientSession(connector=connector, auto_decompress=True, trust_env=False)
            # aiohttp re-sends a GET or DELETE once when a pooled connection drops: a purge could reach the
            # upstream twice. Whether a request is sent again is the client's decision (resilience.py), so off.
            self._session._retry_connection = False
        return self._session

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        timeouts: dict[str, Any] = request.extensions.get("timeout", {})
        # The read timeout bounds the whole call, so a caller's deadline holds however the server trickles.
        timeout = aiohttp.ClientTimeout(total=timeouts.get("read"), connect=timeouts.get("connect"))
        body: Any = request.content if isinstance(request.stream, httpx.ByteStream) else request.stream
        headers = [(k, v) for k, v in request.headers.multi_items() if k.lower() != "transfer-encoding"]
        async with self._get_session().request(
            request.method, str(request.url), headers=headers, data=body or None, timeout=timeout,
            allow_redirects=False,
        ) as response:
            content = await response.read()
            return httpx.Response(
                status_code=response.status,
                headers=[(k, v) for k, v in response.raw_headers
                         if k.decode("latin-1").lower() not in _DROPPED_RESPONSE_HEADERS],
                content=content,
                request=request,
                extensions={"reason_phrase": (response.reason or "").encode()},
            )

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
