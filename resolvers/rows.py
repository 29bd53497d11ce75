"""Domain objects as lazy views over upstream JSON rows: value kinds, and the descriptor fields are declared with.

A 50-target page carries some 2,500 values, and most requests read a fraction of them. So a domain object keeps
the row it was decoded from, and each ``Field`` parses its value on first read, then caches it on the instance.
Each field names its upstream key and its ``Kind`` once; the transports' projections (protobuf, the GraphQL fast
path) read the same declarations, so the REST-to-domain mapping is written in one place.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar, cast, overload
from uuid import UUID, SafeUUID

from resolvers.errors import UpstreamUnavailable

T = TypeVar("T")

# What str(UUID(x)) returns: a string of this shape comes back from parse-and-serialize unchanged.
CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


# What datetime.isoformat() returns: no zero microseconds, no "-00:00" (it prints "+00:00").
CANONICAL_DATETIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.(?!000000)[0-9]{6})?"
                                r"(?:\+[0-9]{2}:[0-9]{2}|-(?!00:00)[0-9]{2}:[0-9]{2})?")


def is_canonical_datetime(value: str) -> bool:
    """Whether ``datetime.fromisoformat(value).isoformat() == value``, in a fraction of that call's time."""
    if CANONICAL_DATETIME.fullmatch(value) is None:
        return False
    try:
        datetime.fromisoformat(value)  # the shape is right; this rejects impossible dates and offsets
    except ValueError:
        return False
    return True


def parse_uuid(value: Any) -> UUID | None:
    """UUID(value), or None when it is not one. Canonical strings (what the API sends) take a fast path: the
    standard constructor costs microseconds in Python, and a 200-row page carries over a thousand ids."""
    if value is None:
        return None
    if isinstance(value, str) and CANONICAL_UUID.fullmatch(value):
        parsed = object.__new__(UUID)
        object.__setattr__(parsed, "int", int(value.replace("-", ""), 16))
        object.__setattr__(parsed, "is_safe", SafeUUID.unknown)
        return parsed
    try:
        return UUID(str(value))
    except ValueError:
        return None


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


@dataclass(frozen=True, eq=False)
class Kind(Generic[T]):
    """How one kind of upstream value becomes a domain value; projections key their converters by kind."""

    name: str
    parse: Callable[[Any], T]
    required: bool = False  # the row must carry a valid value: decode checks it before building the view
    description: str = ""  # what a valid value is, for the error when it is not


UUID_KIND: Kind[UUID | None] = Kind("uuid", parse_uuid)
DATETIME: Kind[datetime | None] = Kind("datetime", parse_datetime)
TEXT: Kind[str | None] = Kind("text", parse_text)
FLOAT: Kind[float | None] = Kind("float", parse_float)
BOOL: Kind[bool | None] = Kind("bool", parse_bool)
COUNT: Kind[int] = Kind("count", parse_count)
JSON_OBJECT: Kind[dict[str, Any] | None] = Kind("json_object", parse_json_object)
REQUIRED_UUID: Kind[UUID] = Kind("uuid", required(parse_uuid, "UUID"), True, "UUID")
REQUIRED_DATETIME: Kind[datetime] = Kind("datetime", required(parse_datetime, "date-time"), True, "date-time")
REQUIRED_TEXT: Kind[str] = Kind("text", required(parse_text, "string"), True, "string")


class RowView:
    """A domain object reading its values from an upstream row (a JSON object, already validated)."""

    def __init__(self, row: Mapping[str, Any]) -> None:
        self.row = row

    def representation(self, name: str, build: Callable[[RowView], T]) -> T:
        """A transport's representation of the view, built on first use and kept with it. Requests that shared an
        upstream read share its views (gateway/upstream/shared_reads.py), so this is built once per answer, not
        once per request; callers must treat it as read-only."""
        key = "representation:" + name  # cannot clash with an attribute name
        try:
            return cast(T, self.__dict__[key])
        except KeyError:
            value = self.__dict__[key] = build(self)
            return value

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and all(
            getattr(self, name) == getattr(other, name) for name in attribute_names(type(self)))

    def __hash__(self) -> int:
        return hash(tuple(getattr(self, name) for name in attribute_names(type(self))))

    def __repr__(self) -> str:
        values = ", ".join(f"{name}={getattr(self, name)!r}" for name in attribute_names(type(self)))
        return f"{type(self).__name__}({values})"


class Field(Generic[T]):
    """An attribute read from one upstream key, parsed on first access and then cached on the instance."""

    def __init__(self, key: str, kind: Kind[T]) -> None:
        self.key = key
        self.kind = kind
        self.name = key

    def __set_name__(self, owner: type[Any], name: str) -> None:
        self.name = name

    @overload
    def __get__(self, instance: None, owner: type[Any]) -> Field[T]: ...

    @overload
    def __get__(self, instance: RowView, owner: type[Any]) -> T: ...

    def __get__(self, instance: RowView | None, owner: type[Any]) -> Field[T] | T:
        if instance is None:
            return self
        value = self.kind.parse(instance.row.get(self.key))
        instance.__dict__[self.name] = value  # a non-data descriptor: later reads find the instance attribute
        return value


class Derived(Generic[T]):
    """An attribute computed from others on first access and cached on the instance, like functools'
    cached_property without its lock (views are built and read by one request, on one thread)."""

    def __init__(self, compute: Callable[[Any], T]) -> None:
        self.compute = compute
        self.name = compute.__name__
        self.__doc__ = compute.__doc__

    def __set_name__(self, owner: type[Any], name: str) -> None:
        self.name = name

    @overload
    def __get__(self, instance: None, owner: type[Any]) -> Derived[T]: ...

    @overload
    def __get__(self, instance: RowView, owner: type[Any]) -> T: ...

    def __get__(self, instance: RowView | None, owner: type[Any]) -> Derived[T] | T:
        if instance is None:
            return self
        value = self.compute(instance)
        instance.__dict__[self.name] = value
        return value


def derived(compute: Callable[[Any], T]) -> Derived[T]:
    return Derived(compute)


def row_fields(view: type[RowView]) -> dict[str, Field[Any]]:
    """The class's row-backed attributes by name, in declaration order (base classes first)."""
    found: dict[str, Field[Any]] = {}
    for cls in reversed(view.__mro__):
        found.update({name: value for name, value in vars(cls).items() if isinstance(value, Field)})
    return found


def attribute_names(view: type[RowView]) -> Iterator[str]:
    """Every public attribute of the view: row fields and derived properties."""
    for cls in reversed(view.__mro__):
        for name, value in vars(cls).items():
            if not name.startswith("_") and isinstance(value, Field | Derived | property):
                yield name
