"""The sandbox's write operations over real HTTP: delete/purge/restore, stage, verify-goal, enrollment."""

from __future__ import annotations

import uuid

import httpx

from tests.support.servers import SandboxHandle


def first_target(api: httpx.Client, campaign: str) -> dict:  # type: ignore[type-arg]
    return api.get(f"/campaigns/{campaign}/targets", params={"limit": 1}).json()["data"][0]


def test_soft_delete_hides_target_until_restored(sandbox: SandboxHandle, api: httpx.Client) -> None:
    campaign = sandbox.new_campaign(3)
    base = f"/campaigns/{campaign}/targets"
    target = first_target(api, campaign)
    response = api.delete(f"{base}/{target['id']}")
    assert response.status_code == 204 and response.content == b""
    assert api.get(base).json()["meta"]["total"] == 2
    assert [t["id"] for t in api.get(base, params={"only_deleted": "true"}).json()["data"]] == [target["id"]]
    assert api.get(base, params={"include_deleted": "true"}).json()["meta"]["total"] == 3
    # deleting again is idempotent
    assert api.delete(f"{base}/{target['id']}").status_code == 204
    restored = api.post(f"{base}/{target['id']}/restore")
    assert restored.status_code == 200
    assert restored.json()["id"] == target["id"]
    assert restored.json()["customer"]["id"] == target["customer_id"]
    assert api.get(base).json()["meta"]["total"] == 3


def test_purge_removes_target_for_good(sandbox: SandboxHandle, api: httpx.Client) -> None:
    campaign = sandbox.new_campaign(2)
    base = f"/campaigns/{campaign}/targets"
    target = first_target(api, campaign)
    assert api.delete(f"{base}/{target['id']}", params={"purge": "true"}).status_code == 204
    assert api.get(base, params={"include_deleted": "true"}).json()["meta"]["total"] == 1
    assert api.post(f"{base}/{target['id']}/restore").status_code == 404
    assert api.delete(f"{base}/{target['id']}").json() == {"detail": "Target not found"}


def test_update_stage_and_its_validation(sandbox: SandboxHandle, api: httpx.Client) -> None:
    campaign = sandbox.new_campaign(1)
    target = first_target(api, campaign)
    path = f"/campaigns/{campaign}/targets/{target['id']}/stage"
    updated = api.patch(path, json={"stage": "qualified"})
    assert updated.status_code == 200
    assert updated.json()["stage"] == "qualified"
    assert updated.json()["updated_at"] >= target["updated_at"]
    assert first_target(api, campaign)["stage"] == "qualified"
    for body, error_type in [({"stage": ""}, "string_too_short"), ({"stage": "x" * 65}, "string_too_long"),
                             ({}, "missing"), ({"stage": 5}, "string_type")]:
        response = api.patch(path, json=body)
        assert response.status_code == 422, body
        assert response.json()["detail"][0]["loc"] == ["body", "stage"]
        assert response.json()["detail"][0]["type"] == error_type
    assert api.patch(path, json={"stage": "y" * 64}).status_code == 200
    broken = api.patch(path, content=b"{not json", headers={"content-type": "application/json"})
    assert broken.status_code == 422 and broken.json()["detail"][0]["type"] == "json_invalid"
    bad_extra = api.patch(path, params={"agent_id": "nope"}, json={"stage": "a"})
    assert bad_extra.status_code == 422 and bad_extra.json()["detail"][0]["loc"] == ["query", "agent_id"]


def test_deleted_target_cannot_change_stage(sandbox: SandboxHandle, api: httpx.Client) -> None:
    campaign = sandbox.new_campaign(1)
    target = first_target(api, campaign)
    api.delete(f"/campaigns/{campaign}/targets/{target['id']}")
    response = api.patch(f"/campaigns/{campaign}/targets/{target['id']}/stage", json={"stage": "x"})
    assert response.status_code == 404


def _target_with_conversations(sandbox: SandboxHandle, api: httpx.Client, *conversations: str,
                               status: str = "completed") -> tuple[str, dict]:  # type: ignore[type-arg]
    campaign = sandbox.new_campaign(1)
    target = first_target(api, campaign)
    with sandbox.store.transaction() as db:
        for n, text in enumerate(conversations):
            sandbox.store.add_call_attempt(db, target["customer_id"], campaign, text, status=status,
                                           created_at=f"2026-01-0{n + 1}T00:00:00.000000+00:00")
    return campaign, target


def test_verify_goal_achieved_moves_to_converted(sandbox: SandboxHandle, api: httpx.Client) -> None:
    campaign, target = _target_with_conversations(
        sandbox, api,
        "Agent: Shall we book the installation visit?\nCustomer: Yes, sounds good.",
        "Agent: About the upgrade...\nCustomer: Great, I agree, book the installation visit.",
    )
    response = api.post(f"/campaigns/{campaign}/targets/{target['id']}/verify-goal")
    assert response.status_code == 200
    body = response.json()
    assert body["campaign_goal_result"] == "achieved"
    assert 0.7 <= body["campaign_goal_score"] <= 1
    assert body["campaign_sentiment"] == "positive"
    assert body["callback_requested"] is False
    assert body["campaign_next_best_action"] == "confirm_and_close"
    assert body["stage"] == "converted"
    assert "installation" in body["campaign_goal_rationale"]
    assert body["campaign_analysis_updated_at"]


def test_verify_goal_negative_and_callback(sandbox: SandboxHandle, api: httpx.Client) -> None:
    campaign, target = _target_with_conversations(sandbox, api, "Customer: No thanks, not interested. Stop calling.")
    lost = api.post(f"/campaigns/{campaign}/targets/{target['id']}/verify-goal").json()
    assert (lost["campaign_goal_result"], lost["campaign_sentiment"], lost["stage"]) == (
        "not_achieved", "negative", "lost")
    campaign, target = _target_with_conversations(sandbox, api, "Customer: Not now, call me back next week.")
    later = api.post(f"/campaigns/{campaign}/targets/{target['id']}/verify-goal").json()
    assert later["callback_requested"] is True and later["stage"] == "callback"


def test_verify_goal_without_completed_conversations_is_unknown(sandbox: SandboxHandle, api: httpx.Client) -> None:
    campaign, target = _target_with_conversations(sandbox, api, "Customer: Yes!", status="failed")
    body = api.post(f"/campaigns/{campaign}/targets/{target['id']}/verify-goal").json()
    assert body["campaign_goal_result"] == "unknown"
    assert body["campaign_goal_score"] == 0
    assert body["stage"] == target["stage"]


def test_bulk_enroll_reports_already_enrolled_and_unknown(sandbox: SandboxHandle, api: httpx.Client) -> None:
    source = sandbox.new_campaign(3)
    customers = [t["customer_id"] for t in api.get(f"/campaigns/{source}/targets").json()["data"]]
    target_campaign = sandbox.new_campaign(0)
    agent = str(uuid.uuid4())
    unknown = str(uuid.uuid4())
    body = {"items": [{"customer_id": customers[0], "assigned_agent_id": agent},
                      {"customer_id": customers[1]}, {"customer_id": unknown}]}
    first = api.post(f"/campaigns/{target_campaign}/targets:bulk", json=body)
    assert first.status_code == 200
    result = first.json()
    assert {e["customer_id"] for e in result["enrolled"]} == set(customers[:2])
    assert result["not_found"] == [unknown]
    again = api.post(f"/campaigns/{target_campaign}/targets:bulk", json={"items": [{"customer_id": customers[0]}]})
    assert again.json()["already_enrolled"] == [customers[0]]
    listed = api.get(f"/campaigns/{target_campaign}/targets").json()["data"]
    assert {t["customer_id"]: t.get("assigned_agent_id") for t in listed} == {customers[0]: agent,
                                                                               customers[1]: None}
    invalid = api.post(f"/campaigns/{target_campaign}/targets:bulk", json={"items": [{"customer_id": "x"}]})
    assert invalid.status_code == 422
    assert invalid.json()["detail"][0]["loc"] == ["body", "items", 0, "customer_id"]


def test_bulk_enroll_cannot_reach_another_tenants_customers(sandbox: SandboxHandle, api: httpx.Client) -> None:
    foreign = sandbox.new_campaign(1, tenant="other")
    with sandbox.client("other-tenant-key") as other:
        foreign_customer = first_target(other, foreign)["customer_id"]
    mine = sandbox.new_campaign(0)
    result = api.post(f"/campaigns/{mine}/targets:bulk", json={"items": [{"customer_id": foreign_customer}]})
    assert result.json()["not_found"] == [foreign_customer]


def test_create_customer_dedupes_by_email_and_normalised_phone(sandbox: SandboxHandle, api: httpx.Client) -> None:
    campaign = sandbox.new_campaign(0)
    path = f"/campaigns/{campaign}/targets:create-customer"
    created = api.post(path, json={"customer_id": "EXT-1", "name": "Ada", "email": "ada@example.com",
                                   "phone": "+39 333 123 4567"})
    assert created.status_code == 200
    assert created.json() == {"created": True, "skipped": False}
    by_email = api.post(path, json={"customer_id": "EXT-2", "email": "ADA@example.com"}).json()
    assert by_email["created"] is False and by_email["skipped"] is True and "email" in by_email["reason"]
    by_phone = api.post(path, json={"customer_id": "EXT-3", "phone": "0039 333-1234567"}).json()
    assert by_phone["skipped"] is True and "phone" in by_phone["reason"]
    listed = api.get(f"/campaigns/{campaign}/targets").json()
    assert listed["meta"]["total"] == 1
    assert listed["data"][0]["customer"]["customer_id"] == "EXT-1"
    assert listed["data"][0]["customer"]["name"] == "Ada"


def test_create_customer_requires_email_or_phone_and_validates(sandbox: SandboxHandle, api: httpx.Client) -> None:
    campaign = sandbox.new_campaign(0)
    path = f"/campaigns/{campaign}/targets:create-customer"
    neither = api.post(path, json={"customer_id": "EXT-9", "name": "Nobody"})
    assert neither.status_code == 400
    assert neither.json() == {"detail": "At least one of email or phone is required"}
    missing = api.post(path, json={"email": "a@example.com"})
    assert missing.status_code == 422 and missing.json()["detail"][0]["loc"] == ["body", "customer_id"]
    bad_email = api.post(path, json={"customer_id": "E", "email": "not-an-email"})
    assert bad_email.status_code == 422 and bad_email.json()["detail"][0]["loc"] == ["body", "email"]
    not_object = api.post(path, json=["customer_id"])
    assert not_object.status_code == 422 and not_object.json()["detail"][0]["loc"] == ["body"]
    assert api.get(f"/campaigns/{campaign}/targets").json()["meta"]["total"] == 0
