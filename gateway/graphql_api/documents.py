"""Parsed and validated GraphQL documents, shared by both executors and bounded in bytes.

Parsing and validating a document costs about as much as executing a 50-target page, and clients repeat their
documents, so both results are kept by the document's text. The cache is bounded by an estimate of the memory
its entries hold (the text plus a per-token allowance for the syntax tree), not by a count of entries, and only
documents within the operation limits enter it: a stream of distinct, large documents costs bounded memory.
strawberry's executor reads it through ``DocumentExtension``; the fast path calls it directly.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLSchema,
    GraphQLSyntaxError,
    NoSchemaIntrospectionCustomRule,
    OperationDefinitionNode,
    TokenKind,
    ValuesOfCorrectTypeRule,
    get_operation_ast,
    parse,
    specified_rules,
    validate,
)
from graphql.language import Lexer, Source
from strawberry.extensions import SchemaExtension
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule

from gateway.config import OperationLimits
from gateway.graphql_api.errors import PARSE_FAILED, VALIDATION_FAILED, InputValueRule, tag_phase
from gateway.graphql_api.limits import (
    check_budget,
    estimate,
    is_limit_error,
    limit_error,
    shape_rule,
)
from gateway.telemetry.tracing import phase_span

V = TypeVar("V")
D = TypeVar("D")
SYNTAX_TREE_BYTES_PER_TOKEN = 256  # measured order of magnitude of graphql-core's AST per token
OFF_LOOP_CHARS = 64 * 1024  # documents this large are parsed in a worker thread
REFUSAL_BYTES = 512  # what a kept refusal weighs: a digest and an error
MAX_OPERATIONS_REMEMBERED = 16  # operation names looked up per document (a client may send any name)
STAND_IN = parse("{ __typename }")  # the document strawberry is given for a refused one: it never executes


class BoundedCache(Generic[V]):
    """A least-recently-used map bounded by the total of its entries' declared sizes."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.bytes = 0
        self._entries: OrderedDict[str, tuple[V, int]] = OrderedDict()
        self._lock = threading.Lock()  # large documents are prepared in a worker thread

    def get(self, key: str, default: D) -> V | D:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return default
            self._entries.move_to_end(key)
            return entry[0]

    def put(self, key: str, value: V, size: int) -> None:
        if size > self.max_bytes // 4:  # one entry never takes most of the cache
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self.bytes -= old[1]
            self._entries[key] = (value, size)
            self.bytes += size
            while self.bytes > self.max_bytes:
                _, (_, evicted) = self._entries.popitem(last=False)
                self.bytes -= evicted

    def __len__(self) -> int:
        return len(self._entries)

    def values(self) -> Iterator[V]:
        return (value for value, _ in self._entries.values())


@dataclass(frozen=True)
class Prepared:
    """A parsed document and its validation errors (empty when valid)."""

    document: DocumentNode
    errors: tuple[GraphQLError, ...]
    size: int  # what it is estimated to hold in memory
    digest: str  # SHA-256 of the text: logs, spans and persisted operations name documents by it
    _operations: dict[str | None, OperationDefinitionNode | None] = field(default_factory=dict, compare=False)

    def operation(self, name: str | None) -> OperationDefinitionNode | None:
        """The operation ``name`` selects (graphql's ``get_operation_ast``), looked up once per name."""
        if name not in self._operations:
            if len(self._operations) >= MAX_OPERATIONS_REMEMBERED:
                self._operations.clear()
            self._operations[name] = get_operation_ast(self.document, name)
        return self._operations[name]


def _detached(error: GraphQLError, code: str) -> GraphQLError:
    """The error as a client sees it (message, locations, code), holding nothing of the document: an error keeps
    its nodes and source, and so the whole syntax tree and text it was raised for."""
    extensions = dict(error.extensions or {})
    extensions.setdefault("code", code)
    detached = GraphQLError(error.message, extensions=extensions)
    detached.locations = error.locations
    return detached


def document_digest(query: str) -> str:
    """The SHA-256 hex digest of a document's text (what APQ and trusted documents name it by)."""
    return hashlib.sha256(query.encode("utf-8", "surrogatepass")).hexdigest()


def _exceeds_tokens(query: str, max_tokens: int) -> bool:
    """Whether the text has more than ``max_tokens`` tokens (comments included, as graphql-core counts them);
    asked only after a parse failed, to tell the token limit from a syntax error by what the text is."""
    lexer = Lexer(Source(query))
    count = 0
    try:
        while lexer.advance().kind != TokenKind.EOF:
            count += 1
            if count > max_tokens:
                return True
    except GraphQLSyntaxError:
        return False
    return False


class DocumentCache:
    """Documents by text: parsed with the token limit, validated with the gateway's rules, kept within bytes."""

    def __init__(self, schema: GraphQLSchema, limits: OperationLimits, *, max_bytes: int = 32 * 1024 * 1024,
                 introspection: bool = True) -> None:
        self.schema = schema
        self.limits = limits
        self.introspection = introspection
        self.shape_rule = shape_rule(limits)
        self.rules = (
            *(InputValueRule if rule is ValuesOfCorrectTypeRule else rule for rule in specified_rules),
            MaybeNullValidationRule, OneOfInputValidationRule,
            *(() if introspection else (NoSchemaIntrospectionCustomRule,)),
        )
        self.cache: BoundedCache[Prepared] = BoundedCache(max_bytes)
        # Documents refused by a limit or by the parser, by their text's digest: their answer is kept, never their
        # text or tree, so a repeated refusal costs a hash.
        self.refused: BoundedCache[Prepared | GraphQLError] = BoundedCache(1024 * 1024)

    async def prepare_off_loop(self, query: str) -> None:
        """Prepares a large document not seen yet in a worker thread, so that parsing it does not hold the event
        loop (graphql-core's lexer is Python: a 1 MiB document takes a few hundred milliseconds); the request's
        executor then finds it prepared."""
        if len(query) >= OFF_LOOP_CHARS and self.cache.get(query, None) is None \
                and self.refused.get(document_digest(query), None) is None:
            with contextlib.suppress(GraphQLError):
                await asyncio.to_thread(self.prepare, query)

    def prepare(self, query: str) -> Prepared:
        """The document and its validation errors; GraphQLError when it does not parse or has too many tokens."""
        prepared = self.cache.get(query, None)
        if prepared is not None:
            return prepared
        digest = document_digest(query)
        refused = self.refused.get(digest, None)
        if isinstance(refused, GraphQLError):
            raise refused.with_traceback(None)
        if refused is not None:
            return refused
        try:
            document = parse(query, max_tokens=self.limits.max_tokens)
        except GraphQLSyntaxError as error:
            failure = limit_error("tokens", self.limits.max_tokens, self.limits.max_tokens + 1) \
                if _exceeds_tokens(query, self.limits.max_tokens) else error
            self.refused.put(digest, _detached(failure, PARSE_FAILED), REFUSAL_BYTES)
            raise failure.with_traceback(None) from None
        # The limits first, alone: a document over them is refused without the full validation, whose rules (field
        # merging above all) cost far more on exactly such documents (docs/benchmarks.md, Abuse).
        errors = validate(self.schema, document, (self.shape_rule,))
        if not errors:
            errors = validate(self.schema, document, self.rules, hide_suggestions=not self.introspection)
        tag_phase(errors)
        size = len(query) + SYNTAX_TREE_BYTES_PER_TOKEN * int(getattr(document, "token_count", len(query) // 4))
        if any(is_limit_error(e) for e in errors):
            # the refusal, not the refused tree: the kept errors hold no node or source of the document
            prepared = Prepared(STAND_IN, tuple(_detached(e, VALIDATION_FAILED) for e in errors), REFUSAL_BYTES,
                                digest)
            self.refused.put(digest, prepared, REFUSAL_BYTES)
            return prepared
        prepared = Prepared(document, tuple(errors), size, digest)
        self.cache.put(query, prepared, size)
        return prepared


    def is_valid(self, query: str) -> bool:
        """Whether the document parses and validates (within the limits above all)."""
        try:
            return not self.prepare(query).errors
        except GraphQLError:
            return False


class DocumentExtension(SchemaExtension):
    """strawberry's parse and validation steps, answered from the shared DocumentCache."""

    def __init__(self, documents: DocumentCache) -> None:
        super().__init__()
        self.documents = documents
        self.prepared: Prepared | None = None

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.query is not None:
            if self.documents.cache.get(context.query, None) is None:
                with phase_span("graphql.parse_and_validate"):  # the standard executor's own phases
                    self.prepared = self.documents.prepare(context.query)
            else:
                self.prepared = self.documents.prepare(context.query)
            context.graphql_document = self.prepared.document
        yield

    def on_validate(self) -> Iterator[None]:
        """The cached errors (a copy: a request may add to its list, never to the cached one); for a valid
        document, the budget estimated from the document and the request's variables."""
        context = self.execution_context
        if self.prepared is not None:
            errors = list(self.prepared.errors)
            operation = self.prepared.operation(context.operation_name)
            if not errors and operation is not None:
                document = self.prepared.document
                fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
                caller = getattr(context.context, "caller", None)
                over_budget = check_budget(estimate(fragments, operation, context.variables or {}),
                                           self.documents.limits, getattr(caller, "ledger", None))
                errors += [over_budget] if over_budget is not None else []
            context.pre_execution_errors = errors
        yield
