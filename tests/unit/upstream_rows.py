"""Upstream target rows for differential tests: a typical one, and rows with every oddity the decoder tolerates."""

from __future__ import annotations

from typing import Any

CAMPAIGN = "c0ffee00-0000-4000-8000-000000000001"

TYPICAL: dict[str, Any] = {
    "id": "54b04d90-994d-4f80-8800-7ea23e70795a", "campaign_id": CAMPAIGN,
    "customer_id": "170bb60d-4add-42d5-8f09-1be6d0c5811b", "assigned_agent_id": "00000000-0000-0000-0000-000000000001",
    "stage": "converted", "calls_made": 3, "whatsapp_sent": 1, "email_sent": 0, "ai_label": "positive",
    "ai_score": 0.91, "ai_reason": "Clear interest.", "goal_analysis": {"intent": "upgrade", "objections": [],
                                                                         "nested": {"n": 1, "none": None}},
    "analysis_source": "elevenlabs", "analysis_updated_at": "2026-11-23T12:40:24.831511+00:00",
    "call_successful": "success", "call_summary_title": "Upgrade", "transcript_summary": "Agreed to a visit.",
    "agent_goal_result": "achieved", "agent_goal_rationale": "Agreed.", "customer_sentiment": "positive",
    "customer_sentiment_rationale": "Friendly.", "follow_up_required": False, "follow_up_required_rationale": "No.",
    "escalation_required": True, "escalation_required_rationale": "Asked for a manager.",
    "campaign_goal_result": "achieved", "campaign_goal_score": 0.9, "campaign_goal_rationale": "Visit booked.",
    "campaign_sentiment": "positive", "campaign_sentiment_rationale": "Positive.", "callback_requested": False,
    "callback_requested_rationale": "Not asked.", "campaign_next_best_action": "confirm_and_close",
    "campaign_analysis_updated_at": "2026-11-23T12:40:24+00:00", "last_contacted_at": "2026-11-22T08:00:00.5+02:00",
    "last_email_at": None, "last_conv_id": "conv_0123456789ab", "created_at": "2026-11-01T00:00:00+00:00",
    "updated_at": "2026-11-23T12:40:24.831511+00:00",
    "customer": {"id": "170bb60d-4add-42d5-8f09-1be6d0c5811b", "customer_id": "B0-0", "name": "Name0",
                 "surname": "Surname0", "email": "b@example.com", "phone": "+39 333 0000000", "status": "active",
                 "agent_id": "00000000-0000-0000-0000-000000000002", "created_at": "2026-10-01T09:30:00Z",
                 "updated_at": None},
}

# Each row is valid (its required fields parse) but spells values the way a careless upstream might.
ODD: list[dict[str, Any]] = [
    {**TYPICAL, "id": "54B04D90-994D-4F80-8800-7EA23E70795A", "customer_id": "170bb60d4add42d58f091be6d0c5811b",
     "assigned_agent_id": "not-a-uuid", "created_at": "2026-11-01T00:00:00Z", "updated_at": "2026-11-01T00:00:00",
     "last_contacted_at": "yesterday", "analysis_updated_at": "2026-11-23T12:40:24.000000+00:00",
     "campaign_analysis_updated_at": "2026-11-23T12:40:24-00:00", "customer": None},
    {**TYPICAL, "ai_label": "weird", "ai_score": 1, "campaign_goal_score": True, "follow_up_required": "yes",
     "escalation_required": 0, "callback_requested": None, "calls_made": "3", "whatsapp_sent": True,
     "email_sent": 7, "ai_reason": 42, "call_summary_title": ["a"], "goal_analysis": ["not", "an", "object"],
     "customer": {"id": 7, "customer_id": 123, "agent_id": "", "created_at": 5}},
    {**TYPICAL, "ai_label": None, "ai_score": "0.5", "stage": 5,
     "last_conv_id": None, "goal_analysis": None, "customer": {"id": "170BB60D-4ADD-42D5-8F09-1BE6D0C5811B"}},
    {**TYPICAL, "email_sent": 2**40}, {**TYPICAL, "calls_made": -(2**31) - 1},
    {key: value for key, value in TYPICAL.items()
     if key in ("id", "campaign_id", "customer_id", "stage", "created_at", "updated_at")},
    {**TYPICAL, "id": "{54B04D90-994D-4F80-8800-7EA23E70795A}", "campaign_id": "urn:uuid:" + CAMPAIGN,
     "customer": {**TYPICAL["customer"], "id": "urn:uuid:170BB60D-4ADD-42D5-8F09-1BE6D0C5811B"}},
]
