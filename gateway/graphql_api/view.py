"""The GraphQL HTTP endpoint: per-request context, error formatting, CSRF and size guards for uploads."""

from __future__ import annotations

import json
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.types import ExecutionResult

from gateway.graphql_api.errors import format_error
from gateway.graphql_api.fast_path import FastPath
from gateway.graphql_api.schema import schema
from gateway.runtime import GatewayRuntime
from resolvers.context import RequestContext

# Headers that a browser cannot send cross-site without a CORS preflight (as Apollo Server accepts).
PREFLIGHT_HEADERS = ("apollo-require-preflight", "x-apollo-operation-name", "graphql-preflight")
# Room for the multipart envelope (operations, map) around the file itself.
MULTIPART_ENVELOPE_BYTES = 1024 * 1024


def _error_response(status: int, message: str, code: str) -> Response:
    body = {"data": None, "errors": [{"message": message, "extensions": {"code": code}}]}
    return Response(json.dumps(body), status_code=status, media_type="application/json")


class GatewayGraphQL(GraphQL[RequestContext, None]):
    """strawberry's ASGI GraphQL app with the gateway's context and error reporting."""

    def __init__(self, runtime: GatewayRuntime, *, fast_path: bool = True) -> None:
        super().__init__(schema, multipart_uploads_enabled=True, allow_queries_via_get=True)
        self.runtime = runtime
        self.fast_path = FastPath() if fast_path else None

    async def execute_operation(self, request: Any, request_adapter: Any, request_data: Any, context: Any,
                                root_value: Any, sub_response: Any) -> Any:
        """Queries over plain data run on compiled plans; everything else on strawberry's executor."""
        if (self.fast_path is not None and isinstance(request_data, GraphQLRequestData)
                and isinstance(request_data.query, str) and request_data.protocol == "http"):
            result = await self.fast_path.execute(request_data.query, request_data.operation_name,
                                                  request_data.variables, context)
            if result is not None:
                return result
        return await super().execute_operation(request, request_adapter, request_data, context, root_value,
                                               sub_response)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
            if headers.get("content-type", "").startswith("multipart/form-data"):
                rejection = self._check_upload(headers)
                if rejection is not None:
                    await rejection(scope, receive, send)
                    return
        await super().__call__(scope, receive, send)

    def _check_upload(self, headers: dict[str, str]) -> Response | None:
        if not any(h in headers for h in PREFLIGHT_HEADERS):
            return _error_response(
                400, "Multipart requests must carry an Apollo-Require-Preflight (or GraphQL-Preflight) header, "
                     "so a browser cannot send them cross-site", "BAD_USER_INPUT")
        limit = self.runtime.resolver_settings.max_upload_bytes + MULTIPART_ENVELOPE_BYTES
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > limit:
            return _error_response(413, f"Upload larger than {self.runtime.resolver_settings.max_upload_bytes} bytes",
                                   "BAD_USER_INPUT")
        return None

    async def get_context(self, request: Any, response: Any) -> RequestContext:
        assert isinstance(request, Request)
        request_id = getattr(request.state, "request_id", None)
        return self.runtime.context(self.runtime.caller(request.headers, request_id))

    def encode_json(self, data: object) -> bytes:
        """orjson: a 50-target response encodes several times faster than with the json module."""
        return orjson.dumps(data)

    async def process_result(self, request: Any, result: ExecutionResult) -> GraphQLHTTPResponse:
        response: GraphQLHTTPResponse = {"data": result.data}
        if result.errors:
            request_id = getattr(request.state, "request_id", None) if isinstance(request, Request) else None
            response["errors"] = [format_error(e, request_id) for e in result.errors]
        if result.extensions:
            response["extensions"] = result.extensions
        return response
