"""Opaque cursors bound to a list's campaign, filters and order, and the connection they page through."""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from uuid import UUID

from resolvers.domain.errors import BadUserInput, FieldError
from resolvers.domain.models import Aggregations, Target, TargetFilter, TargetOrder

MAX_PAGE_SIZE = 200
_VERSION = "c1"


def list_fingerprint(campaign_id: UUID, filter_: TargetFilter, order: TargetOrder) -> str:
    """Short digest of what defines a list; a cursor carries it so it cannot be replayed on another list."""
    return hashlib.sha256(repr((campaign_id, filter_, order)).encode()).hexdigest()[:16]


def encode_cursor(fingerprint: str, offset: int) -> str:
    return base64.urlsafe_b64encode(f"{_VERSION}:{fingerprint}:{offset}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str, fingerprint: str, *, argument: str = "after") -> int:
    """The offset a cursor points at; BadUserInput when it is garbage or belongs to another list."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        version, cursor_fingerprint, offset_text = base64.urlsafe_b64decode(padded).decode().split(":")
        offset = int(offset_text)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise BadUserInput(f"'{argument}' is not a valid cursor",
                           field_errors=(FieldError((argument,), "not a valid cursor", "invalid_cursor"),)) from None
    if version != _VERSION or offset < 0 or cursor_fingerprint != fingerprint:
        raise BadUserInput(
            f"'{argument}' belongs to a different list (other campaign, filters or order)",
            field_errors=(FieldError((argument,), "cursor does not match this list", "foreign_cursor"),),
        )
    return offset


def check_page_size(value: int, *, argument: str = "first") -> int:
    if not 1 <= value <= MAX_PAGE_SIZE:
        raise BadUserInput(
            f"'{argument}' must be between 1 and {MAX_PAGE_SIZE}, got {value}",
            field_errors=(FieldError((argument,), f"must be between 1 and {MAX_PAGE_SIZE}", "out_of_range"),),
        )
    return value


@dataclass(frozen=True)
class Edge:
    """A target and its position in the list; the cursor is encoded only when a client asks for it."""

    node: Target
    fingerprint: str
    offset: int

    @property
    def cursor(self) -> str:
        return encode_cursor(self.fingerprint, self.offset)


@dataclass(frozen=True)
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@dataclass(frozen=True)
class TargetConnection:
    """One page of targets with Relay-style edges and cursors."""

    total_count: int
    edges: list[Edge]
    page_info: PageInfo
    aggregations: Aggregations | None

    @property
    def nodes(self) -> list[Target]:
        return [edge.node for edge in self.edges]
