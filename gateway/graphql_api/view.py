"""The GraphQL HTTP endpoint: body limits, the fast JSON lane, per-request context, error formatting, CSRF guard."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import orjson
from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.types import ExecutionResult

from gateway.graphql_api import graphiql
from gateway.graphql_api.content_negotiation import GRAPHQL_RESPONSE_JSON, JSON, response_encoding, response_media_type
from gateway.graphql_api.documents import document_digest
from gateway.graphql_api.errors import format_error
from gateway.graphql_api.fast_path import FastPath
from gateway.graphql_api.observed import ObservedSend, counting, describe_span
from gateway.graphql_api.persisted import NOT_IN_LIST, PersistedOperations, Refusal, load_manifest
from gateway.graphql_api.request_body import (
    BodyTimeout,
    BodyTooLarge,
    ClientGone,
    bounded,
    no_body,
    read_body,
    replay,
)
from gateway.graphql_api.response_encoding import EncodedSend
from gateway.graphql_api.schema import build_schema
from gateway.runtime import GatewayRuntime
from gateway.telemetry import metrics
from gateway.telemetry.access import Exchange, fingerprint
from gateway.telemetry.tracing import server_span
from resolvers.domain.errors import ErrorCode
from resolvers.operations.context import RequestContext

# Headers that a browser cannot send cross-site without a CORS preflight (as Apollo Server accepts).
PREFLIGHT_HEADERS = ("apollo-require-preflight", "x-apollo-operation-name", "graphql-preflight")
# Room for the multipart envelope (operations, map) around the file itself.
MULTIPART_ENVELOPE_BYTES = 1024 * 1024

COST_HEADER = "x-include-cost"  # asks for extensions.cost: the estimate and what was spent upstream
ACTIVE = metrics.child(metrics.ACTIVE_REQUESTS, "graphql")
JSON_TYPES = (JSON, GRAPHQL_RESPONSE_JSON)
REQUEST_PARAMETERS = frozenset({"query", "variables", "operationName", "extensions", "documentId"})


def is_request_error(result: ExecutionResult) -> bool:
    """Whether execution never started (parse, validation, variable coercion, a limit): GraphQL over HTTP's
    "request error", answered 400 without ``data`` under application/graphql-response+json."""
    return result.data is None and bool(result.errors) and all(e.path is None for e in result.errors or ())


def _error_response(status: int, message: str, code: str, *, close: bool = False, media_type: str = JSON,
                    extensions: dict[str, Any] | None = None) -> Response:
    """``close``: the connection closes after the answer, so the server does not read (and discard) the rest of a
    body it refused. A request error has no ``data`` entry (GraphQL over HTTP)."""
    body = {"errors": [{"message": message, "extensions": {"code": code, **(extensions or {})}}]}
    return Response(orjson.dumps(body), status_code=status, media_type=media_type,
                    headers={"connection": "close"} if close else None)


def _too_large(limit: str, maximum: int, actual: int | None) -> Response:
    details = {"limit": limit, "max": maximum, **({"actual": actual} if actual is not None else {})}
    return _error_response(413, f"The request exceeds the {limit} limit of {maximum} bytes",
                           ErrorCode.OPERATION_LIMIT_EXCEEDED.value, close=True, extensions=details)


class GatewayGraphQL(GraphQL[RequestContext, None]):
    """strawberry's ASGI GraphQL app with the gateway's context and error reporting."""

    def __init__(self, runtime: GatewayRuntime, *, fast_path: bool = True, direct_json: bool = True) -> None:
        settings = runtime.settings
        self.gateway_schema = build_schema(settings.operation_limits, introspection=settings.introspection)
        super().__init__(self.gateway_schema, multipart_uploads_enabled=True, allow_queries_via_get=True)
        self.runtime = runtime
        self.fast_path = FastPath(self.gateway_schema) if fast_path else None
        self.direct_json = direct_json
        manifest = load_manifest(Path(settings.persisted_documents)) if settings.persisted_documents else None
        self.persisted = PersistedOperations(self.gateway_schema.documents, manifest=manifest,
                                             apq=settings.persisted_queries,
                                             require=settings.require_persisted_documents)

    async def execute_operation(self, request: Any, request_adapter: Any, request_data: Any, context: Any,
                                root_value: Any, sub_response: Any) -> Any:
        """Queries (and target mutations, over POST) over plain data run on compiled plans; everything else on
        strawberry's executor."""
        if isinstance(request, Request) and isinstance(request_data, GraphQLRequestData) \
                and isinstance(request_data.query, str):
            if self.persisted.require and not self.persisted.is_trusted(request_data.query):  # uploads, here
                return ExecutionResult(data=None, errors=[GraphQLError(
                    "This gateway runs only its trusted documents: send one by its id",
                    extensions={"code": NOT_IN_LIST})])
            self._describe(request.scope, request_data.query, request_data.operation_name)
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
        """The HTTP edge: the request's server span, access-log line and metrics around everything else."""
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        state = scope.setdefault("state", {})
        state["headers"] = headers
        state["media_type"] = response_media_type(headers.get("accept"))
        exchange = state["exchange"] = Exchange(
            "graphql", request_id=state.get("request_id"),
            credential=fingerprint(headers.get("authorization") or headers.get("x-api-key")))
        observed = ObservedSend(send)
        compressing = self.runtime.settings.compression_min_bytes >= 0
        encoding = response_encoding(headers.get("accept-encoding"))
        encoded = EncodedSend(observed, compressing=compressing, encoding=encoding,
                              revalidate=scope["method"] == "GET", if_none_match=headers.get("if-none-match"),
                              min_bytes=self.runtime.settings.compression_min_bytes)
        counted = counting(receive, exchange)
        ACTIVE.inc()
        try:
            with server_span("graphql", headers, {}) as span:
                exchange.capture_trace()
                await self._serve(scope, counted, observed, encoded)
                exchange.status = str(observed.status)
                if not exchange.codes and observed.status >= 400:
                    exchange.codes = observed.error_codes()
                if span is not None:
                    describe_span(span, exchange, observed.status)
        finally:
            ACTIVE.dec()
            exchange.bytes_out = observed.bytes
            exchange.finish()

    async def _serve(self, scope: Scope, receive: Receive, observed: ObservedSend, send: Send) -> None:
        """Size and time limits before anything is parsed, persisted operations, then the fast JSON lane or
        strawberry. ``observed`` is the wire (what started, what was sent); ``send`` encodes on the way to it."""
        settings = self.runtime.settings
        media_type: str = scope["state"]["media_type"]
        if scope["method"] == "GET":
            length = len(scope.get("query_string", b""))
            if length > settings.max_request_bytes:
                await _too_large("requestBytes", settings.max_request_bytes, length)(scope, receive, send)
                return
            try:
                query = self._resolve_get(scope)
            except Refusal as refusal:
                await _error_response(refusal.status, refusal.message, refusal.code,
                                      media_type=media_type)(scope, receive, send)
                return
            if query:
                await self.gateway_schema.documents.prepare_off_loop(query)
            await super().__call__(scope, receive, send)
            return
        if scope["method"] != "POST":
            await super().__call__(scope, receive, send)
            return
        headers: dict[str, str] = scope["state"]["headers"]
        # matched as strawberry matches it, so both lanes answer alike
        content_type = headers.get("content-type", "").split(";")[0].strip()
        if content_type == "multipart/form-data":
            rejection = self._check_upload(headers)
            if rejection is not None:
                await rejection(scope, receive, send)
                return
            limit, name = settings.max_upload_bytes + MULTIPART_ENVELOPE_BYTES, "uploadBytes"
        else:
            limit, name = settings.max_request_bytes, "requestBytes"
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await _too_large(name, limit, int(declared))(scope, receive, send)
            return
        receive = bounded(receive, limit, settings.client_body_timeout)
        try:
            if content_type in JSON_TYPES:
                body = await read_body(receive)
                replayed = await self._answer_json(scope, body, send)
                if replayed is None:
                    return
                receive = replay(replayed, receive)
            await super().__call__(scope, receive, send)
        except BodyTooLarge as error:
            if not observed.started:
                await _too_large(name, error.limit, None)(scope, no_body, send)
        except BodyTimeout:
            if not observed.started:
                await _error_response(408, "The request body did not arrive in time", "REQUEST_TIMEOUT",
                                      close=True)(scope, no_body, send)
        except ClientGone:
            return

    def _resolve_get(self, scope: Scope) -> str | None:
        """A GET's document, named by hash or id (rewriting the query string so strawberry reads it), or sent."""
        pairs = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        params = dict(pairs)
        payload: dict[str, Any] = {k: params[k] for k in ("query", "operationName", "documentId") if k in params}
        if "extensions" in params:
            try:
                payload["extensions"] = orjson.loads(params["extensions"])
            except orjson.JSONDecodeError:
                raise Refusal(400, "BAD_REQUEST", "The extensions parameter is not JSON") from None
        resolved = self.persisted.resolve(payload)
        if resolved is not payload:
            params["query"] = resolved["query"]
            scope["query_string"] = urlencode(params).encode("latin-1")
        query = resolved.get("query")
        return query if isinstance(query, str) else None

    async def _answer_json(self, scope: Scope, body: bytes, send: Send) -> bytes | None:
        """Answers a JSON body that is not a GraphQL request object (400, never 500), a persisted operation's
        refusal, and a plain request the fast path takes (None: answered); otherwise the body strawberry is to
        read (the document filled in when it was named by hash or id)."""
        media_type: str = scope["state"]["media_type"]
        try:
            payload = orjson.loads(body)
        except orjson.JSONDecodeError:
            return body  # strawberry's own answer: 400, the body is not JSON
        if not isinstance(payload, dict):
            await _error_response(400, "The request body must be a JSON object (a GraphQL request)",
                                  ErrorCode.BAD_USER_INPUT.value, media_type=media_type)(scope, no_body, send)
            return None
        try:
            resolved = self.persisted.resolve(payload)
        except Refusal as refusal:
            await _error_response(refusal.status, refusal.message, refusal.code,
                                  media_type=media_type)(scope, no_body, send)
            return None
        if isinstance(resolved.get("query"), str):
            await self.gateway_schema.documents.prepare_off_loop(resolved["query"])
        if self.direct_json and self.fast_path is not None and await self._answer_on_fast_path(
                scope, resolved, send):
            return None
        return body if resolved is payload else orjson.dumps(resolved)

    async def _answer_on_fast_path(self, scope: Scope, payload: dict[str, Any], send: Send) -> bool:
        """A plain JSON POST of one query the fast path takes, answered without strawberry's HTTP layer (request
        parsing, sub-response, content negotiation: ~10% of a list page's CPU). The response is the one that
        layer would send; False leaves everything else (batches, other mutations, odd bodies) to it, body
        replayed."""
        assert self.fast_path is not None
        if payload.keys() - REQUEST_PARAMETERS:
            return False
        query, variables, operation_name = payload.get("query"), payload.get("variables"), payload.get("operationName")
        if not isinstance(query, str) or not isinstance(variables, dict | None) \
                or not isinstance(operation_name, str | None):
            return False
        request = Request(scope)
        self._describe(scope, query, operation_name)
        sub_response = await self.get_sub_response(request)
        context = await self.get_context(request, sub_response)
        result = await self.fast_path.execute(query, operation_name, variables, context, mutations=True)
        if result is None:
            return False
        response_data = await self.process_result(request, result)
        await self.create_response(response_data, sub_response)(scope, no_body, send)
        return True

    async def render_graphql_ide(self, request: Request) -> Response:
        """GraphiQL, every asset served by the gateway itself (graphiql/)."""
        settings = self.runtime.settings
        variables = {"campaignId": settings.demo_campaign_id or "<a campaign id>", "first": 10}
        return HTMLResponse(graphiql.page(api_key=settings.demo_api_key, example_variables=variables))

    def _check_upload(self, headers: dict[str, str]) -> Response | None:
        if not any(h in headers for h in PREFLIGHT_HEADERS):
            return _error_response(
                400, "Multipart requests must carry an Apollo-Require-Preflight (or GraphQL-Preflight) header, "
                     "so a browser cannot send them cross-site", "BAD_USER_INPUT")
        return None

    def _describe(self, scope: Scope, query: str, operation_name: str | None) -> None:
        """The operation's name and type for the access log, metrics and span, from the cached document."""
        exchange: Exchange | None = scope.get("state", {}).get("exchange")
        if exchange is None:
            return
        exchange.operation_name = operation_name
        try:
            prepared = self.gateway_schema.documents.prepare(query)
        except GraphQLError:
            exchange.document = document_digest(query)
            return
        exchange.document = prepared.digest
        operation = prepared.operation(operation_name)
        if operation is not None:
            exchange.operation_type = operation.operation.value
            exchange.operation_name = operation.name.value if operation.name else operation_name

    async def get_context(self, request: Any, response: Any) -> RequestContext:
        assert isinstance(request, Request)
        request_id = getattr(request.state, "request_id", None)
        context = self.runtime.context(self.runtime.caller(request.headers, request_id))
        request.state.context = context  # for process_result: the request's ledger (cost)
        exchange: Exchange | None = getattr(request.state, "exchange", None)
        if exchange is not None:
            exchange.ledger = context.caller.ledger
        return context

    def encode_json(self, data: object) -> bytes:
        """orjson: a 50-target response encodes several times faster than with the json module."""
        return orjson.dumps(data)

    async def get_sub_response(self, request: Request | WebSocket) -> Response:
        """strawberry's per-request response holder, in the media type the client negotiated."""
        sub_response = await super().get_sub_response(request)
        sub_response.media_type = request.scope.get("state", {}).get("media_type", JSON)
        request.state.sub_response = sub_response
        return sub_response

    def create_response(self, response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
                        sub_response: Response) -> Response:
        response = Response(self.encode_json(response_data), status_code=sub_response.status_code or 200,
                            media_type=sub_response.media_type or JSON)
        response.headers.raw.extend((k, v) for k, v in sub_response.headers.raw if k != b"content-type")
        return response

    async def process_result(self, request: Any, result: ExecutionResult) -> GraphQLHTTPResponse:
        response: GraphQLHTTPResponse = {"data": result.data}
        sub_response: Response | None = getattr(request.state, "sub_response", None) \
            if isinstance(request, Request) else None
        if sub_response is not None and sub_response.media_type == GRAPHQL_RESPONSE_JSON and is_request_error(result):
            del response["data"]
            sub_response.status_code = 400
        if result.errors:
            request_id = getattr(request.state, "request_id", None) if isinstance(request, Request) else None
            hide = not self.runtime.settings.introspection
            formatted = [format_error(e, request_id, hide_suggestions=hide) for e in result.errors]
            response["errors"] = formatted  # type: ignore[typeddict-item]
            exchange: Exchange | None = getattr(request.state, "exchange", None)
            if exchange is not None:
                exchange.codes = [e["extensions"]["code"] for e in formatted]
                exchange.limits = [e["extensions"]["limit"] for e in formatted if "limit" in e["extensions"]]
        if result.extensions:
            response["extensions"] = result.extensions
        context = getattr(request.state, "context", None) if isinstance(request, Request) else None
        if context is not None and request.headers.get(COST_HEADER, "").lower() in ("1", "true"):
            response["extensions"] = {**(response.get("extensions") or {}), "cost": context.caller.ledger.cost()}
        return response
