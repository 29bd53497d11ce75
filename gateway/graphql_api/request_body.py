"""Reading a request body at the HTTP edge within a size and a time limit, before anything parses it.

The limits hold as bytes arrive, whatever the client declared (``Content-Length`` or chunked): reading stops at
the limit, so an oversized body is never held in memory or spooled to disk beyond it.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from starlette.types import Message, Receive


class BodyTooLarge(Exception):
    def __init__(self, limit: int, received: int) -> None:
        super().__init__(f"request body over {limit} bytes")
        self.limit = limit
        self.received = received


class BodyTimeout(Exception):
    """The client did not send its whole body in time."""


class ClientGone(Exception):
    """The client disconnected before its body was complete."""


def bounded(receive: Receive, limit: int, timeout: float) -> Receive:
    """``receive`` that raises BodyTooLarge past ``limit`` body bytes and BodyTimeout when the whole body takes
    longer than ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    received = 0

    async def receive_within_limits() -> Message:
        nonlocal received
        try:
            async with asyncio.timeout(max(0.0, deadline - time.monotonic())):
                message = await receive()
        except TimeoutError:
            raise BodyTimeout from None
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise BodyTooLarge(limit, received)
        return message

    return receive_within_limits


async def read_body(receive: Receive) -> bytes:
    """The whole request body; ClientGone when the client disconnected first."""
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            raise ClientGone
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def replay(body: bytes, receive: Receive) -> Receive:
    """``receive`` for an app after the body was read here: the body once, then the original channel."""
    sent = False

    async def replaying() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return dict(await receive())

    return replaying


async def no_body() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}
