"""What a GraphQL response looks like on the wire: compressed as the client accepts, revalidated with ETags.

Encodings (docs/benchmarks.md measures each on a web list page): zstd (level 3), brotli (quality 1) and gzip
(level 3), preferred in that order when the client weighs them equally; bodies under ``min_bytes`` are sent as
they are. GET answers carry a strong ETag of their bytes, and ``If-None-Match`` with it answers 304.
"""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Callable

import brotli
import zstandard
from starlette.types import Message, Send

_ZSTD = zstandard.ZstdCompressor(level=3)
# zstd, br and gzip, preferred in that order among equal weights (content_negotiation.py)
ENCODERS: dict[str, Callable[[bytes], bytes]] = {
    "zstd": _ZSTD.compress,
    "br": lambda body: bytes(brotli.compress(body, quality=1)),
    "gzip": lambda body: gzip.compress(body, compresslevel=3, mtime=0),
}
MIN_BYTES = 1024
# Per-caller answers: a shared cache must never hand one caller's answer to another; a browser revalidates.
GET_CACHE_CONTROL = b"private, no-cache"
VARY_CREDENTIALS = "Authorization, X-API-Key"


def _tag_matches(if_none_match: str, digest: str) -> bool:
    """Weak comparison (as If-None-Match requires): any listed tag naming these bytes, in any encoding."""
    for tag in if_none_match.split(","):
        tag = tag.strip().removeprefix("W/").strip('"')
        if tag == "*" or tag.split("-", 1)[0] == digest:
            return True
    return False


class EncodedSend:
    """``send`` for one GraphQL response: holds the start until the body is known, then compresses it and, for a
    GET, tags it (or answers 304). Streamed bodies pass through untouched."""

    def __init__(self, send: Send, *, compressing: bool, encoding: str | None, revalidate: bool = False,
                 if_none_match: str | None = None, min_bytes: int = MIN_BYTES) -> None:
        self.send = send
        self.compressing = compressing  # the gateway compresses at all (so answers vary by Accept-Encoding)
        self.encoding = encoding if compressing else None
        self.revalidate = revalidate
        self.if_none_match = if_none_match
        self.min_bytes = min_bytes
        self._start: Message | None = None

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self._start = message
            return
        start, self._start = self._start, None
        if start is None:
            await self.send(message)
            return
        if message["type"] != "http.response.body" or message.get("more_body", False):
            await self.send(start)
            await self.send(message)
            return
        await self._send_whole(start, message.get("body", b""))

    async def _send_whole(self, start: Message, body: bytes) -> None:
        status = int(start["status"])
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() not in (b"content-length", b"vary")]
        vary = [v.decode("latin-1") for k, v in start.get("headers", []) if k.lower() == b"vary"]
        encodable = self.encoding is not None and len(body) >= self.min_bytes and status != 304 \
            and not any(k.lower() == b"content-encoding" for k, _ in headers)
        if self.revalidate:
            vary.append(VARY_CREDENTIALS)
            headers = [(k, v) for k, v in headers if k.lower() != b"cache-control"]
            headers.append((b"cache-control", GET_CACHE_CONTROL))
        if self.compressing:
            vary.append("Accept-Encoding")
        if vary:
            headers.append((b"vary", ", ".join(vary).encode("latin-1")))
        if self.revalidate and status == 200:
            digest = hashlib.sha256(body).hexdigest()[:32]
            suffix = f"-{self.encoding}" if encodable else ""
            headers.append((b"etag", f'"{digest}{suffix}"'.encode()))
            if self.if_none_match and _tag_matches(self.if_none_match, digest):
                kept = [(k, v) for k, v in headers if k.lower() not in (b"content-type", b"content-encoding")]
                await self.send({"type": "http.response.start", "status": 304, "headers": kept})
                await self.send({"type": "http.response.body", "body": b""})
                return
        if encodable:
            assert self.encoding is not None
            body = ENCODERS[self.encoding](body)
            headers.append((b"content-encoding", self.encoding.encode()))
        headers.append((b"content-length", str(len(body)).encode()))
        await self.send({**start, "headers": headers})
        await self.send({"type": "http.response.body", "body": body})
