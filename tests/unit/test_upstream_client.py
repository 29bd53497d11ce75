"""The upstream client and GraphQL error handling with httpx.MockTransport: mapping, masking, tolerance."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import httpx
import pytest

from gateway.graphql_api.errors import format_error
from gateway.graphql_api.schema import schema
from resolvers.domain.errors import ErrorCode, GatewayError
from resolvers.domain.kinds import canonical_uuid, is_canonical_uuid, parse_uuid
from resolvers.domain.models import AiLabel
from resolvers.operations.context import RequestContext
from resolvers.upstream import Caller, UpstreamClient, mapped_transport_errors
from resolvers.upstream.decode import MalformedUpstreamBody, target

CAMPAIGN = str(uuid.uuid4())
MINIMAL = {"id": str(uuid.uuid4()), "campaign_id": CAMPAIGN, "customer_id": str(uuid.uuid4()), "stage": "new",
           "calls_made": 0, "whatsapp_sent": 0, "email_sent": 0, "ai_label": "unknown",
           "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00+00:00",
           "customer": {"id": None, "created_at": None}}


def run_query(handler: Any, query: str, caller: Caller | None = None) -> dict[str, Any]:
    async def execute() -> dict[str, Any]:
        client = UpstreamClient("http://upstream.test", transport=httpx.MockTransport(handler))
        try:
            context = RequestContext(client, caller or Caller(api_key="k"))
            result = await schema.execute(query, context_value=context)
        finally:
            await client.aclose()
        return {"data": result.data, "errors": [format_error(e, "req-1") for e in result.errors or []]}

    return asyncio.run(execute())


LIST_QUERY = '{ campaign(id: "%s") { targets { totalCount nodes { stage aiAnalysis { label score } customer { id name } } } } }' % CAMPAIGN  # noqa: E501


def test_nulls_absent_and_unknown_fields_are_tolerated() -> None:
    row = {**MINIMAL, "ai_score": None, "assigned_agent_id": None, "brand_new_field": {"x": 1}, "ai_label": "weird"}
    body = {"data": [row], "meta": {"total": 1, "limit": 10, "offset": 0}, "query": {}, "extra_top": 1}
    result = run_query(lambda request: httpx.Response(200, json=body), LIST_QUERY)
    assert result["errors"] == []
    node = result["data"]["campaign"]["targets"]["nodes"][0]
    assert node["aiAnalysis"] == {"label": "UNKNOWN", "score": None}
    assert node["customer"] == {"id": MINIMAL["customer_id"], "name": None}


def test_decode_requires_the_contracts_required_fields() -> None:
    assert target(MINIMAL).ai_analysis.label is AiLabel.UNKNOWN
    with pytest.raises(MalformedUpstreamBody):
        target({**MINIMAL, "id": None})
    with pytest.raises(MalformedUpstreamBody):
        target({**MINIMAL, "created_at": "yesterday"})


@pytest.mark.parametrize(
    ("response", "code"),
    [(httpx.Response(200, text="<html>oops</html>"), "UPSTREAM_UNAVAILABLE"),
     (httpx.Response(200, json={"data": "nope"}), "UPSTREAM_UNAVAILABLE"),
     (httpx.Response(422, json={"detail": [{"loc": ["query", "limit"], "msg": "bad", "type": "x"}]}),
      "BAD_USER_INPUT"),
     (httpx.Response(502, text="bad gateway"), "UPSTREAM_UNAVAILABLE"),
     (httpx.Response(418, text="teapot"), "BAD_USER_INPUT")],
)
def test_upstream_answers_map_to_codes(response: httpx.Response, code: str) -> None:
    result = run_query(lambda request: response, LIST_QUERY)
    assert [e["extensions"]["code"] for e in result["errors"]] == [code]


@pytest.mark.parametrize(
    ("exception", "code"),
    [(httpx.ConnectError("refused"), "UPSTREAM_UNAVAILABLE"), (httpx.ReadTimeout("slow"), "UPSTREAM_TIMEOUT"),
     (httpx.RemoteProtocolError("cut"), "UPSTREAM_UNAVAILABLE"), (httpx.PoolTimeout("busy"), "UPSTREAM_TIMEOUT")],
)
def test_transport_failures_map_to_codes(exception: Exception, code: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exception

    assert [e["extensions"]["code"] for e in run_query(handler, LIST_QUERY)["errors"]] == [code]


def test_every_httpx_exception_is_mapped() -> None:
    """Each exception class httpx exports is translated into a gateway error, none escapes as unexpected."""
    request = httpx.Request("GET", "http://upstream.test")
    classes = [c for c in vars(httpx).values() if isinstance(c, type) and issubclass(c, httpx.HTTPError)]
    assert len(classes) > 15
    for cls in classes:
        if cls is httpx.HTTPStatusError:
            exc: Exception = cls("x", request=request, response=httpx.Response(500))
        else:
            exc = cls("x")
        with pytest.raises(GatewayError), mapped_transport_errors():
            raise exc


def test_unexpected_errors_are_masked_with_request_id() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise RuntimeError("secret database password in this message")

    [error] = run_query(handler, LIST_QUERY)["errors"]
    assert error["message"] == "Internal server error"
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "requestId": "req-1"}
    assert "secret" not in json.dumps(error)


def test_failed_keys_are_evicted_so_a_later_load_retries() -> None:
    attempts: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        attempts.append(str(request.url))
        if len(attempts) == 1:
            return httpx.Response(500)  # not retried (the retry table): the load fails, and is evicted
        return httpx.Response(200, json={"data": [MINIMAL], "meta": {"total": 1}})

    async def scenario() -> tuple[str, int]:
        from resolvers.domain.models import TargetFilter, TargetOrder
        from resolvers.operations import targets

        client = UpstreamClient("http://upstream.test", transport=httpx.MockTransport(handler))
        context = RequestContext(client, Caller(api_key="k"))
        try:
            await targets.list_targets(context, uuid.UUID(CAMPAIGN), TargetFilter(), TargetOrder(), first=10,
                                       after=None, with_aggregations=False)
        except GatewayError as exc:
            first = exc.code.value
        again = await targets.list_targets(context, uuid.UUID(CAMPAIGN), TargetFilter(), TargetOrder(), first=10,
                                           after=None, with_aggregations=False)
        await client.aclose()
        return first, again.total_count

    assert asyncio.run(scenario()) == (ErrorCode.UPSTREAM_UNAVAILABLE.value, 1)
    assert len(attempts) == 2


@pytest.mark.parametrize("raw", [
    "c0ffee00-0000-4000-8000-000000000001", "C0FFEE00-0000-4000-8000-00000000000A", str(uuid.uuid4()),
    "c0ffee00000040008000000000000001", "{c0ffee00-0000-4000-8000-000000000001}",
    "urn:uuid:c0ffee00-0000-4000-8000-000000000001", "{C0FFEE00-0000-4000-8000-00000000000A}",
    "c0ffee00-0000-4000-8000-00000000000g", "+0ffee00-0000-4000-8000-000000000001",
    "c0ff_e00-0000-4000-8000-000000000001", "c0ffee00-0000-4000-8000-00000000000\u0663",
    "not-a-uuid", "", 12,
])
def test_fast_uuid_parsing_equals_the_standard_constructor(raw: Any) -> None:
    try:
        expected: uuid.UUID | None = uuid.UUID(str(raw))
    except ValueError:
        expected = None
    parsed = parse_uuid(raw)
    assert parsed == expected
    canonical = bool(isinstance(raw, str) and is_canonical_uuid(raw))
    assert canonical == (expected is not None and str(expected) == raw)
    assert canonical_uuid(raw) == (None if expected is None else str(expected))
    if parsed is not None:
        assert (str(parsed), hash(parsed), parsed.version, parsed.is_safe) == (
            str(expected), hash(expected), expected.version, expected.is_safe)  # type: ignore[union-attr]
