"""Operation limits, checked before any upstream call: tokens at parsing; depth, aliases and root fields at
validation; and a budget estimated from the document and its variables (upstream calls, result objects).

Every refusal is ``OPERATION_LIMIT_EXCEEDED`` with ``limit``, ``max`` and ``actual`` in ``extensions``; gRPC
answers the same class (resolvers/domain/errors.py) with RESOURCE_EXHAUSTED. Introspection (``__schema``,
``__type``) is not counted in depth and aliases: GraphiQL's own introspection query is deeper than any data
query, and ``--no-introspection`` governs it instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    ASTValidationRule,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    Node,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    VariableNode,
)

from gateway.config import OperationLimits
from gateway.graphql_api.selections import included
from resolvers.domain.errors import ErrorCode, OperationLimitExceeded
from resolvers.upstream.ledger import CallLedger

INTROSPECTION = frozenset({"__schema", "__type"})


def limit_error(limit: str, maximum: int, actual: int, nodes: list[Node] | None = None) -> GraphQLError:
    """The GraphQL error for a refused operation (extensions as OperationLimitExceeded reports them)."""
    error = OperationLimitExceeded(limit, maximum, actual)
    return GraphQLError(error.message, nodes, extensions={"code": ErrorCode.OPERATION_LIMIT_EXCEEDED.value,
                                                           **error.details()})


def is_limit_error(error: GraphQLError) -> bool:
    return (error.extensions or {}).get("code") == ErrorCode.OPERATION_LIMIT_EXCEEDED.value


class _Shape:
    """Walks an operation's selections (fragments expanded, each fragment once per path) for its depth, aliases
    and root fields."""

    def __init__(self, fragments: Mapping[str, FragmentDefinitionNode]) -> None:
        self.fragments = fragments
        self.aliases = 0

    def depth(self, selection_set: SelectionSetNode | None, level: int, seen: frozenset[str]) -> int:
        if selection_set is None:
            return level - 1
        deepest = level - 1
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                if selection.name.value in INTROSPECTION:
                    continue
                if selection.alias is not None:
                    self.aliases += 1
                deepest = max(deepest, self.depth(selection.selection_set, level + 1, seen))
            elif isinstance(selection, InlineFragmentNode):
                deepest = max(deepest, self.depth(selection.selection_set, level, seen))
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is not None and name not in seen:  # cycles are a validation error of their own
                    deepest = max(deepest, self.depth(fragment.selection_set, level, seen | {name}))
        return deepest

    def root_fields(self, selection_set: SelectionSetNode, seen: frozenset[str] = frozenset()) -> int:
        count = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                count += selection.name.value != "__typename"
            elif isinstance(selection, InlineFragmentNode):
                count += self.root_fields(selection.selection_set, seen)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment is not None and fragment.name.value not in seen:
                    count += self.root_fields(fragment.selection_set, seen | {fragment.name.value})
        return count


def shape_rule(limits: OperationLimits) -> type[ASTValidationRule]:
    """A validation rule refusing operations deeper, more aliased or with more root fields than ``limits``."""

    class OperationShapeRule(ASTValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            document = context.document
            self.fragments = {d.name.value: d for d in document.definitions
                              if isinstance(d, FragmentDefinitionNode)}

        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            shape = _Shape(self.fragments)
            depth = shape.depth(node.selection_set, 1, frozenset())
            for limit, maximum, actual in (("depth", limits.max_depth, depth),
                                           ("aliases", limits.max_aliases, shape.aliases),
                                           ("rootFields", limits.max_root_fields,
                                            shape.root_fields(node.selection_set))):
                if actual > maximum:
                    self.report_error(limit_error(limit, maximum, actual, [node]))

    return OperationShapeRule


@dataclass
class Cost:
    """What an operation is estimated to cost before it runs."""

    upstream_calls: int = 0
    result_objects: int = 0

    def as_json(self) -> dict[str, int]:
        return {"upstreamCalls": self.upstream_calls, "resultObjects": self.result_objects}


# The resolver fields and what each costs: whether it is a call per parent (lists), a batch per campaign
# (lookups), or a call of its own (mutations); connection fields below which each target is one object.
_CONNECTION_ITEMS = frozenset({"nodes", "edges"})
_MUTATIONS_WITH_CALL = frozenset({"restore", "updateStage", "verifyGoal", "deleteTarget", "enrollTargets",
                                  "createCustomerAndEnroll", "importTargets"})
DEFAULT_PAGE_SIZE = 10


class _Estimate:
    def __init__(self, fragments: Mapping[str, FragmentDefinitionNode], variables: Mapping[str, Any]) -> None:
        self.fragments = fragments
        self.variables = variables
        self.cost = Cost()

    def _value(self, node: Any) -> Any:
        if isinstance(node, VariableNode):
            return self.variables.get(node.name.value)
        if isinstance(node, IntValueNode):
            return int(node.value)
        if isinstance(node, ListValueNode):
            return [self._value(v) for v in node.values]
        return getattr(node, "value", None)

    def _argument(self, field: FieldNode, name: str) -> Any:
        for argument in field.arguments or ():
            if argument.name.value == name:
                return self._value(argument.value)
        return None

    def _fields(self, selection_set: SelectionSetNode | None, seen: frozenset[str] = frozenset()) -> list[FieldNode]:
        """The fields of a selection set, fragments expanded, @skip / @include decided."""
        found: list[FieldNode] = []
        for selection in selection_set.selections if selection_set else ():
            if not included(selection, self.variables):  # type: ignore[arg-type]
                continue
            if isinstance(selection, FieldNode):
                found.append(selection)
            elif isinstance(selection, InlineFragmentNode):
                found += self._fields(selection.selection_set, seen)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment is not None and fragment.name.value not in seen:
                    found += self._fields(fragment.selection_set, seen | {fragment.name.value})
        return found

    def objects(self, selection_set: SelectionSetNode | None) -> int:
        """Objects in one value of a type with this selection: itself and every nested object selected."""
        return 1 + sum(self.objects(f.selection_set) for f in self._fields(selection_set) if f.selection_set)

    def _count(self, value: Any) -> int:
        return len(value) if isinstance(value, list) else 1

    def campaign(self, field: FieldNode, campaigns: int) -> None:
        """A Campaign's fields, for ``campaigns`` of them."""
        lists: set[tuple[Any, ...]] = set()
        lookups = False
        for child in self._fields(field.selection_set):
            name = child.name.value
            if name == "targets":
                first = self._argument(child, "first")
                page = first if isinstance(first, int) and first > 0 else DEFAULT_PAGE_SIZE
                # identical lists in one operation cost one call (aggregations or not)
                lists.add(tuple(repr(self._value(a.value)) for a in child.arguments or ()))
                per_target = sum(self.objects(f.selection_set) for f in self._fields(child.selection_set)
                                 if f.name.value in _CONNECTION_ITEMS and f.selection_set)
                self.cost.result_objects += campaigns * (1 + page * per_target)
            elif name in ("target", "targetsByIds"):
                lookups = True
                ids = self._count(self._argument(child, "ids")) if name == "targetsByIds" else 1
                self.cost.result_objects += campaigns * ids * self.objects(child.selection_set)
        self.cost.upstream_calls += campaigns * (len(lists) + lookups)  # lookups of a campaign share a batch
        self.cost.result_objects += campaigns

    def operation(self, operation: OperationDefinitionNode) -> Cost:
        for field in self._fields(operation.selection_set):
            name = field.name.value
            if name == "campaign":
                self.campaign(field, 1)
            elif name == "campaigns":
                self.campaign(field, self._count(self._argument(field, "ids")))
            elif name in _MUTATIONS_WITH_CALL:
                self.cost.upstream_calls += 1
                self.cost.result_objects += self.objects(field.selection_set)
        return self.cost


def estimate(fragments: Mapping[str, FragmentDefinitionNode], operation: OperationDefinitionNode,
             variables: Mapping[str, Any]) -> Cost:
    """The operation's cost from its document and (coerced or raw) variables, before it runs. Lookups may scan
    more pages than one: only the upstream knows, so the per-request counter refuses calls past the budget."""
    return _Estimate(fragments, variables).operation(operation)


def check_budget(cost: Cost, limits: OperationLimits, ledger: CallLedger | None = None) -> GraphQLError | None:
    """The refusal when the estimate is over a limit, else None; the estimate is written to the request's ledger
    (the log and ``extensions.cost`` report it)."""
    if ledger is not None:
        ledger.estimate(cost.upstream_calls, cost.result_objects)
    if cost.upstream_calls > limits.max_upstream_calls:
        return limit_error("upstreamCalls", limits.max_upstream_calls, cost.upstream_calls)
    if cost.result_objects > limits.max_result_objects:
        return limit_error("resultObjects", limits.max_result_objects, cost.result_objects)
    return None
