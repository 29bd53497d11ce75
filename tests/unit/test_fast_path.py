"""Differential tests: the compiled fast path answers exactly as graphql-core's standard executor.

Both paths run the same operation against the same in-process sandbox (httpx.ASGITransport, no sockets);
responses must be identical to the byte (key order included), errors identical as a set, and the upstream
calls the same.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import GraphQLObjectType, get_named_type, is_leaf_type

from gateway.config import OperationLimits
from gateway.graphql_api.errors import format_error
from gateway.graphql_api.fast_path import FastPath
from gateway.graphql_api.schema import build_schema, schema
from resolvers.domain.kinds import is_canonical_datetime
from resolvers.operations.context import RequestContext
from resolvers.upstream import Caller, UpstreamClient
from sandbox import DEMO_API_KEY, DEMO_CAMPAIGN_ID, FaultConfig, Sandbox, Store, seed_demo
from sandbox.seed import DEMO_CAMPAIGNS, demo_target_id
from tests.unit import upstream_rows

# Generated variants nest and alias beyond the default operation limits: the executors are compared without them
# (tests/e2e/test_limits.py holds the limits on both).
UNLIMITED = build_schema(OperationLimits(max_tokens=100_000, max_depth=100, max_aliases=10_000, max_root_fields=1000,
                                         max_upstream_calls=10_000, max_result_objects=10**9))
OPERATIONS = Path(__file__).resolve().parents[2] / "graphql" / "operations"
OTHER_CAMPAIGN = DEMO_CAMPAIGNS[1].id
UNKNOWN = "00000000-0000-4000-8000-000000000000"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    store = Store(":memory:")
    seed_demo(store)
    yield Sandbox(store)
    store.close()


class Counting(httpx.AsyncBaseTransport):
    def __init__(self, app: Sandbox) -> None:
        self.inner = httpx.ASGITransport(app=app)
        self.calls: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(f"{request.method} {request.url.path}?{request.url.query.decode()}")
        return await self.inner.handle_async_request(request)


def run_both(app: Sandbox, query: str, variables: dict[str, Any] | None = None,
             operation_name: str | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    async def standard() -> tuple[dict[str, Any], list[str]]:
        transport = Counting(app)
        client = UpstreamClient("http://sandbox", transport=transport)
        result = await UNLIMITED.execute(query, variable_values=variables, operation_name=operation_name,
                                      context_value=RequestContext(client, Caller(api_key=DEMO_API_KEY)))
        await client.aclose()
        return _response(result), transport.calls

    async def fast() -> tuple[dict[str, Any], list[str]]:
        transport = Counting(app)
        client = UpstreamClient("http://sandbox", transport=transport)
        result = await FastPath(UNLIMITED).execute(query, operation_name, variables,
                                                   RequestContext(client, Caller(api_key=DEMO_API_KEY)),
                                                   mutations=True)
        await client.aclose()
        assert result is not None, "the fast path should take this operation"
        return _response(result), transport.calls

    expected, expected_calls = asyncio.run(standard())
    actual, actual_calls = asyncio.run(fast())
    assert sorted(actual_calls) == sorted(expected_calls)
    return expected, actual


def _response(result: Any) -> dict[str, Any]:
    errors = sorted((format_error(e, None) for e in result.errors or []), key=lambda e: json.dumps(e))
    return {"data": json.dumps(result.data), "errors": errors}


def ids(app: Sandbox, campaign: str = DEMO_CAMPAIGN_ID, count: int = 5) -> list[str]:
    return [demo_target_id(campaign, k) for k in range(count)]


EXAMPLES = {
    "web_target_list": lambda: {"campaignId": DEMO_CAMPAIGN_ID, "first": 50, "filter": {"deleted": "INCLUDE"}},
    "mobile_target_detail": lambda: {"campaignId": DEMO_CAMPAIGN_ID, "targetId": demo_target_id(DEMO_CAMPAIGN_ID, 7)},
    "dashboard": lambda: {"campaignIds": [DEMO_CAMPAIGN_ID, OTHER_CAMPAIGN], "lookupCampaign": DEMO_CAMPAIGN_ID,
                          "targetIds": [*ids(None), UNKNOWN]},  # type: ignore[arg-type]
}


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_example_operations_answer_identically(sandbox: Sandbox, name: str) -> None:
    expected, actual = run_both(sandbox, (OPERATIONS / f"{name}.graphql").read_text(), EXAMPLES[name]())
    assert actual == expected
    assert expected["errors"] == []


def test_unknown_campaign_nulls_its_item_and_keeps_the_others_identically(sandbox: Sandbox) -> None:
    query = "query($ids: [UUID!]!) { campaigns(ids: $ids) { id targets(first: 2) { totalCount } } }"
    expected, actual = run_both(sandbox, query, {"ids": [DEMO_CAMPAIGN_ID, UNKNOWN]})
    assert actual == expected
    assert json.loads(expected["data"]) == {"campaigns": [{"id": DEMO_CAMPAIGN_ID, "targets": {"totalCount": 300}},
                                                          None]}
    [error] = expected["errors"]
    assert error["extensions"]["code"] == "NOT_FOUND" and error["path"] == ["campaigns", 1, "targets"]


def test_nullable_lookups_and_absent_targets(sandbox: Sandbox) -> None:
    query = """query($c: UUID!, $a: UUID!, $ids: [UUID!]!) { campaign(id: $c) {
        present: target(id: $a) { id stage } absent: target(id: $ids) { id } many: targetsByIds(ids: $ids) { id }
    } }""".replace("target(id: $ids)", f'target(id: "{UNKNOWN}")')
    expected, actual = run_both(sandbox, query, {"c": DEMO_CAMPAIGN_ID, "a": ids(sandbox)[0],
                                                 "ids": [UNKNOWN, ids(sandbox)[1]]})
    assert actual == expected


@pytest.mark.parametrize("status", [503, 429, 422, 401])
def test_failed_non_null_field_nulls_the_response_identically(sandbox: Sandbox, status: int) -> None:
    sandbox.faults.configure(FaultConfig(error_rate=1, error_status=status))
    try:
        expected, actual = run_both(sandbox, "query($c: UUID!) { campaign(id: $c) { id targets(first: 3) "
                                             "{ totalCount } } }", {"c": DEMO_CAMPAIGN_ID})
    finally:
        sandbox.faults.configure(FaultConfig())
    assert actual == expected
    assert expected["data"] == "null" and len(expected["errors"]) == 1


def test_failed_nullable_field_is_null_with_its_error_identically(sandbox: Sandbox) -> None:
    sandbox.faults.configure(FaultConfig(error_rate=1, error_status=503))
    try:
        expected, actual = run_both(sandbox, 'query($c: UUID!) { campaign(id: $c) { id maybe: target(id: "%s") '
                                             '{ id } } }' % ids(sandbox)[0], {"c": DEMO_CAMPAIGN_ID})
    finally:
        sandbox.faults.configure(FaultConfig())
    assert actual == expected
    assert json.loads(expected["data"]) == {"campaign": {"id": DEMO_CAMPAIGN_ID, "maybe": None}}
    assert [e["path"] for e in expected["errors"]] == [["campaign", "maybe"]]


def test_operation_name_selects_among_several(sandbox: Sandbox) -> None:
    query = """query A($c: UUID!) { campaign(id: $c) { targets(first: 1) { totalCount } } }
               query B($c: UUID!) { campaign(id: $c) { id } }"""
    for name in ("A", "B"):
        expected, actual = run_both(sandbox, query, {"c": DEMO_CAMPAIGN_ID}, operation_name=name)
        assert actual == expected


def _selection(rng: random.Random, gql_type: GraphQLObjectType, depth: int, fragments: list[str]) -> str:
    """A random selection over a type: aliases, duplicates, inline and named fragments, directives."""
    names = [n for n, f in gql_type.fields.items() if not f.args]
    chosen = rng.sample(names, k=max(1, min(len(names), rng.randint(1, 6))))
    parts = []
    for name in chosen:
        field_type = get_named_type(gql_type.fields[name].type)
        alias = f"{name}_{rng.randint(0, 9)}: " if rng.random() < 0.3 else ""
        directive = rng.choice(["", "", "", " @include(if: $yes)", " @skip(if: $no)", " @include(if: $no)",
                                " @skip(if: $yes)", " @include(if: true)"])
        if is_leaf_type(field_type):
            part = f"{alias}{name}{directive}"
        elif depth > 2:
            continue
        else:
            assert isinstance(field_type, GraphQLObjectType)
            part = f"{alias}{name}{directive} {{ {_selection(rng, field_type, depth + 1, fragments)} }}"
        roll = rng.random()
        if roll < 0.15:
            part = f"... on {gql_type.name}{directive} {{ {part} }}"
        elif roll < 0.25:
            fragment = f"F{len(fragments)}"
            fragments.append(f"fragment {fragment} on {gql_type.name} {{ {part} }}")
            part = f"...{fragment}"
        parts.append(part)
        if rng.random() < 0.15:
            parts.append(part)  # the same field twice: merged
    if rng.random() < 0.3:
        parts.append("__typename")
    return " ".join(parts) or "__typename"


@pytest.mark.parametrize("seed", range(40))
def test_generated_variants_answer_identically(sandbox: Sandbox, seed: int) -> None:
    rng = random.Random(seed)
    gql = schema._schema
    fragments: list[str] = []
    connection = _selection(rng, gql.get_type("TargetConnection"), 0, fragments)  # type: ignore[arg-type]
    target = _selection(rng, gql.get_type("Target"), 1, fragments)  # type: ignore[arg-type]
    filter_ = rng.choice(["", "filter: {aiLabel: POSITIVE}", "filter: {deleted: ONLY}",
                          "filter: {search: \"a\"}, sort: {field: STAGE, direction: ASC}"])
    query = f"""query V($c: UUID!, $yes: Boolean!, $no: Boolean!, $ids: [UUID!]!) {{
      __typename
      campaign(id: $c) {{ id targets(first: {rng.randint(1, 30)} {"," if filter_ else ""} {filter_}) {{ {connection} }}
                          one: target(id: "{ids(sandbox)[rng.randint(0, 4)]}") {{ {target} }}
                          targetsByIds(ids: $ids) {{ {target} }} }}
      more: campaigns(ids: [$c]) {{ ... on Campaign {{ targets(first: 2) {{ totalCount }} }} }}
    }}
    {" ".join(fragments)}"""
    variables = {"c": DEMO_CAMPAIGN_ID, "yes": True, "no": False, "ids": [ids(sandbox)[2], UNKNOWN]}
    expected, actual = run_both(sandbox, query, variables)
    assert actual == expected
    assert expected["errors"] == []


def test_unsupported_operations_fall_back(sandbox: Sandbox) -> None:
    async def attempt(query: str, variables: dict[str, Any] | None = None, mutations: bool = False) -> Any:
        client = UpstreamClient("http://sandbox", transport=httpx.ASGITransport(app=sandbox))
        try:
            return await FastPath().execute(query, None, variables,
                                            RequestContext(client, Caller(api_key=DEMO_API_KEY)), mutations=mutations)
        finally:
            await client.aclose()

    for query in ("{ __schema { queryType { name } } }", "mutation { restore(campaignId: \"%s\", targetId: \"%s\") "
                  "{ id } }" % (UNKNOWN, UNKNOWN), "{ nope }", "{ campaign(id: 5) { id } }", "query {"):
        assert asyncio.run(attempt(query)) is None  # the restore: mutations were not allowed (a GET)
    for mutation in ('mutation { deleteTarget(campaignId: "%s", targetId: "%s") { purged } }' % (UNKNOWN, UNKNOWN),
                     'mutation { restore(campaignId: "%s", targetId: "%s") { id } verifyGoal(campaignId: "%s", '
                     'targetId: "%s") { id } __schema { types { name } } }' % ((UNKNOWN,) * 4)):
        assert asyncio.run(attempt(mutation, mutations=True)) is None
    assert asyncio.run(attempt("query($c: UUID!) { campaign(id: $c) { id } }", {"c": "not-a-uuid"})) is None


def _page_app(rows: list[dict[str, Any]]) -> Any:
    """An upstream answering every list with these rows: values no sandbox would write."""
    body = json.dumps({"data": rows, "meta": {"total": len(rows), "limit": 50, "offset": 0},
                       "aggregations": {"quick_filters": {"follow_up": 1}, "extra": {"odd": [1, None]}}}).encode()

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": body})

    return app


@pytest.mark.parametrize("row", [upstream_rows.TYPICAL, *upstream_rows.ODD], ids=lambda r: str(len(r)))
def test_odd_upstream_values_answer_identically(row: dict[str, Any]) -> None:
    """Row values the compiled objects copy unchanged, and those they must not (non-canonical UUIDs and times,
    ints for floats, out-of-range counts, unknown labels, a customer without an id...)."""
    query = (OPERATIONS / "web_target_list.graphql").read_text()
    expected, actual = run_both(_page_app([row, upstream_rows.TYPICAL]), query,
                                {"campaignId": upstream_rows.CAMPAIGN, "first": 50})
    assert actual == expected
    if row in upstream_rows.ODD[3:5]:  # counts beyond Int: one error at the field, and the non-null list nulls upwards
        [error] = expected["errors"]
        assert error["path"][-1] in ("emailSent", "callsMade") and expected["data"] == "null"
    else:
        assert expected["errors"] == []


SPELLINGS = {"upper": str.upper, "braces": lambda t: "{%s}" % t, "urn": lambda t: "urn:uuid:" + t,
             "no-hyphens": lambda t: t.replace("-", "")}


@pytest.mark.parametrize("spell", SPELLINGS.values(), ids=SPELLINGS.keys())
def test_lookups_find_ids_however_the_upstream_spells_them_on_both_executors(spell: Callable[[str], str]) -> None:
    """``target``, ``targetsByIds`` and a listed lookup, over a page whose first row spells its id oddly: both
    executors find it (by the canonical id), print the canonical id, and make the same upstream calls."""
    canonical = upstream_rows.TYPICAL["id"]
    other = {**upstream_rows.TYPICAL, "id": "0b9a1ee4-5c5e-4f43-a1f4-1d0f1c5b2a77"}
    app = _page_app([{**upstream_rows.TYPICAL, "id": spell(canonical)}, other])
    query = """query($c: UUID!, $t: UUID!, $o: UUID!) { campaign(id: $c) {
        target(id: $t) { id stage } targetsByIds(ids: [$o, $t]) { id } } }"""
    expected, actual = run_both(app, query, {"c": upstream_rows.CAMPAIGN, "t": canonical, "o": other["id"]})
    assert actual == expected
    assert json.loads(expected["data"]) == {"campaign": {"target": {"id": canonical, "stage": "converted"},
                                                         "targetsByIds": [{"id": other["id"]}, {"id": canonical}]}}


def test_an_id_that_is_no_uuid_is_refused_alike_by_both_executors() -> None:
    app = _page_app([{**upstream_rows.TYPICAL, "id": "not-a-uuid"}])
    expected, actual = run_both(app, '{ campaign(id: "%s") { targets { nodes { id } } } }' % upstream_rows.CAMPAIGN)
    assert actual == expected
    assert [e["extensions"]["code"] for e in expected["errors"]] == ["UPSTREAM_UNAVAILABLE"]


def _target_app(row: dict[str, Any]) -> Any:
    """An upstream answering every write with this target row, so both paths see the same answer."""
    body = json.dumps(row).encode()

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": body})

    return app


MUTATIONS = {
    "update_stage": {"campaignId": upstream_rows.CAMPAIGN, "targetId": upstream_rows.TYPICAL["id"],
                     "stage": "qualified"},
    "verify_goal": {"campaignId": upstream_rows.CAMPAIGN, "targetId": upstream_rows.TYPICAL["id"]},
    "restore": {"campaignId": upstream_rows.CAMPAIGN, "targetId": upstream_rows.TYPICAL["id"]},
}


@pytest.mark.parametrize("name", list(MUTATIONS))
@pytest.mark.parametrize("row", [upstream_rows.TYPICAL, *upstream_rows.ODD], ids=lambda r: str(len(r)))
def test_target_mutations_answer_identically(name: str, row: dict[str, Any]) -> None:
    expected, actual = run_both(_target_app(row), (OPERATIONS / f"{name}.graphql").read_text(), MUTATIONS[name])
    assert actual == expected
    if row is upstream_rows.TYPICAL:
        assert expected["errors"] == [] and json.loads(expected["data"])


def test_mutation_errors_answer_identically(sandbox: Sandbox) -> None:
    unknown = {"campaignId": DEMO_CAMPAIGN_ID, "targetId": UNKNOWN}
    expected, actual = run_both(sandbox, (OPERATIONS / "verify_goal.graphql").read_text(), unknown)
    assert actual == expected
    assert expected["data"] == "null" and expected["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    too_long = {**unknown, "stage": "x" * 65}  # refused before any upstream call, on both paths
    expected, actual = run_both(sandbox, (OPERATIONS / "update_stage.graphql").read_text(), too_long)
    assert actual == expected
    assert expected["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_mutation_root_fields_run_one_after_another(sandbox: Sandbox) -> None:
    """Two updateStage fields in one mutation: both paths answer alike, and the fast path never has both calls in
    flight (the spec's serial execution)."""
    first, second = ids(sandbox, count=2)
    query = """mutation($c: UUID!, $a: UUID!, $b: UUID!) {
      a: updateStage(campaignId: $c, targetId: $a, stage: "one") { id stage }
      b: updateStage(campaignId: $c, targetId: $b, stage: "two") { id stage } }"""
    variables = {"c": DEMO_CAMPAIGN_ID, "a": first, "b": second}
    expected, actual = run_both(sandbox, query, variables)
    assert actual == expected
    assert json.loads(expected["data"]) == {"a": {"id": first, "stage": "one"}, "b": {"id": second, "stage": "two"}}

    class Overlap(httpx.AsyncBaseTransport):
        def __init__(self) -> None:
            self.inner, self.in_flight, self.most, self.paths = httpx.ASGITransport(app=sandbox), 0, 0, []

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            self.in_flight += 1
            self.most = max(self.most, self.in_flight)
            self.paths.append(request.url.path)
            try:
                await asyncio.sleep(0.01)
                return await self.inner.handle_async_request(request)
            finally:
                self.in_flight -= 1

    async def fast() -> Overlap:
        transport = Overlap()
        client = UpstreamClient("http://sandbox", transport=transport)
        await FastPath().execute(query, None, variables, RequestContext(client, Caller(api_key=DEMO_API_KEY)),
                                 mutations=True)
        await client.aclose()
        return transport

    transport = asyncio.run(fast())
    assert transport.most == 1
    assert transport.paths == [f"/campaigns/{DEMO_CAMPAIGN_ID}/targets/{t}/stage" for t in (first, second)]


def test_canonical_datetimes_are_exactly_what_isoformat_prints() -> None:
    rng = random.Random(7)
    pieces = {
        "date": ["2026-11-23", "0999-01-31", "2026-02-29", "2024-02-29", "2026-13-01", "2026-00-10", "9999-12-31"],
        "time": ["T00:00:00", "T23:59:59", "T24:00:00", "T12:60:00", "T12:00:61", " 12:00:00", "T1:00:00"],
        "fraction": ["", ".000000", ".123456", ".5", ".120", ".000001", ".1234567"],
        "offset": ["", "Z", "+00:00", "-00:00", "+05:30", "-23:59", "+24:00", "+00:00:30", "+0530"],
    }
    accepted = 0
    for _ in range(3000):
        text = "".join(rng.choice(choices) for choices in pieces.values())
        try:
            exact = datetime.fromisoformat(text).isoformat() == text
        except ValueError:
            exact = False
        if is_canonical_datetime(text):  # never wrong; rare shapes (offsets with seconds) may take the slow way
            assert exact, text
            accepted += 1
        elif exact:
            assert text.count(":") == 4, text  # only an offset with seconds
    assert accepted > 50


# (content type, body, answered on the direct lane)
REQUESTS = [
    ("application/json", json.dumps({"query": (OPERATIONS / "web_target_list.graphql").read_text(),
                                     "variables": {"campaignId": DEMO_CAMPAIGN_ID, "first": 20}}), True),
    ("application/json; charset=utf-8", json.dumps({
        "query": "query($ids: [UUID!]!) { campaigns(ids: $ids) { id targets(first: 2) { totalCount } } }",
        "variables": {"ids": [DEMO_CAMPAIGN_ID, UNKNOWN]}}), True),
    ("application/json", json.dumps({"query": "{ campaign(id: \"%s\") { id } }" % DEMO_CAMPAIGN_ID,
                                     "operationName": None, "extensions": {}}), True),
    ("application/json", json.dumps({"query": "{ campaign(id: \"nope\") { id } }"}), False),
    ("application/json", json.dumps({"query": "{ campaign(id: $x) { id "}), False),
    ("application/json", json.dumps({"query": "query($c: UUID!) { campaign(id: $c) { id } }", "variables": {}}),
     False),
    ("application/json", json.dumps({"query": "mutation { restoreTarget(campaignId: \"%s\", targetId: \"%s\") "
                                              "{ id } }" % (UNKNOWN, UNKNOWN)}), False),
    ("application/json", json.dumps({"query": (OPERATIONS / "verify_goal.graphql").read_text(),
                                     "variables": {"campaignId": DEMO_CAMPAIGN_ID, "targetId": UNKNOWN}}), True),
    ("application/json", json.dumps([{"query": "{ __typename }"}]), None),  # not a request object: 400 on both
    ("application/json", json.dumps({"query": "{ __typename }", "variables": [1]}), None),  # 400 before both
    ("application/json", "{not json", None),
    ("APPLICATION/JSON", json.dumps({"query": "{ campaign(id: \"%s\") { id } }" % DEMO_CAMPAIGN_ID}), None),
    ("application/json", json.dumps("a string"), None),
    ("application/json", "null", None),
]


@pytest.mark.parametrize(("content_type", "body", "direct"), REQUESTS, ids=lambda v: str(v)[:12])
def test_json_posts_answered_directly_are_what_strawberry_sends(sandbox: Sandbox, content_type: str, body: str,
                                                                  direct: bool | None) -> None:
    """Responses from the direct JSON lane equal strawberry's to the byte; what it cannot take goes to strawberry
    with the body replayed (None: not even tried)."""
    from gateway.config import Settings
    from gateway.graphql_api.view import GatewayGraphQL
    from gateway.runtime import GatewayRuntime

    attempts: list[bool] = []

    class Recording(GatewayGraphQL):
        async def _answer_on_fast_path(self, scope: Any, payload: dict[str, Any], send: Any) -> bool:
            attempts.append(await super()._answer_on_fast_path(scope, payload, send))
            return attempts[-1]

    async def post(direct_json: bool) -> httpx.Response:
        upstream = UpstreamClient("http://sandbox", transport=httpx.ASGITransport(app=sandbox))
        view = Recording(GatewayRuntime(Settings(upstream_url="http://sandbox"), upstream), direct_json=direct_json)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=view), base_url="http://gateway") as client:
            response = await client.post("/graphql", content=body,
                                         headers={"content-type": content_type, "x-api-key": DEMO_API_KEY})
        await upstream.aclose()
        return response

    strawberry_answer = asyncio.run(post(False))
    assert attempts == []
    direct_answer = asyncio.run(post(True))
    assert attempts == ([] if direct is None else [direct])
    assert direct_answer.status_code == strawberry_answer.status_code, strawberry_answer.text
    assert direct_answer.headers == strawberry_answer.headers
    assert direct_answer.content == strawberry_answer.content


def test_an_operation_the_fast_path_declines_is_remembered_not_compiled_again(sandbox: Sandbox,
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from gateway.graphql_api import fast_path

    compiled: list[str] = []
    original = fast_path._Compiler.plan

    def counting(self: Any, object_type: Any, selection_sets: Any) -> Any:
        compiled.append(object_type.name)
        return original(self, object_type, selection_sets)

    monkeypatch.setattr(fast_path._Compiler, "plan", counting)
    path = FastPath()

    async def twice(query: str) -> list[Any]:
        client = UpstreamClient("http://sandbox", transport=httpx.ASGITransport(app=sandbox))
        ctx = RequestContext(client, Caller(api_key=DEMO_API_KEY))
        results = [await path.execute(query, None, None, ctx) for _ in range(2)]
        await client.aclose()
        return results

    declined = '{ __schema { queryType { name } } campaign(id: "%s") { id } }' % DEMO_CAMPAIGN_ID
    assert asyncio.run(twice(declined)) == [None, None]
    assert (path.declined, len(compiled)) == (1, 1)
    taken = '{ campaign(id: "%s") { id } }' % DEMO_CAMPAIGN_ID
    assert all(r is not None for r in asyncio.run(twice(taken)))
    assert (path.declined, compiled.count("Query")) == (1, 2)


def test_fast_path_resolvers_are_the_schemas_resolver_fields_and_plain_fields_have_none() -> None:
    from gateway.graphql_api.fast_path import RESOLVERS, _has_resolver

    gql = schema._schema
    for type_name, field_name in RESOLVERS:
        object_type = gql.type_map[type_name]
        assert isinstance(object_type, GraphQLObjectType)
        assert _has_resolver(object_type.fields[field_name]), f"{type_name}.{field_name} is a plain field"
    # the types below the resolver fields, which the compiled plans read by attribute, have no resolvers at all
    for name in ("Target", "Customer", "AiAnalysis", "CallAnalysis", "CampaignAnalysis", "TargetConnection"):
        object_type = gql.type_map[name]
        assert isinstance(object_type, GraphQLObjectType)
        assert not any(_has_resolver(f) for f in object_type.fields.values()), name
