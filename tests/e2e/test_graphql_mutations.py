"""GraphQL mutations end to end, including multipart uploads, each checked against the sandbox's state."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from sandbox import DEMO_API_KEY
from tests.support.servers import GatewayHandle

OPERATIONS = Path(__file__).resolve().parents[2] / "graphql" / "operations"


def op(name: str) -> str:
    return (OPERATIONS / f"{name}.graphql").read_text(encoding="utf-8")


def data(body: dict[str, Any]) -> Any:
    assert "errors" not in body, body.get("errors")
    return body["data"]


def rest_targets(gateway: GatewayHandle, campaign: str, **params: str) -> list[dict[str, Any]]:
    response = httpx.get(f"{gateway.sandbox.url}/campaigns/{campaign}/targets", params={"limit": "200", **params},
                         headers={"X-API-Key": DEMO_API_KEY})
    targets: list[dict[str, Any]] = response.json()["data"]
    return targets


def test_update_stage_and_then_reading_it_in_the_same_request(gateway: GatewayHandle) -> None:
    campaign = gateway.sandbox.new_campaign(1)
    [target] = rest_targets(gateway, campaign)
    result = data(gateway.graphql(op("update_stage"), {"campaignId": campaign, "targetId": target["id"],
                                                       "stage": "qualified"}))
    assert result["updateStage"]["stage"] == "qualified"
    assert rest_targets(gateway, campaign)[0]["stage"] == "qualified"
    gateway.reset_upstream_log()
    for stage in ("", "x" * 65):
        [error] = gateway.graphql(op("update_stage"), {"campaignId": campaign, "targetId": target["id"],
                                                       "stage": stage})["errors"]  # type: ignore[misc]
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert gateway.upstream_calls() == []


def test_delete_restore_and_purge(gateway: GatewayHandle) -> None:
    campaign = gateway.sandbox.new_campaign(2)
    first, second = rest_targets(gateway, campaign)
    variables = {"campaignId": campaign, "targetId": first["id"]}
    assert data(gateway.graphql(op("delete_target"), variables))["deleteTarget"] == {
        "targetId": first["id"], "purged": False}
    assert [t["id"] for t in rest_targets(gateway, campaign, only_deleted="true")] == [first["id"]]
    assert data(gateway.graphql(op("restore"), variables))["restore"]["id"] == first["id"]
    assert len(rest_targets(gateway, campaign)) == 2
    purged = data(gateway.graphql(op("delete_target"), {**variables, "targetId": second["id"], "purge": True}))
    assert purged["deleteTarget"]["purged"] is True
    assert [t["id"] for t in rest_targets(gateway, campaign, include_deleted="true")] == [first["id"]]
    [error] = gateway.graphql(op("restore"), {**variables, "targetId": second["id"]})["errors"]  # type: ignore[misc]
    assert error["extensions"]["code"] == "NOT_FOUND" and error["extensions"]["upstreamStatus"] == 404


def test_verify_goal_writes_campaign_analysis(gateway: GatewayHandle) -> None:
    campaign = gateway.sandbox.new_campaign(1)
    [target] = rest_targets(gateway, campaign)
    with gateway.sandbox.store.transaction() as db:
        gateway.sandbox.store.add_call_attempt(db, target["customer_id"], campaign,
                                               "Customer: yes, great, book the installation visit, I agree")
    result = data(gateway.graphql(op("verify_goal"), {"campaignId": campaign, "targetId": target["id"]}))
    verified = result["verifyGoal"]
    assert verified["stage"] == "converted"
    assert verified["campaignAnalysis"]["goalResult"] == "achieved"
    assert verified["campaignAnalysis"]["nextBestAction"] == "confirm_and_close"
    assert verified["campaignAnalysis"]["updatedAt"] is not None


def test_enroll_targets_passes_the_open_upstream_result_through(gateway: GatewayHandle) -> None:
    source = gateway.sandbox.new_campaign(2)
    customers = [t["customer_id"] for t in rest_targets(gateway, source)]
    destination = gateway.sandbox.new_campaign(0)
    result = data(gateway.graphql(op("enroll_targets"), {
        "campaignId": destination, "items": [{"customerId": c} for c in customers]}))["enrollTargets"]
    assert result["requested"] == 2
    assert {e["customer_id"] for e in result["result"]["enrolled"]} == set(customers)
    assert len(rest_targets(gateway, destination)) == 2
    [error] = gateway.graphql(op("enroll_targets"), {"campaignId": destination, "items": []})[
        "errors"]  # type: ignore[misc]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"


def test_create_customer_and_enroll_with_duplicates_and_bad_input(gateway: GatewayHandle) -> None:
    campaign = gateway.sandbox.new_campaign(0)
    new = {"externalId": "GQL-1", "name": "Ada", "email": "ada.gql@example.com"}
    assert data(gateway.graphql(op("create_customer_and_enroll"), {"campaignId": campaign, "input": new}))[
        "createCustomerAndEnroll"] == {"created": True, "skipped": False, "reason": None}
    again = data(gateway.graphql(op("create_customer_and_enroll"), {"campaignId": campaign, "input": new}))
    assert again["createCustomerAndEnroll"]["skipped"] is True
    gateway.reset_upstream_log()
    [error] = gateway.graphql(op("create_customer_and_enroll"), {
        "campaignId": campaign, "input": {"externalId": "GQL-2"}})["errors"]  # type: ignore[misc]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert gateway.upstream_calls() == [], "judged by the gateway, before any upstream call"
    [upstream_error] = gateway.graphql(op("create_customer_and_enroll"), {
        "campaignId": campaign, "input": {"externalId": "GQL-3", "email": "nope"}})["errors"]  # type: ignore[misc]
    assert upstream_error["extensions"]["code"] == "BAD_USER_INPUT"
    assert upstream_error["extensions"]["upstreamStatus"] == 422
    # the location in the gateway's own input names, the upstream's type, not its free text
    assert upstream_error["extensions"]["fieldErrors"] == [
        {"loc": ["input", "email"], "msg": "refused by the upstream (value_error)", "type": "value_error"}]
    assert "nope" not in upstream_error["message"]


def multipart(campaign: str, content: bytes, filename: str = "people.csv", *, skip: bool = False
              ) -> dict[str, Any]:
    operations = {"query": op("import_targets"), "variables": {"campaignId": campaign, "file": None, "skip": skip}}
    return {
        "data": {"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.file"]})},
        "files": {"0": (filename, content, "text/csv")},
    }


def test_import_targets_through_a_multipart_upload(gateway: GatewayHandle) -> None:
    campaign = gateway.sandbox.new_campaign(0)
    csv = b"customer_id,name,email\nUP-1,Uma,uma@example.com\nUP-2,Bad,not-an-email\n"
    response = httpx.post(gateway.url + "/graphql", **multipart(campaign, csv),
                          headers={"X-API-Key": DEMO_API_KEY, "Apollo-Require-Preflight": "true"})
    assert response.status_code == 200, response.text
    result = data(response.json())["importTargets"]
    assert (result["total"], result["created"], result["skipped"], result["targetsCreated"]) == (2, 1, 1, 1)
    assert result["errors"] == [{"row": 3, "field": "email", "message": "'not-an-email' is not a valid email address"}]
    assert result["target"]["customer"]["externalId"] == "UP-1"
    assert [t["customer"]["customer_id"] for t in rest_targets(gateway, campaign)] == ["UP-1"]


def test_upload_without_preflight_header_is_refused_before_upstream(gateway: GatewayHandle) -> None:
    campaign = gateway.sandbox.new_campaign(0)
    gateway.reset_upstream_log()
    response = httpx.post(gateway.url + "/graphql", **multipart(campaign, b"customer_id\nX\n"),
                          headers={"X-API-Key": DEMO_API_KEY})
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert gateway.upstream_calls() == []
