"""Domain objects as lazy views over upstream JSON rows, and the descriptor fields they are declared with.

A 50-target page carries some 2,500 values, and most requests read a fraction of them. So a domain object keeps
the row it was decoded from, and each ``Field`` parses its value on first read, then caches it on the instance.
Each field names its upstream key and its ``Kind`` (resolvers/domain/kinds.py) once; the transports' projections
read the same declarations, so the REST-to-domain mapping is written in one place.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, Generic, TypeVar, cast, overload

from resolvers.domain.kinds import Kind

T = TypeVar("T")


class RowView:
    """A domain object reading its values from an upstream row (a JSON object, already validated)."""

    def __init__(self, row: Mapping[str, Any]) -> None:
        self.row = row

    def representation(self, name: str, build: Callable[[RowView], T]) -> T:
        """A transport's representation of the view, built on first use and kept with it. Requests that shared an
        upstream read share its views (resolvers/upstream/shared_reads.py), so this is built once per answer, not
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
