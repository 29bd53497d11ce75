"""Plain domain models of campaign targets, their customers and analysis; no transport knows them by heart."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any
from uuid import UUID


class AiLabel(Enum):
    """The upstream's ``ai_label`` values."""

    POSITIVE = "positive"
    NEGATIVE = "negative"
    NEUTRAL = "neutral"
    UNKNOWN = "unknown"


class ActionRequired(Enum):
    """The upstream's ``action_required`` quick filters."""

    FOLLOW_UP = "follow_up"
    CALLBACK = "callback"
    ESCALATION = "escalation"
    MISSED_GOAL = "missed_goal"
    NEGATIVE_SENTIMENT = "negative_sentiment"


class DeletedFilter(Enum):
    """Whether soft-deleted targets are left out, included, or the only ones listed."""

    EXCLUDE = "exclude"
    INCLUDE = "include"
    ONLY = "only"


class TargetSortField(Enum):
    """Target columns the upstream sorts by (its ``sort_field`` values)."""

    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"
    STAGE = "stage"
    LAST_CONTACTED_AT = "last_contacted_at"
    LAST_EMAIL_AT = "last_email_at"
    AI_LABEL = "ai_label"
    AI_SCORE = "ai_score"
    CAMPAIGN_GOAL_SCORE = "campaign_goal_score"
    CAMPAIGN_GOAL_RESULT = "campaign_goal_result"
    CALLS_MADE = "calls_made"
    WHATSAPP_SENT = "whatsapp_sent"
    EMAIL_SENT = "email_sent"


class SortDirection(Enum):
    ASC = "asc"
    DESC = "desc"


@dataclass(frozen=True)
class Customer:
    id: UUID
    external_id: str | None
    name: str | None
    surname: str | None
    email: str | None
    phone: str | None
    status: str | None
    agent_id: UUID | None
    created_at: datetime | None
    updated_at: datetime | None


@dataclass(frozen=True)
class AiAnalysis:
    label: AiLabel
    score: float | None
    reason: str | None
    goal_analysis: dict[str, Any] | None
    source: str | None
    updated_at: datetime | None


@dataclass(frozen=True)
class CallAnalysis:
    successful: str | None
    summary_title: str | None
    transcript_summary: str | None
    agent_goal_result: str | None
    agent_goal_rationale: str | None
    customer_sentiment: str | None
    customer_sentiment_rationale: str | None
    follow_up_required: bool | None
    follow_up_required_rationale: str | None
    escalation_required: bool | None
    escalation_required_rationale: str | None


@dataclass(frozen=True)
class CampaignAnalysis:
    goal_result: str | None
    goal_score: float | None
    goal_rationale: str | None
    sentiment: str | None
    sentiment_rationale: str | None
    callback_requested: bool | None
    callback_requested_rationale: str | None
    next_best_action: str | None
    updated_at: datetime | None


@dataclass(frozen=True)
class Target:
    id: UUID
    campaign_id: UUID
    customer_id: UUID
    assigned_agent_id: UUID | None
    stage: str
    calls_made: int
    whatsapp_sent: int
    email_sent: int
    last_contacted_at: datetime | None
    last_email_at: datetime | None
    last_conversation_id: str | None
    created_at: datetime
    updated_at: datetime
    customer: Customer
    ai_analysis: AiAnalysis
    call_analysis: CallAnalysis
    campaign_analysis: CampaignAnalysis


@dataclass(frozen=True)
class TargetFilter:
    stage: str | None = None
    ai_label: AiLabel | None = None
    action_required: ActionRequired | None = None
    assigned_agent_id: UUID | None = None
    search: str | None = None
    date_from: datetime | None = None
    date_to: datetime | None = None
    deleted: DeletedFilter = DeletedFilter.EXCLUDE


@dataclass(frozen=True)
class TargetOrder:
    field: TargetSortField = TargetSortField.CREATED_AT
    direction: SortDirection = SortDirection.DESC


@dataclass(frozen=True)
class ListQuery:
    """One upstream list request; hashable, so identical requests in one operation share one call."""

    campaign_id: UUID
    filter: TargetFilter = TargetFilter()
    order: TargetOrder = TargetOrder()
    limit: int = 10
    offset: int = 0
    include_aggregations: bool = False


@dataclass(frozen=True)
class QuickFilterCount:
    name: str
    count: int


@dataclass(frozen=True)
class Aggregations:
    quick_filters: list[QuickFilterCount]
    extra: dict[str, Any] | None


@dataclass(frozen=True)
class TargetPage:
    targets: list[Target]
    total: int
    aggregations: Aggregations | None = None


@dataclass(frozen=True)
class EnrollItem:
    customer_id: UUID
    assigned_agent_id: UUID | None = None


@dataclass(frozen=True)
class NewCustomer:
    external_id: str
    name: str | None = None
    surname: str | None = None
    email: str | None = None
    phone: str | None = None
    status: str | None = None
    customer_agent_id: UUID | None = None
    assigned_agent_id: UUID | None = None


@dataclass(frozen=True)
class EnrollResult:
    requested: int
    result: Any


@dataclass(frozen=True)
class EnrollCustomerResult:
    created: bool
    skipped: bool
    reason: str | None


@dataclass(frozen=True)
class ImportRowError:
    row: int
    field: str | None
    message: str


@dataclass(frozen=True)
class ImportResult:
    total: int
    created: int
    updated: int
    skipped: int
    targets_created: int
    targets_skipped: int
    errors: list[ImportRowError] = field(default_factory=list)
    target: Target | None = None


@dataclass(frozen=True)
class DeleteResult:
    target_id: UUID
    purged: bool
