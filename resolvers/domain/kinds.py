"""The codec of upstream values: each kind declares once how a raw value is checked and parsed, when it is already
its own serialization, and what protobuf field value it becomes.

Both transports' fast projections (the GraphQL fast path's compiled plans, gRPC's message builders) are generated
from these declarations by ``resolvers/domain/codegen.py``; nothing else converts upstream values.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from math import isfinite
from typing import Any, Generic, TypeVar
from uuid import UUID, SafeUUID

from resolvers.domain.errors import UpstreamUnavailable

T = TypeVar("T")

# What str(UUID(x)) returns: a string of this shape comes back from parse-and-serialize unchanged.
_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
is_canonical_uuid = _CANONICAL_UUID.fullmatch

# What datetime.isoformat() returns: no zero microseconds, no "-00:00" (it prints "+00:00").
_CANONICAL_DATETIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.(?!000000)[0-9]{6})?"
                                 r"(?:\+[0-9]{2}:[0-9]{2}|-(?!00:00)[0-9]{2}:[0-9]{2})?")


def is_canonical_datetime(value: str) -> bool:
    """Whether ``datetime.fromisoformat(value).isoformat() == value``, in a fraction of that call's time."""
    if _CANONICAL_DATETIME.fullmatch(value) is None:
        return False
    try:
        datetime.fromisoformat(value)  # the shape is right; this rejects impossible dates and offsets
    except ValueError:
        return False
    return True


def parse_uuid(value: Any) -> UUID | None:
    """UUID(value), or None when it is not one. Every spelling ``uuid.UUID`` reads is accepted (upper case,
    braces, ``urn:uuid:``, no hyphens). Canonical strings (what the API sends) take a fast path: the standard
    constructor costs microseconds in Python, and a 200-row page carries over a thousand ids."""
    if value is None:
        return None
    if isinstance(value, str) and is_canonical_uuid(value):
        parsed = object.__new__(UUID)
        object.__setattr__(parsed, "int", int(value.replace("-", ""), 16))
        object.__setattr__(parsed, "is_safe", SafeUUID.unknown)
        return parsed
    try:
        return UUID(str(value))
    except ValueError:
        return None


def canonical_uuid(value: Any) -> str | None:
    """The canonical text of an upstream UUID however it is spelled, or None when it is not one. The one place an
    id is normalized: lookups match rows by this text, so a row spelled in upper case is found like any other."""
    if type(value) is str and is_canonical_uuid(value):
        return value
    parsed = parse_uuid(value)
    return None if parsed is None else str(parsed)


def parse_datetime(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def parse_text(value: Any) -> str | None:
    return value if isinstance(value, str) else None if value is None else str(value)


def parse_float(value: Any) -> float | None:
    if type(value) is float:
        return value
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def parse_bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def parse_count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def parse_json_object(value: Any) -> dict[str, Any] | None:
    return value if isinstance(value, dict) else None


def required(parse: Callable[[Any], T | None], what: str) -> Callable[[Any], T]:
    """A parser for a value the upstream must send; decode checks rows for them before views are built."""

    def parse_required(value: Any) -> T:
        parsed = parse(value)
        if parsed is None:
            raise UpstreamUnavailable(f"Upstream value {value!r} is not a {what}")
        return parsed

    return parse_required


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def timestamp_fields(moment: datetime) -> dict[str, int]:
    """A ``google.protobuf.Timestamp`` as constructor fields (normalized seconds and nanos), with integer
    timedelta arithmetic, which is several times faster than ``Timestamp.FromDatetime``'s Python code."""
    delta = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)) - _EPOCH
    return {"seconds": delta.days * 86_400 + delta.seconds, "nanos": delta.microseconds * 1000}


def int32(value: int) -> int:
    """The contract's counts are int32: a larger upstream count is the upstream's fault, not silently cut."""
    if not -(2**31) <= value < 2**31:
        raise UpstreamUnavailable(f"Upstream count {value} does not fit the contract's int32")
    return value


# The names a ``Kind.canonical`` expression may use; the generated code's namespace holds them.
CANONICAL_NAMES: dict[str, Any] = {
    "is_canonical_uuid": is_canonical_uuid, "is_canonical_datetime": is_canonical_datetime, "isfinite": isfinite,
}


@dataclass(frozen=True, eq=False)
class Kind(Generic[T]):
    """One kind of upstream value and its whole codec.

    ``canonical`` is a Python expression over ``value`` that holds when the raw upstream value is exactly the
    serialization of what ``parse`` makes of it, as the ``graphql_type`` scalar serializes it and, when
    ``canonical_in_protobuf``, as the protobuf field takes it: such a value is copied without parsing.
    ``to_protobuf`` turns a parsed, non-null value into its protobuf field value (None: the value itself).
    """

    name: str
    parse: Callable[[Any], T]
    graphql_type: str
    required: bool = False  # the row must carry a valid value: decode checks it before building the view
    description: str = ""  # what a valid value is, for the error when it is not
    canonical: str | None = None
    canonical_in_protobuf: bool = True
    to_protobuf: Callable[[Any], Any] | None = None

    def protobuf(self, raw: Any) -> Any:
        """The protobuf field value of a raw upstream value; None leaves the field unset."""
        value = self.parse(raw)
        if value is None or self.to_protobuf is None:
            return value
        return self.to_protobuf(value)

    def required_kind(self, description: str) -> Kind[Any]:
        """The same kind for a value the upstream must send (a missing or invalid one fails the decode)."""
        return Kind(self.name, required(self.parse, description), self.graphql_type, True, description,
                    self.canonical, self.canonical_in_protobuf, self.to_protobuf)


UUID_KIND: Kind[UUID | None] = Kind("uuid", parse_uuid, "UUID", canonical="type(value) is str and "
                                    "is_canonical_uuid(value) is not None", to_protobuf=str)
DATETIME: Kind[datetime | None] = Kind("datetime", parse_datetime, "DateTime",
                                       canonical="type(value) is str and is_canonical_datetime(value)",
                                       canonical_in_protobuf=False, to_protobuf=timestamp_fields)
TEXT: Kind[str | None] = Kind("text", parse_text, "String", canonical="type(value) is str")
FLOAT: Kind[float | None] = Kind("float", parse_float, "Float", canonical="type(value) is float and isfinite(value)")
BOOL: Kind[bool | None] = Kind("bool", parse_bool, "Boolean", canonical="type(value) is bool")
COUNT: Kind[int] = Kind("count", parse_count, "Int", canonical="type(value) is int and "
                        "-2147483648 <= value < 2147483648", to_protobuf=int32)
JSON_OBJECT: Kind[dict[str, Any] | None] = Kind("json_object", parse_json_object, "JSON",
                                                canonical="type(value) is dict")  # a Struct takes the dict itself
REQUIRED_UUID: Kind[UUID] = UUID_KIND.required_kind("UUID")
REQUIRED_DATETIME: Kind[datetime] = DATETIME.required_kind("date-time")
REQUIRED_TEXT: Kind[str] = TEXT.required_kind("string")
