"""GraphQL error reporting: gateway errors become ``extensions.code``; anything unexpected is masked and logged."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

import strawberry
from graphql import GraphQLError, GraphQLSyntaxError, ValuesOfCorrectTypeRule
from strawberry.types import ExecutionContext

from resolvers.domain.errors import BadUserInput, ErrorCode, GatewayError, OperationLimitExceeded

if TYPE_CHECKING:
    from gateway.graphql_api.documents import DocumentCache

logger = logging.getLogger("gateway.graphql")

INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"
PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
BAD_USER_INPUT = ErrorCode.BAD_USER_INPUT.value


_SUGGESTION = re.compile(r" ?Did you mean [^?]*\?")


def _tag(errors: list[GraphQLError] | None, code: str) -> None:
    """Give each error ``code`` unless a more precise one was set where it was raised."""
    for error in errors or ():
        if not (error.extensions or {}).get("code"):
            error.extensions = {**(error.extensions or {}), "code": code}


class InputValueRule(ValuesOfCorrectTypeRule):
    """graphql-core's check of literal argument values, whose errors are the client's input (a malformed UUID, an
    out-of-range Int), not a malformed operation: BAD_USER_INPUT, as variable values that do not coerce."""

    def report_error(self, error: GraphQLError) -> None:
        _tag([error], BAD_USER_INPUT)
        super().report_error(error)


def tag_phase(validation_errors: list[GraphQLError]) -> None:
    """Code validation errors as such, unless their rule set a more precise code (InputValueRule, the limits)."""
    _tag(validation_errors, VALIDATION_FAILED)


def log_unexpected(errors: list[GraphQLError], request_id: str | None) -> None:
    """Every unexpected error (not a GatewayError, raised while resolving a field) is logged once with its
    traceback and the request id the client receives; both executors report through here."""
    for error in errors:
        if error.path is not None and not isinstance(error.original_error, GatewayError):
            logger.error("Unexpected error at %s (request %s)", ".".join(map(str, error.path)), request_id,
                         exc_info=error.original_error or error)


def format_error(error: GraphQLError, request_id: str | None, *, hide_suggestions: bool = False) -> dict[str, Any]:
    """The JSON of one error, with a code in ``extensions`` and no internals of unexpected failures;
    ``hide_suggestions`` (introspection off) cuts graphql-core's "Did you mean ..." from messages."""
    formatted: dict[str, Any] = dict(error.formatted)
    if hide_suggestions:
        formatted["message"] = _SUGGESTION.sub("", formatted["message"])
    original = error.original_error
    extensions: dict[str, Any] = dict(formatted.get("extensions") or {})
    if isinstance(original, GatewayError):
        formatted["message"] = original.message
        extensions["code"] = original.code.value
        if original.upstream_status is not None:
            extensions["upstreamStatus"] = original.upstream_status
        if isinstance(original, BadUserInput) and original.field_errors:
            extensions["fieldErrors"] = [e.as_json() for e in original.field_errors]
        if original.retry_after is not None:
            extensions["retryAfter"] = original.retry_after
        if isinstance(original, OperationLimitExceeded):
            extensions.update(original.details())
    elif isinstance(error, GraphQLSyntaxError):
        extensions["code"] = PARSE_FAILED
    elif error.path is None:
        extensions.setdefault("code", BAD_USER_INPUT)  # untagged before execution: variables that do not coerce
    else:
        formatted["message"] = "Internal server error"
        extensions["code"] = INTERNAL_SERVER_ERROR
    if request_id:
        extensions["requestId"] = request_id
    formatted["extensions"] = extensions
    return formatted


class GatewaySchema(strawberry.Schema):
    """Logs only unexpected errors (with traceback); expected gateway errors are the client's business. Carries
    the document cache both executors parse and validate with (graphql_api/documents.py)."""

    documents: DocumentCache

    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        caller = getattr(execution_context.context, "caller", None) if execution_context else None
        log_unexpected(errors, getattr(caller, "request_id", None))
