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
from gateway.graphql_api.schema import build_schema
from gateway.runtime import GatewayRuntime
from resolvers.operations.context import RequestContext

# Headers that a browser cannot send cross-site without a CORS preflight (as Apollo Server accepts).
PREFLIGHT_HEADERS = ("apollo-require-preflight", "x-apollo-operation-name", "graphql-preflight")
# Room for the multipart envelope (operations, map) around the file itself.
MULTIPART_ENVELOPE_BYTES = 1024 * 1024


def _error_response(status: int, message: str, code: str) -> Response:
    body = {"data": None, "errors": [{"message": message, "extensions": {"code": code}}]}
    return Response(json.dumps(body), status_code=status, media_type="application/json")


async def _read_body(receive: Receive) -> bytes | None:
    """The request body, or None when the client disconnected first."""
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """``receive`` for an app after the body was read here: the body once, then the original channel."""
    sent = False

    async def replaying() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return dict(await receive())

    return replaying


async def _no_body() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


class GatewayGraphQL(GraphQL[RequestContext, None]):
    """strawberry's ASGI GraphQL app with the gateway's context and error reporting."""

    def __init__(self, runtime: GatewayRuntime, *, fast_path: bool = True, direct_json: bool = True) -> None:
        settings = runtime.settings
        self.gateway_schema = build_schema(settings.operation_limits, introspection=settings.introspection)
        super().__init__(self.gateway_schema, multipart_uploads_enabled=True, allow_queries_via_get=True)
        self.runtime = runtime
        self.fast_path = FastPath(self.gateway_schema) if fast_path else None
        self.direct_json = direct_json

    async def execute_operation(self, request: Any, request_adapter: Any, request_data: Any, context: Any,
                                root_value: Any, sub_response: Any) -> Any:
        """Queries (and target mutations, over POST) over plain data run on compiled plans; everything else on
        strawberry's executor."""
        if (self.fast_path is not None and isinstance(request_data, GraphQLRequestData)
                and isinstance(request_data.query, str) and request_data.protocol == "http"):
            result = await self.fast_path.execute(request_data.query, request_data.operation_name,
                                                  request_data.variables, context,
                                                  mutations=request_adapter.method == "POST")
            if result is not None:
                return result
        return await super().execute_operation(request, request_adapter, request_data, context, root_value,
                                               sub_response)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
            content_type = headers.get("content-type", "")
            if content_type.startswith("multipart/form-data"):
                rejection = self._check_upload(headers)
                if rejection is not None:
                    await rejection(scope, receive, send)
                    return
            elif self.direct_json and self.fast_path is not None \
                    and content_type.split(";")[0].strip() == "application/json":
                body = await _read_body(receive)
                if body is None:  # the client went away before its request was complete
                    return
                if await self._answer_on_fast_path(scope, body, send):
                    return
                receive = _replay(body, receive)
        await super().__call__(scope, receive, send)

    async def _answer_on_fast_path(self, scope: Scope, body: bytes, send: Send) -> bool:
        """A plain JSON POST of one query the fast path takes, answered without strawberry's HTTP layer (request
        parsing, sub-response, content negotiation: ~10% of a list page's CPU). The response is the one that
        layer would send; False leaves everything else (batches, other mutations, odd bodies) to it, body
        replayed."""
        assert self.fast_path is not None
        try:
            payload = orjson.loads(body)
        except orjson.JSONDecodeError:
            return False
        if not isinstance(payload, dict) or payload.keys() - {"query", "variables", "operationName", "extensions"}:
            return False
        query, variables, operation_name = payload.get("query"), payload.get("variables"), payload.get("operationName")
        if (not isinstance(query, str) or not isinstance(variables, dict | None)
                or not isinstance(operation_name, str | None) or payload.get("extensions")):
            return False
        request = Request(scope)
        context = await self.get_context(request, None)
        result = await self.fast_path.execute(query, operation_name, variables, context, mutations=True)
        if result is None:
            return False
        response_data = await self.process_result(request, result)
        await Response(self.encode_json(response_data), media_type="application/json")(scope, _no_body, send)
        return True

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
