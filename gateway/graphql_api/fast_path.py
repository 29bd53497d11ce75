"""A compiled execution path for queries (and target mutations) over plain data, with graphql-core's results and
errors.

graphql-core spends microseconds per resolved field, so a page of 50 targets with every field costs
milliseconds in the executor alone. Below the few resolver fields (``campaign``, ``targets``, ...) everything
is plain attribute reads on frozen domain objects, so a validated query is compiled once into a plan:
response keys (aliases), fields merged from fragments, ``@skip`` / ``@include`` decided, ``__typename``, each
leaf's serializer. Executing the plan reads attributes and serializes leaves with the schema's own scalar and
enum serializers, runs sibling resolver fields concurrently (so DataLoaders batch as before), and applies
graphql-core's null propagation and error paths.

The mutations that return a target (``restore``, ``updateStage``, ``verifyGoal``) run the same way, their root
fields one after another as the spec requires, and only when the caller allows mutations (not over GET).
Anything else (other mutations, introspection, other directives, invalid documents or variables) falls back to
the standard executor, which then answers exactly as before. tests/unit/test_fast_path.py compares both paths
on the example operations and generated variants.
"""

from __future__ import annotations

import asyncio
import keyword
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from math import isfinite
from typing import Any, cast

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLEnumType,
    GraphQLError,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
    located_error,
)
from graphql.execution.values import VariableValues, get_argument_values, get_variable_values
from graphql.pyutils import Path
from strawberry.types import ExecutionResult

from gateway.graphql_api import root_fields, types
from gateway.graphql_api.documents import BoundedCache, DocumentCache
from gateway.graphql_api.errors import GatewaySchema, log_unexpected
from gateway.graphql_api.limits import check_budget, estimate
from gateway.graphql_api.schema import Campaign, schema
from gateway.graphql_api.selections import CONDITIONS, collect, selected_names
from resolvers.domain.codegen import FunctionSource
from resolvers.domain.kinds import Kind
from resolvers.domain.rows import Field, RowView, row_fields
from resolvers.operations import targets
from resolvers.operations.context import RequestContext


class Unsupported(Exception):
    """The operation needs the standard executor."""


class _NullPropagation(Exception):
    """A non-null field became null: its parent must become null (or propagate further)."""


def _build_input(cls: type[Any], values: Mapping[str, Any] | None) -> Any:
    """The strawberry input object for graphql-core's coerced dict (GraphQL names -> Python names)."""
    if values is None:
        return None
    definition = cls.__strawberry_definition__
    converter = schema.config.name_converter
    return cls(**{f.python_name: values[converter.get_graphql_name(f)] for f in definition.fields
                  if converter.get_graphql_name(f) in values})


Resolver = Callable[[RequestContext, Any, dict[str, Any], "Node"], Awaitable[Any]]


async def _campaign(ctx: RequestContext, parent: Any, args: dict[str, Any], node: Node) -> Any:
    return Campaign(id=args["id"])


async def _campaigns(ctx: RequestContext, parent: Any, args: dict[str, Any], node: Node) -> Any:
    return [Campaign(id=i) for i in args["ids"]]


async def _targets(ctx: RequestContext, parent: Any, args: dict[str, Any], node: Node) -> Any:
    return await root_fields.campaign_targets(
        ctx, parent.id, _build_input(types.TargetFilterInput, args.get("filter")),
        _build_input(types.TargetSortInput, args.get("sort")), args.get("first"), args.get("after"),
        selected=node.selected)


async def _target(ctx: RequestContext, parent: Any, args: dict[str, Any], node: Node) -> Any:
    return await targets.target(ctx, parent.id, args["id"])


async def _targets_by_ids(ctx: RequestContext, parent: Any, args: dict[str, Any], node: Node) -> Any:
    return await targets.targets_by_ids(ctx, parent.id, args["ids"])


async def _restore(ctx: RequestContext, parent: Any, args: dict[str, Any], node: Node) -> Any:
    return await targets.restore(ctx, args["campaignId"], args["targetId"])


async def _update_stage(ctx: RequestContext, parent: Any, args: dict[str, Any], node: Node) -> Any:
    return await targets.update_stage(ctx, args["campaignId"], args["targetId"], args["stage"])


async def _verify_goal(ctx: RequestContext, parent: Any, args: dict[str, Any], node: Node) -> Any:
    return await targets.verify_goal(ctx, args["campaignId"], args["targetId"])


# The resolver fields the fast path runs, each calling what the strawberry resolver calls. Every other field it
# takes must have no resolver of its own in the schema (a plain attribute read); anything else declines.
RESOLVERS: dict[tuple[str, str], Resolver] = {
    ("Query", "campaign"): _campaign,
    ("Query", "campaigns"): _campaigns,
    ("Campaign", "targets"): _targets,
    ("Campaign", "target"): _target,
    ("Campaign", "targetsByIds"): _targets_by_ids,
    ("Mutation", "restore"): _restore,
    ("Mutation", "updateStage"): _update_stage,
    ("Mutation", "verifyGoal"): _verify_goal,
}
ROOT_TYPES = frozenset({"Query", "Mutation"})


def _has_resolver(field_def: GraphQLField) -> bool:
    """Whether the schema resolves the field with code of its own (strawberry's metadata), not an attribute."""
    definition = field_def.extensions.get("strawberry-definition")
    return definition is None or definition.base_resolver is not None


@dataclass(frozen=True)
class Node:
    """One response key of an object: how to get its value and complete it."""

    key: str
    field_name: str
    parent_type: str
    attr: str | None  # the Python attribute, for plain fields
    resolver: Resolver | None
    field_def: GraphQLField | None
    field_nodes: tuple[FieldNode, ...]
    completion: Completion | None  # None for __typename
    row_leaf: RowLeaf | None = None  # for a leaf read straight from the upstream row of a domain view
    selected: frozenset[str] = frozenset()  # for resolver fields: the names selected directly below


class _Slow:
    """A row value the shortcut does not complete: the attribute is read and completed the standard way."""


SLOW = _Slow()


@dataclass(frozen=True)
class RowLeaf:
    """A leaf field of a domain view (resolvers/domain/rows.py) completed from the upstream row's value: copied
    when its kind says it is canonical for this GraphQL type, else the field's own parser, then the type's
    serializer, skipping the attribute's descriptor. Values that would complete as an error or a null in a
    non-null field answer SLOW, and the standard completion reports them."""

    key: str
    kind: Kind[Any]
    copy_canonical: bool  # the kind's canonical values are this GraphQL type's serialization
    complete: Callable[[Any], Any]


def _row_leaf(field: Field[Any], leaf_type: str, serialize: Callable[[Any], Any], nullable: bool) -> RowLeaf:
    parse = field.kind.parse

    def complete(raw: Any) -> Any:
        try:
            value = parse(raw)
            if value is None:
                return None if nullable else SLOW
            return serialize(value)
        except Exception:
            return SLOW

    return RowLeaf(field.key, field.kind, field.kind.graphql_type == leaf_type, complete)


# GraphQL type name -> the row-backed fields of the domain view it mirrors.
ROW_FIELDS: dict[str, dict[str, Field[Any]]] = {
    graphql_type.__strawberry_definition__.name: row_fields(domain)
    for graphql_type, domain in types.MIRRORS.items() if issubclass(domain, RowView)
}


@dataclass(frozen=True)
class Completion:
    """How a value of one GraphQL output type is completed (the type's wrappers unwrapped step by step)."""

    non_null: bool
    list_item: Completion | None = None
    serialize: Callable[[Any], Any] | None = None
    plan: Plan | None = None
    plain_object: PlainObject | None = None  # the plan compiled, for objects below the resolver fields


@dataclass(frozen=True)
class Plan:
    type_name: str
    nodes: tuple[Node, ...]


class _Compiler:
    def __init__(self, gql_schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode,
                 variables: VariableValues) -> None:
        self.schema = gql_schema
        self.fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        self.operation = operation
        self.variables = variables

    def _check_directives(self, selection_sets: list[SelectionSetNode]) -> None:
        """Only @skip and @include, which selections.collect decides; any other directive declines."""
        for selection_set in selection_sets:
            for selection in selection_set.selections:
                for directive in selection.directives or ():
                    if directive.name.value not in CONDITIONS:
                        raise Unsupported(f"directive @{directive.name.value}")
                if isinstance(selection, InlineFragmentNode):
                    self._check_directives([selection.selection_set])

    def plan(self, object_type: GraphQLObjectType, selection_sets: list[SelectionSetNode]) -> Plan:
        self._check_directives(selection_sets + [f.selection_set for f in self.fragments.values()])
        grouped = collect(object_type.name, selection_sets, self.fragments, self.variables.coerced)
        nodes = []
        for key, field_nodes in grouped.items():
            name = field_nodes[0].name.value
            if name == "__typename":
                nodes.append(Node(key, name, object_type.name, None, None, None, tuple(field_nodes), None))
                continue
            if name.startswith("__"):
                raise Unsupported("introspection")
            field_def = object_type.fields[name]
            resolver = RESOLVERS.get((object_type.name, name))
            attr = selected = None
            if resolver is not None:
                selected = selected_names(field_nodes, get_named_type(field_def.type).name, self.fragments,
                                          self.variables.coerced)
            elif _has_resolver(field_def):
                raise Unsupported(f"{object_type.name}.{name}")
            else:
                attr = field_def.extensions["strawberry-definition"].python_name
            completion = self.completion(field_def.type, [n.selection_set for n in field_nodes if n.selection_set])
            row_field = ROW_FIELDS.get(object_type.name, {}).get(attr or "")
            row_leaf = _row_leaf(row_field, get_named_type(field_def.type).name, completion.serialize,
                                 not completion.non_null) \
                if row_field is not None and completion.serialize is not None else None
            nodes.append(Node(key, name, object_type.name, attr, resolver, field_def, tuple(field_nodes), completion,
                              row_leaf, selected or frozenset()))
        return Plan(object_type.name, tuple(nodes))

    def completion(self, output_type: Any, selection_sets: list[SelectionSetNode]) -> Completion:
        non_null = isinstance(output_type, GraphQLNonNull)
        inner = output_type.of_type if non_null else output_type
        if isinstance(inner, GraphQLList):
            return Completion(non_null, list_item=self.completion(inner.of_type, selection_sets))
        if isinstance(inner, GraphQLScalarType | GraphQLEnumType):
            return Completion(non_null, serialize=_fast_serializer(inner))
        if isinstance(inner, GraphQLObjectType):
            plan = self.plan(inner, selection_sets)
            return Completion(non_null, plan=plan, plain_object=_compile_plain_object(plan))
        raise Unsupported(f"output type {inner}")


class _Execution:
    def __init__(self, ctx: RequestContext, variables: VariableValues) -> None:
        self.ctx = ctx
        self.variables = variables
        self.errors: list[GraphQLError] = []

    def _error(self, error: Exception, node: Node, path: Path) -> None:
        self.errors.append(located_error(error, list(node.field_nodes), path.as_list()))

    async def object(self, plan: Plan, source: Any, path: Path | None, serially: bool = False) -> dict[str, Any]:
        result: dict[str, Any] = {}
        resolver_nodes: list[Node] = []
        for node in plan.nodes:
            if node.completion is None:
                result[node.key] = plan.type_name
            elif node.resolver is not None:
                result[node.key] = None  # keeps the key order of the response
                resolver_nodes.append(node)
            else:
                result[node.key] = self.complete(node, node.completion, getattr(source, cast(str, node.attr)),
                                                 Path(path, node.key, plan.type_name))
        if serially:  # a mutation's root fields: each runs after the one before has finished
            for node in resolver_nodes:
                result[node.key] = await self._resolve(node, source, Path(path, node.key, plan.type_name))
        elif resolver_nodes:
            await self._resolve_siblings(plan, resolver_nodes, source, path, result)
        return result

    async def _resolve_siblings(self, plan: Plan, nodes: list[Node], source: Any, path: Path | None,
                                result: dict[str, Any]) -> None:
        """Resolve sibling fields concurrently. As graphql-core does, the first null that must propagate ends
        the object: siblings still running are cancelled, so errors below the nulled object are not reported."""
        if len(nodes) == 1:  # nothing to run beside it: no task, no queue
            [node] = nodes
            result[node.key] = await self._resolve(node, source, Path(path, node.key, plan.type_name))
            return
        tasks = {asyncio.ensure_future(self._resolve(node, source, Path(path, node.key, plan.type_name))): node
                 for node in nodes}
        try:
            for finished in asyncio.as_completed(tasks):
                await finished
        except _NullPropagation:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise
        for task, node in tasks.items():
            result[node.key] = task.result()

    async def _resolve(self, node: Node, source: Any, path: Path) -> Any:
        assert node.completion is not None and node.resolver is not None and node.field_def is not None
        try:
            args = get_argument_values(node.field_def, node.field_nodes[0], self.variables)
            value = await node.resolver(self.ctx, source, args, node)
        except Exception as error:
            self._error(error, node, path)
            if node.completion.non_null:
                raise _NullPropagation from None
            return None
        return await self._complete_async(node, node.completion, value, path)

    async def _complete_async(self, node: Node, completion: Completion, value: Any, path: Path) -> Any:
        if value is None:
            return self._null(node, completion, path)
        if completion.list_item is not None:
            item = completion.list_item
            items = await asyncio.gather(*(self._complete_async(node, item, v, Path(path, i, None))
                                           for i, v in enumerate(value)), return_exceptions=True)
            return self._list_result(node, completion, items)
        if completion.plan is not None:
            try:
                return await self.object(completion.plan, value, path)
            except _NullPropagation:
                if completion.non_null:
                    raise
                return None
        return self._leaf(node, completion, value, path)

    def complete(self, node: Node, completion: Completion, value: Any, path: Path) -> Any:
        """Synchronous completion below the resolver fields: plain data all the way down."""
        if value is None:
            return self._null(node, completion, path)
        if completion.list_item is not None:
            item = completion.list_item
            items: list[Any] = []
            for i, v in enumerate(value):
                try:
                    items.append(self.complete(node, item, v, Path(path, i, None)))
                except _NullPropagation as propagation:
                    items.append(propagation)
            return self._list_result(node, completion, items)
        if completion.plan is not None:
            return self._plain_object(completion, value, path)
        return self._leaf(node, completion, value, path)

    def _plain_object(self, completion: Completion, source: Any, path: Path) -> Any:
        assert completion.plain_object is not None
        try:
            return completion.plain_object(self, source, path)
        except _NullPropagation:
            if completion.non_null:
                raise
            return None

    def attribute(self, node: Node, source: Any, path: Path) -> Any:
        """A plain field completed from its attribute: the standard way, and the row shortcut's fallback."""
        completion = node.completion
        assert completion is not None
        value = getattr(source, node.attr)  # type: ignore[arg-type]
        serialize = completion.serialize
        if serialize is not None and value is not None:
            try:
                return serialize(value)
            except Exception:
                pass
        return self.complete(node, completion, value, Path(path, node.key, node.parent_type))

    def _list_result(self, node: Node, completion: Completion, items: list[Any]) -> Any:
        for item in items:
            if isinstance(item, _NullPropagation):
                if completion.non_null:
                    raise _NullPropagation
                return None
            if isinstance(item, BaseException):
                raise item
        return items

    def _null(self, node: Node, completion: Completion, path: Path) -> None:
        if completion.non_null:
            self._error(TypeError(
                f"Cannot return null for non-nullable field {node.parent_type}.{node.field_name}."), node, path)
            raise _NullPropagation
        return None

    def _leaf(self, node: Node, completion: Completion, value: Any, path: Path) -> Any:
        serialize = completion.serialize
        assert serialize is not None
        try:
            serialized = serialize(value)
        except Exception as error:
            self._error(error, node, path)
            if completion.non_null:
                raise _NullPropagation from None
            return None
        return serialized


PlainObject = Callable[["_Execution", Any, Path], dict[str, Any]]


def _compile_plain_object(plan: Plan) -> PlainObject:
    """The plan of an object below the resolver fields as straight-line Python, one statement per response key.

    Row leaves are generated from their kinds (resolvers/domain/codegen.py): canonical upstream values are copied,
    others go through their RowLeaf; everything else (nested objects, derived attributes, nulls in non-null fields
    and errors) through ``_Execution.attribute``. The result equals the interpreted plan's: same keys, same order.
    """
    source = FunctionSource("execution, source, path")
    path_of, null_propagation = source.bind(Path, "Path"), source.bind(_NullPropagation, "NullPropagation")
    source.add("result = {}")
    if any(node.row_leaf is not None for node in plan.nodes):
        source.add("row = source.row")
    for node in plan.nodes:
        key = source.bind(node.key, "key")
        if node.completion is None:
            source.add(f"result[{key}] = {source.bind(plan.type_name, 'typename')}")
            continue
        target, slow = f"result[{key}]", f"execution.attribute({source.bind(node, 'node')}, source, path)"
        leaf, nested = node.row_leaf, node.completion.plain_object
        if leaf is not None:
            source.copy_or_convert(target, leaf.key, leaf.kind, leaf.complete, copy_canonical=leaf.copy_canonical,
                                   absent=SLOW, fallback=f"{target} = {slow}")
        elif nested is not None and node.attr is not None and node.attr.isidentifier() \
                and not keyword.iskeyword(node.attr):
            # a nested plain object (a target's customer, its analyses): completed here, without a call per level
            source.add(f"value = source.{node.attr}",
                       "if value is None:",
                       f"    {target} = {slow}",
                       "else:",
                       "    try:",
                       f"        {target} = {source.bind(nested, 'nested')}(execution, value, "
                       f"{path_of}(path, {key}, {source.bind(node.parent_type, 'parent')}))",
                       f"    except {null_propagation}:",
                       f"        if {node.completion.non_null!r}:",
                       "            raise",
                       f"        {target} = None")
        else:
            source.add(f"{target} = {slow}")
    source.add("return result")
    return cast(PlainObject, source.compile())


def _fast_serializer(leaf_type: GraphQLScalarType | GraphQLEnumType) -> Callable[[Any], Any]:
    """The type's own serializer, short-cut for values whose exact type it returns unchanged."""
    serialize = leaf_type.serialize
    exact = {"String": str, "Boolean": bool, "ID": str}.get(leaf_type.name)
    if exact is not None:
        return lambda value: value if type(value) is exact else serialize(value)
    if leaf_type.name == "Int":
        return lambda value: value if type(value) is int and -(2**31) <= value < 2**31 else serialize(value)
    if leaf_type.name == "Float":
        return lambda value: value if type(value) is float and isfinite(value) else serialize(value)
    return serialize


def _innermost_plan(completion: Completion) -> Plan:
    while completion.list_item is not None:
        completion = completion.list_item
    return completion.plan if completion.plan is not None else Plan("", ())


def _check_resolvers_on_top(plan: Plan, below_plain_data: bool = False) -> None:
    """Resolver fields may only sit under resolver results (objects graphql-core would resolve the same way)."""
    for node in plan.nodes:
        if node.resolver is not None and below_plain_data:
            raise Unsupported(f"resolver {node.parent_type}.{node.field_name} below plain data")
        if node.completion is not None:
            inner = _innermost_plan(node.completion)
            if inner.nodes:
                _check_resolvers_on_top(inner, below_plain_data=node.resolver is None
                                        and node.parent_type not in ROOT_TYPES)


PlanKey = tuple[str, str | None, tuple[Any, ...]]


class FastPath:
    """Runs eligible queries on compiled plans; ``None`` means: use the standard executor.

    Documents come from the schema's DocumentCache (parsed and validated as strawberry's executor does, limits
    included). Plans are kept by document, operation and boolean variables, bounded in bytes like documents;
    None marks an operation declined, so that it is not compiled again."""

    def __init__(self, gateway_schema: GatewaySchema | None = None, *, max_plan_bytes: int = 32 * 1024 * 1024) -> None:
        self.schema = gateway_schema or schema
        self.documents: DocumentCache = self.schema.documents
        self._plans: BoundedCache[Plan | None] = BoundedCache(max_plan_bytes)

    async def execute(self, query: str, operation_name: str | None, variables: dict[str, Any] | None,
                      ctx: RequestContext, *, mutations: bool = False) -> ExecutionResult | None:
        """The operation's result, or None for the standard executor. ``mutations``: whether the request may run
        one (False over GET, where the standard executor refuses them)."""
        try:
            prepared = self.documents.prepare(query)
        except GraphQLError:
            return None
        if prepared.errors:
            return None
        document = prepared.document
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        chosen = [o for o in operations if operation_name is None or (o.name and o.name.value == operation_name)]
        if len(chosen) != 1:
            return None
        operation = chosen[0]
        if operation.operation is OperationType.QUERY:
            root_type = self.schema._schema.query_type
        elif operation.operation is OperationType.MUTATION and mutations:
            root_type = self.schema._schema.mutation_type
        else:
            return None
        if root_type is None:
            return None
        coerced = get_variable_values(self.schema._schema, operation.variable_definitions or (), variables or {})
        if not isinstance(coerced, VariableValues):
            return None
        directive_key = tuple(sorted((k, repr(v)) for k, v in coerced.coerced.items()
                                     if isinstance(v, bool)))
        key = repr((query, operation_name, directive_key))
        plan = self._plans.get(key, _UNCOMPILED)
        if plan is _UNCOMPILED:
            plan = self._compile(key, prepared.size, document, operation, root_type, coerced)
        if plan is None:
            return None
        fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        over_budget = check_budget(estimate(fragments, operation, coerced.coerced), self.documents.limits,
                                   ctx.caller.ledger)
        if over_budget is not None:
            return ExecutionResult(data=None, errors=[over_budget])
        execution = _Execution(ctx, coerced)
        try:
            data: dict[str, Any] | None = await execution.object(
                plan, None, None, serially=operation.operation is OperationType.MUTATION)
        except _NullPropagation:
            data = None
        if execution.errors:
            log_unexpected(execution.errors, ctx.caller.request_id)
        return ExecutionResult(data=data, errors=execution.errors or None)

    def _compile(self, key: str, size: int, document: DocumentNode, operation: OperationDefinitionNode,
                 root_type: GraphQLObjectType, coerced: VariableValues) -> Plan | None:
        try:
            plan: Plan | None = _Compiler(self.schema._schema, document, operation, coerced).plan(
                root_type, [operation.selection_set])
            _check_resolvers_on_top(plan)  # type: ignore[arg-type]
        except Unsupported:
            plan = None
        self._plans.put(key, plan, size)  # a plan holds about what its document does
        return plan

    @property
    def declined(self) -> int:
        """How many distinct operations the fast path has declined (and remembered as declined)."""
        return sum(plan is None for plan in self._plans.values())


_UNCOMPILED: Any = object()
