"""Which fields an operation selects below a field, fragments merged and ``@skip`` / ``@include`` decided the way
graphql-core collects them. Shared by strawberry's resolvers and the fast path's compiler, so both executors agree
on what a selection asks the upstream for (e.g. whether ``aggregations`` is requested)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
)
from strawberry.types import Info

Included = FieldNode | InlineFragmentNode | FragmentSpreadNode
CONDITIONS = ("skip", "include")


def included(node: Included, variables: Mapping[str, Any]) -> bool:
    """Whether ``@skip`` / ``@include`` keep the node (other directives do not decide inclusion)."""
    for directive in node.directives or ():
        name = directive.name.value
        if name not in CONDITIONS or not directive.arguments:
            continue
        value = directive.arguments[0].value
        flag = variables.get(value.name.value) if isinstance(value, VariableNode) else getattr(value, "value", None)
        if (name == "skip" and flag is True) or (name == "include" and flag is not True):
            return False
    return True


def collect(type_name: str, selection_sets: Iterable[SelectionSetNode], fragments: Mapping[str, FragmentDefinitionNode],
            variables: Mapping[str, Any]) -> dict[str, list[FieldNode]]:
    """The fields selected on an object of ``type_name``, grouped by response key, in document order."""
    grouped: dict[str, list[FieldNode]] = {}
    _collect(type_name, selection_sets, fragments, variables, grouped, set())
    return grouped


def _collect(type_name: str, selection_sets: Iterable[SelectionSetNode],
             fragments: Mapping[str, FragmentDefinitionNode], variables: Mapping[str, Any],
             grouped: dict[str, list[FieldNode]], visited: set[str]) -> None:
    for selection_set in selection_sets:
        for selection in selection_set.selections:
            if not included(selection, variables):  # type: ignore[arg-type]
                continue
            if isinstance(selection, FieldNode):
                key = selection.alias.value if selection.alias else selection.name.value
                grouped.setdefault(key, []).append(selection)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                if condition is None or condition.name.value == type_name:
                    _collect(type_name, [selection.selection_set], fragments, variables, grouped, visited)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = fragments.get(name)
                if name in visited or fragment is None:
                    continue
                visited.add(name)
                if fragment.type_condition.name.value == type_name:
                    _collect(type_name, [fragment.selection_set], fragments, variables, grouped, visited)


def selected_names(field_nodes: Iterable[FieldNode], type_name: str, fragments: Mapping[str, FragmentDefinitionNode],
                   variables: Mapping[str, Any]) -> frozenset[str]:
    """The names of the fields selected directly below these field nodes, on an object of ``type_name``."""
    grouped = collect(type_name, [n.selection_set for n in field_nodes if n.selection_set], fragments, variables)
    return frozenset(node.name.value for nodes in grouped.values() for node in nodes)


def selected_below(info: Info[Any, Any]) -> frozenset[str]:
    """``selected_names`` for the field strawberry is resolving."""
    raw = info._raw_info
    variables: Any = raw.variable_values  # graphql-core's VariableValues, or the plain dict older releases pass
    return selected_names(raw.field_nodes, get_named_type(raw.return_type).name, raw.fragments,
                          getattr(variables, "coerced", variables))
