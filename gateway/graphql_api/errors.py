"""GraphQL error reporting: gateway errors become ``extensions.code``; anything unexpected is masked and logged."""

from __future__ import annotations

import logging
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.types import ExecutionContext

from resolvers.domain.errors import BadUserInput, GatewayError, RateLimited

logger = logging.getLogger("gateway.graphql")

INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"
_INPUT_PROBLEMS = (
    "got invalid value", "has invalid value", "Expected value of type", "was not provided", "cannot represent",
    "Expected type",
)


def _request_error_code(error: GraphQLError) -> str:
    """Errors raised before execution: parse, validation, or bad variable/argument values."""
    if error.message.startswith("Syntax Error"):
        return "GRAPHQL_PARSE_FAILED"
    if any(marker in error.message for marker in _INPUT_PROBLEMS):
        return "BAD_USER_INPUT"
    return "GRAPHQL_VALIDATION_FAILED"


def format_error(error: GraphQLError, request_id: str | None) -> dict[str, Any]:
    """The JSON of one error, with a code in ``extensions`` and no internals of unexpected failures."""
    formatted: dict[str, Any] = dict(error.formatted)
    original = error.original_error
    extensions: dict[str, Any] = dict(formatted.get("extensions") or {})
    if isinstance(original, GatewayError):
        formatted["message"] = original.message
        extensions["code"] = original.code.value
        if original.upstream_status is not None:
            extensions["upstreamStatus"] = original.upstream_status
        if isinstance(original, BadUserInput) and original.field_errors:
            extensions["fieldErrors"] = [e.as_json() for e in original.field_errors]
        if isinstance(original, RateLimited) and original.retry_after is not None:
            extensions["retryAfter"] = original.retry_after
    elif error.path is None:
        extensions["code"] = _request_error_code(error)
    else:
        formatted["message"] = "Internal server error"
        extensions["code"] = INTERNAL_SERVER_ERROR
    if request_id:
        extensions["requestId"] = request_id
    formatted["extensions"] = extensions
    return formatted


class GatewaySchema(strawberry.Schema):
    """Logs only unexpected errors (with traceback); expected gateway errors are the client's business."""

    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        for error in errors:
            if error.path is not None and not isinstance(error.original_error, GatewayError):
                request_id = getattr(execution_context.context, "caller", None) if execution_context else None
                logger.error("Unexpected error at %s (request %s)", ".".join(map(str, error.path)),
                             getattr(request_id, "request_id", None), exc_info=error.original_error or error)
