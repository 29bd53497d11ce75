"""GraphQL queries end to end (gateway and sandbox on loopback): data, paging, and upstream calls per operation."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

import httpx

from sandbox import DEMO_API_KEY, DEMO_CAMPAIGN_ID
from tests.support.servers import GatewayHandle

LIST = """
query($c: UUID!, $first: Int, $after: String, $filter: TargetFilter) {
  campaign(id: $c) {
    targets(first: $first, after: $after, filter: $filter) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { id stage customer { id externalId email } } }
    }
  }
}"""


def data(body: dict[str, Any]) -> Any:
    assert "errors" not in body, body.get("errors")
    return body["data"]


def calls(gateway: GatewayHandle) -> list[dict[str, Any]]:
    return [{"path": c.path, "query": {k: v[0] for k, v in parse_qs(c.query).items()}}  # type: ignore[attr-defined]
            for c in gateway.upstream_calls()]


def test_list_page_with_nested_customer_matches_rest(gateway: GatewayHandle) -> None:
    gateway.reset_upstream_log()
    page = data(gateway.graphql(LIST, {"c": DEMO_CAMPAIGN_ID, "first": 5}))["campaign"]["targets"]
    rest = httpx.get(f"{gateway.sandbox.url}/campaigns/{DEMO_CAMPAIGN_ID}/targets", params={"limit": 5},
                     headers={"X-API-Key": DEMO_API_KEY}).json()
    assert page["totalCount"] == rest["meta"]["total"] == 300
    assert [e["node"]["id"] for e in page["edges"]] == [t["id"] for t in rest["data"]]
    assert [e["node"]["customer"]["externalId"] for e in page["edges"]] == [
        t["customer"]["customer_id"] for t in rest["data"]]
    assert page["pageInfo"]["hasNextPage"] is True and page["pageInfo"]["hasPreviousPage"] is False
    assert len(calls(gateway)) == 2  # the gateway's call and this test's own REST call


def test_cursor_paging_walks_the_whole_filtered_list_without_overlap(gateway: GatewayHandle) -> None:
    variables: dict[str, Any] = {"c": DEMO_CAMPAIGN_ID, "first": 37, "filter": {"aiLabel": "NEGATIVE"}}
    seen: list[str] = []
    while True:
        page = data(gateway.graphql(LIST, variables))["campaign"]["targets"]
        seen.extend(e["node"]["id"] for e in page["edges"])
        if not page["pageInfo"]["hasNextPage"]:
            break
        variables["after"] = page["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) == page["totalCount"]


def test_foreign_or_garbage_cursor_is_bad_input_without_upstream_call(gateway: GatewayHandle) -> None:
    cursor = data(gateway.graphql(LIST, {"c": DEMO_CAMPAIGN_ID, "first": 2}))["campaign"]["targets"]["pageInfo"][
        "endCursor"]
    gateway.reset_upstream_log()
    for variables in ({"c": DEMO_CAMPAIGN_ID, "after": cursor, "filter": {"stage": "new"}},
                      {"c": DEMO_CAMPAIGN_ID, "after": "garbage!"}):
        [error] = gateway.graphql(LIST, variables)["errors"]  # type: ignore[misc]
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
        assert error["extensions"]["fieldErrors"][0]["loc"] == ["after"]
    assert calls(gateway) == []


def test_first_out_of_range_and_malformed_uuid_fail_before_upstream(gateway: GatewayHandle) -> None:
    gateway.reset_upstream_log()
    for first in (0, 201):
        [error] = gateway.graphql(LIST, {"c": DEMO_CAMPAIGN_ID, "first": first})["errors"]  # type: ignore[misc]
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
    [error] = gateway.graphql(LIST, {"c": "not-a-uuid"})["errors"]  # type: ignore[misc]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert calls(gateway) == []


def test_identical_lists_in_one_operation_cost_one_call(gateway: GatewayHandle) -> None:
    query = """query($c: UUID!) { campaign(id: $c) {
        a: targets(first: 3) { totalCount nodes { id } }
        b: targets(first: 3) { nodes { stage } aggregations { quickFilters { name count } } }
        c: targets(first: 3, filter: {deleted: EXCLUDE}) { totalCount }
    } }"""
    gateway.reset_upstream_log()
    result = data(gateway.graphql(query, {"c": DEMO_CAMPAIGN_ID}))["campaign"]
    [call] = calls(gateway)
    assert call["query"]["include_aggregations"] == "true"
    assert result["a"]["totalCount"] == result["c"]["totalCount"] == 300
    assert len(result["b"]["aggregations"]["quickFilters"]) == 5


def test_aggregations_requested_only_when_selected_also_through_fragments(gateway: GatewayHandle) -> None:
    gateway.reset_upstream_log()
    data(gateway.graphql("query($c: UUID!) { campaign(id: $c) { targets(first: 1) { totalCount } } }",
                         {"c": DEMO_CAMPAIGN_ID}))
    assert "include_aggregations" not in calls(gateway)[0]["query"]
    gateway.reset_upstream_log()
    query = """query($c: UUID!) { campaign(id: $c) { targets(first: 1) { ...Counts } } }
               fragment Counts on TargetConnection { ... on TargetConnection { aggregations { extra } } }"""
    body = data(gateway.graphql(query, {"c": DEMO_CAMPAIGN_ID}))
    assert calls(gateway)[0]["query"]["include_aggregations"] == "true"
    assert sum(body["campaign"]["targets"]["aggregations"]["extra"]["stages"].values()) == 300


def test_lookups_batch_into_list_pages_and_keep_order(gateway: GatewayHandle) -> None:
    rest = httpx.get(f"{gateway.sandbox.url}/campaigns/{DEMO_CAMPAIGN_ID}/targets",
                     params={"limit": 200, "offset": 100}, headers={"X-API-Key": DEMO_API_KEY}).json()["data"]
    early, late = rest[0]["id"], rest[-1]["id"]  # row 100 (first lookup page) and row 299 (second page)
    absent = "00000000-0000-4000-8000-000000000000"
    query = """query($c: UUID!, $a: UUID!, $b: UUID!, $ids: [UUID!]!) { campaign(id: $c) {
        one: target(id: $a) { id } two: target(id: $b) { id customer { email } }
        many: targetsByIds(ids: $ids) { id }
    } }"""
    gateway.reset_upstream_log()
    result = data(gateway.graphql(query, {"c": DEMO_CAMPAIGN_ID, "a": early, "b": late,
                                          "ids": [late, absent, early]}))["campaign"]
    assert result["one"]["id"] == early and result["two"]["id"] == late
    assert result["many"] == [{"id": late}, None, {"id": early}]
    made = calls(gateway)
    assert [(c["query"]["limit"], c["query"]["offset"], c["query"]["include_deleted"]) for c in made] == [
        ("200", "0", "true"), ("200", "200", "true")]


def test_lookup_stops_as_soon_as_every_id_is_found(gateway: GatewayHandle) -> None:
    newest = data(gateway.graphql(LIST, {"c": DEMO_CAMPAIGN_ID, "first": 3}))["campaign"]["targets"]["edges"]
    gateway.reset_upstream_log()
    query = "query($c: UUID!, $ids: [UUID!]!) { campaign(id: $c) { targetsByIds(ids: $ids) { id } } }"
    ids = [e["node"]["id"] for e in newest]
    assert [t["id"] for t in data(gateway.graphql(query, {"c": DEMO_CAMPAIGN_ID, "ids": ids}))["campaign"][
        "targetsByIds"]] == ids
    assert len(calls(gateway)) == 1


def test_campaigns_fetch_concurrently_one_call_each(gateway: GatewayHandle, faults: Any) -> None:
    other_campaigns = [gateway.sandbox.new_campaign(2) for _ in range(3)]
    faults.faults.configure(type(faults.faults.config)(latency_ms=150))
    gateway.reset_upstream_log()
    query = "query($ids: [UUID!]!) { campaigns(ids: $ids) { id targets(first: 5) { totalCount } } }"
    result = data(gateway.graphql(query, {"ids": other_campaigns}))["campaigns"]
    assert [c["targets"]["totalCount"] for c in result] == [2, 2, 2]
    assert [c["id"] for c in result] == other_campaigns
    assert sorted(c.path for c in gateway.upstream_calls()) == sorted(  # type: ignore[attr-defined]
        f"/campaigns/{c}/targets" for c in other_campaigns)
    assert gateway.sandbox.app.request_log.max_in_flight == 3


def test_campaign_alone_makes_no_upstream_call(gateway: GatewayHandle) -> None:
    gateway.reset_upstream_log()
    assert data(gateway.graphql("{ campaign(id: \"%s\") { id } }" % DEMO_CAMPAIGN_ID)) == {
        "campaign": {"id": DEMO_CAMPAIGN_ID}}
    assert calls(gateway) == []


def test_queries_over_get_and_mutations_refused_over_get(gateway: GatewayHandle) -> None:
    query = '{ campaign(id: "%s") { targets(first: 1) { totalCount } } }' % DEMO_CAMPAIGN_ID
    response = httpx.get(gateway.url + "/graphql", params={"query": query}, headers={"X-API-Key": DEMO_API_KEY})
    assert response.status_code == 200
    assert response.json()["data"]["campaign"]["targets"]["totalCount"] == 300
    gateway.reset_upstream_log()
    mutation = 'mutation { restore(campaignId: "%s", targetId: "%s") { id } }' % (DEMO_CAMPAIGN_ID, DEMO_CAMPAIGN_ID)
    refused = httpx.get(gateway.url + "/graphql", params={"query": mutation}, headers={"X-API-Key": DEMO_API_KEY})
    assert refused.status_code in (400, 405)
    assert calls(gateway) == []


def test_graphiql_is_served_to_browsers(gateway: GatewayHandle) -> None:
    page = httpx.get(gateway.url + "/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "graphiql" in page.text.lower()


def test_skipped_aggregations_are_not_requested_upstream(gateway: GatewayHandle) -> None:
    query = """query($c: UUID!, $show: Boolean!) { campaign(id: $c) {
        targets(first: 1) { totalCount aggregations @include(if: $show) { extra } } } }"""
    gateway.reset_upstream_log()
    body = data(gateway.graphql(query, {"c": DEMO_CAMPAIGN_ID, "show": False}))
    assert "aggregations" not in body["campaign"]["targets"]
    assert "include_aggregations" not in calls(gateway)[0]["query"]
