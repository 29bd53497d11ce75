"""Straight-line Python generated from row-field declarations: the one code generator behind both transports'
fast projections (the GraphQL fast path's compiled objects and gRPC's message builders).

A page of 50 targets has some 2,500 values; a loop over field descriptors with a call per value costs several
times what one generated statement per field costs. Each statement copies a value whose
kind says it is canonical (``Kind.canonical``) and converts the others.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from resolvers.domain.kinds import CANONICAL_NAMES, Kind


class FunctionSource:
    """A function being generated: its lines, and the values its names are bound to."""

    def __init__(self, signature: str) -> None:
        self.lines = [f"def generated({signature}):"]
        self.namespace: dict[str, Any] = dict(CANONICAL_NAMES)

    def bind(self, value: Any, hint: str = "value") -> str:
        """A fresh name in the generated code for ``value``."""
        name = f"{hint}_{len(self.namespace)}"
        self.namespace[name] = value
        return name

    def add(self, *lines: str, indent: int = 1) -> None:
        self.lines += ["    " * indent + line for line in lines]

    def copy_or_convert(self, target: str, key: str, kind: Kind[Any], convert: Callable[[Any], Any], *,
                        copy_canonical: bool, absent: object = None, fallback: str | None = None) -> None:
        """Statements that set ``target`` from ``row[key]``: copied when canonical (and ``copy_canonical``), else
        ``convert(value)``; a converted value that ``is absent`` leaves ``target`` unset, or runs ``fallback``."""
        self.add(f"value = row.get({key!r})")
        body = 1
        if copy_canonical and kind.canonical is not None:
            self.add(f"if {kind.canonical}:", f"    {target} = value", "else:")
            body = 2
        self.add(f"value = {self.bind(convert, 'convert')}(value)", f"if value is not {self.bind(absent, 'absent')}:",
                 f"    {target} = value", indent=body)
        if fallback is not None:
            self.add("else:", f"    {fallback}", indent=body)

    def compile(self) -> Callable[..., Any]:
        exec("\n".join(self.lines), self.namespace)
        function: Callable[..., Any] = self.namespace["generated"]
        return function
