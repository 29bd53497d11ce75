"""The sandbox's list endpoint over real HTTP: filters, ordering, paging, aggregations and the echo."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from sandbox import DEMO_CAMPAIGN_ID
from sandbox.store import ACTION_REQUIRED, CustomerFields
from tests.support.servers import SandboxHandle

DEMO = f"/campaigns/{DEMO_CAMPAIGN_ID}/targets"


def all_targets(api: httpx.Client, path: str = DEMO, **params: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    while True:
        page = api.get(path, params={**params, "limit": 200, "offset": len(rows)}).json()
        rows.extend(page["data"])
        if len(rows) >= page["meta"]["total"]:
            return rows


def test_default_page_is_ten_newest_with_meta_and_echo(api: httpx.Client) -> None:
    response = api.get(DEMO)
    assert response.status_code == 200
    body = response.json()
    assert len(body["data"]) == 10
    assert body["meta"] == {"total": 300, "limit": 10, "offset": 0,
                            "sort": {"field": "created_at", "direction": "desc"}}
    assert body["query"]["sort"] == {"field": "created_at", "direction": "desc"}
    assert "aggregations" not in body
    created = [t["created_at"] for t in body["data"]]
    assert created == sorted(created, reverse=True)
    first = body["data"][0]
    assert first["campaign_id"] == DEMO_CAMPAIGN_ID
    assert first["customer"]["id"] == first["customer_id"]
    assert None not in first.values()


@pytest.mark.parametrize("field", ["stage", "ai_label"])
def test_equality_filters(api: httpx.Client, field: str) -> None:
    every = all_targets(api)
    value = every[0][field]
    filtered = all_targets(api, **{field: value})
    assert filtered and all(t[field] == value for t in filtered)
    assert len(filtered) == sum(1 for t in every if t[field] == value)
    echo = api.get(DEMO, params={field: value}).json()["query"]["filters"]
    assert echo[field] == value


def test_assigned_agent_filter(api: httpx.Client) -> None:
    every = all_targets(api)
    agent = every[0]["assigned_agent_id"]
    filtered = all_targets(api, assigned_agent_id=agent)
    assert {t["id"] for t in filtered} == {t["id"] for t in every if t.get("assigned_agent_id") == agent}


ACTION_CHECKS = {
    "follow_up": lambda t: t.get("follow_up_required") is True,
    "callback": lambda t: t.get("callback_requested") is True,
    "escalation": lambda t: t.get("escalation_required") is True,
    "missed_goal": lambda t: t.get("campaign_goal_result") == "not_achieved",
    "negative_sentiment": lambda t: "negative" in (t.get("campaign_sentiment"), t.get("customer_sentiment")),
}


@pytest.mark.parametrize("action", list(ACTION_REQUIRED))
def test_action_required_filters_and_quick_filter_counts(api: httpx.Client, action: str) -> None:
    every = all_targets(api)
    expected = {t["id"] for t in every if ACTION_CHECKS[action](t)}
    assert expected, f"demo data has no {action} targets"
    assert {t["id"] for t in all_targets(api, action_required=action)} == expected
    aggregations = api.get(DEMO, params={"include_aggregations": "true", "limit": 1}).json()["aggregations"]
    assert aggregations["quick_filters"][action] == len(expected)


def test_aggregations_count_under_the_other_filters(api: httpx.Client) -> None:
    every = all_targets(api, ai_label="positive")
    body = api.get(DEMO, params={"include_aggregations": "true", "ai_label": "positive"}).json()
    stages: dict[str, int] = {}
    for target in every:
        stages[target["stage"]] = stages.get(target["stage"], 0) + 1
    assert body["aggregations"]["extra"]["stages"] == stages
    assert body["aggregations"]["quick_filters"] == {
        action: sum(1 for t in every if check(t)) for action, check in ACTION_CHECKS.items()}
    assert body["meta"]["total"] == len(every)


@pytest.mark.parametrize("probe", ["name", "surname", "email", "phone", "customer_id"])
def test_q_searches_customer_fields_case_insensitively(api: httpx.Client, probe: str) -> None:
    target = api.get(DEMO, params={"limit": 1, "offset": 17}).json()["data"][0]
    needle = target["customer"][probe][2:9].upper() if probe != "phone" else target["customer"]["phone"][-6:]
    found = all_targets(api, q=needle)
    assert target["id"] in {t["id"] for t in found}
    assert all(any(needle.lower() in str(t["customer"].get(f, "")).lower()
                   for f in ("name", "surname", "email", "phone", "customer_id")) for t in found)
    assert api.get(DEMO, params={"q": needle}).json()["query"]["q"] == needle


def test_q_treats_like_wildcards_literally(api: httpx.Client) -> None:
    assert api.get(DEMO, params={"q": "%"}).json()["meta"]["total"] == 0
    assert api.get(DEMO, params={"q": "_"}).json()["meta"]["total"] == 0


def test_date_range_on_created_at(api: httpx.Client) -> None:
    every = all_targets(api)
    stamps = sorted(t["created_at"] for t in every)
    low, high = stamps[50], stamps[200]
    inside = all_targets(api, date_from=low, date_to=high)
    assert len(inside) == 151
    assert all(low <= t["created_at"] <= high for t in inside)
    echo = api.get(DEMO, params={"date_from": low, "date_to": high}).json()["query"]
    assert datetime.fromisoformat(echo["date_from"]) == datetime.fromisoformat(low)


def test_bare_date_to_includes_the_whole_day(sandbox: SandboxHandle, api: httpx.Client) -> None:
    campaign = sandbox.new_campaign(3)
    path = f"/campaigns/{campaign}/targets"
    today = datetime.now(UTC).date()
    assert api.get(path, params={"date_to": today.isoformat()}).json()["meta"]["total"] == 3
    yesterday = (today - timedelta(days=1)).isoformat()
    assert api.get(path, params={"date_to": yesterday}).json()["meta"]["total"] == 0
    assert api.get(path, params={"date_from": today.isoformat()}).json()["meta"]["total"] == 3


@pytest.mark.parametrize("field", ["created_at", "stage", "calls_made", "ai_score", "last_contacted_at"])
@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_sorting_with_id_tie_break(api: httpx.Client, field: str, direction: str) -> None:
    rows = all_targets(api, sort_field=field, sort_dir=direction)
    # SQLite order: NULL is lowest. Sort key mirrors that, then the id tie-break in the same direction.
    keys = [((t.get(field) is not None), t.get(field) if t.get(field) is not None else 0, t["id"]) for t in rows]
    assert keys == sorted(keys, reverse=direction == "desc")
    meta = api.get(DEMO, params={"sort_field": field, "sort_dir": direction}).json()["meta"]
    assert meta["sort"] == {"field": field, "direction": direction}


def test_offset_pages_never_overlap_even_with_equal_sort_keys(sandbox: SandboxHandle, api: httpx.Client) -> None:
    campaign = sandbox.new_campaign(0)
    with sandbox.store.transaction() as db:
        for n in range(23):
            customer = sandbox.store.insert_customer(
                db, "demo", CustomerFields(customer_id=f"TIE-{n}", email=f"tie{n}@example.com")
            )
            sandbox.store.insert_target(db, campaign, customer, None, created_at="2026-01-01T00:00:00.000000+00:00")
    seen: list[str] = []
    for offset in range(0, 23, 5):
        page = api.get(f"/campaigns/{campaign}/targets", params={"limit": 5, "offset": offset}).json()
        seen.extend(t["id"] for t in page["data"])
    assert len(seen) == 23 and len(set(seen)) == 23


def test_unknown_sort_field_is_422(api: httpx.Client) -> None:
    response = api.get(DEMO, params={"sort_field": "customer; DROP TABLE x"})
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["query", "sort_field"]


def test_limit_and_offset_bounds(api: httpx.Client) -> None:
    assert len(api.get(DEMO, params={"limit": 200}).json()["data"]) == 200
    assert len(api.get(DEMO, params={"offset": 299}).json()["data"]) == 1
    assert api.get(DEMO, params={"offset": 1000}).json()["data"] == []
    for params, loc in [({"limit": 0}, "limit"), ({"limit": 201}, "limit"), ({"offset": -1}, "offset"),
                        ({"limit": "ten"}, "limit")]:
        response = api.get(DEMO, params=params)
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["query", loc]
