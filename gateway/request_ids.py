"""The request id both transports use: a caller's valid id is kept, anything else is replaced by a new one.

The id chosen here is the one logged, sent upstream as ``X-Request-ID`` and returned to the caller (the HTTP
response header, GraphQL ``extensions.requestId``, gRPC ``ErrorInfo.metadata.request_id``), so all of them match.
"""

from __future__ import annotations

import uuid

MAX_LENGTH = 128


def is_valid(candidate: str) -> bool:
    """1 to 128 printable ASCII characters: safe to log, to echo and to send upstream as a header."""
    return 0 < len(candidate) <= MAX_LENGTH and candidate.isascii() and candidate.isprintable()


def new_request_id() -> str:
    return uuid.uuid4().hex


def request_id(incoming: str | bytes | None) -> str:
    """The caller's id when it is valid, else a new one (never the caller's invalid text, not even cut short)."""
    if isinstance(incoming, bytes):
        try:
            incoming = incoming.decode("ascii")
        except UnicodeDecodeError:
            return new_request_id()
    return incoming if incoming is not None and is_valid(incoming) else new_request_id()
