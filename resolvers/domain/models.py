"""Domain models of campaign targets, their customers and analysis; targets are lazy views over upstream rows."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any
from uuid import UUID

from resolvers.domain.kinds import (
    BOOL,
    COUNT,
    DATETIME,
    FLOAT,
    JSON_OBJECT,
    REQUIRED_DATETIME,
    REQUIRED_TEXT,
    REQUIRED_UUID,
    TEXT,
    UUID_KIND,
    Kind,
    canonical_uuid,
)
from resolvers.domain.rows import Field, RowView, derived


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


def parse_label(value: Any) -> AiLabel:
    """The label the upstream sent, UNKNOWN for anything else (a dict lookup: it runs for every target)."""
    try:
        return _LABELS.get(value, AiLabel.UNKNOWN)
    except TypeError:  # an unhashable value
        return AiLabel.UNKNOWN


_LABELS: dict[Any, AiLabel] = {**{label.value: label for label in AiLabel}, **{label: label for label in AiLabel}}


# Its protobuf form is the enum value's name, which the protobuf enum AiLabel spells with the AI_LABEL_ prefix.
AI_LABEL: Kind[AiLabel] = Kind("ai_label", parse_label, "AiLabel", to_protobuf=lambda label: "AI_LABEL_" + label.name)


class Customer(RowView):
    """The upstream's ``CustomerOut`` nested in a target row; without a valid ``id`` of its own, the customer
    takes the target's ``customer_id``."""

    id = Field("id", REQUIRED_UUID)
    external_id = Field("customer_id", TEXT)
    name = Field("name", TEXT)
    surname = Field("surname", TEXT)
    email = Field("email", TEXT)
    phone = Field("phone", TEXT)
    status = Field("status", TEXT)
    agent_id = Field("agent_id", UUID_KIND)
    created_at = Field("created_at", DATETIME)
    updated_at = Field("updated_at", DATETIME)


class AiAnalysis(RowView):
    """The AI label and its reasoning, read from the target row."""

    label = Field("ai_label", AI_LABEL)
    score = Field("ai_score", FLOAT)
    reason = Field("ai_reason", TEXT)
    goal_analysis = Field("goal_analysis", JSON_OBJECT)
    source = Field("analysis_source", TEXT)
    updated_at = Field("analysis_updated_at", DATETIME)


class CallAnalysis(RowView):
    """The last call's analysis, read from the target row."""

    successful = Field("call_successful", TEXT)
    summary_title = Field("call_summary_title", TEXT)
    transcript_summary = Field("transcript_summary", TEXT)
    agent_goal_result = Field("agent_goal_result", TEXT)
    agent_goal_rationale = Field("agent_goal_rationale", TEXT)
    customer_sentiment = Field("customer_sentiment", TEXT)
    customer_sentiment_rationale = Field("customer_sentiment_rationale", TEXT)
    follow_up_required = Field("follow_up_required", BOOL)
    follow_up_required_rationale = Field("follow_up_required_rationale", TEXT)
    escalation_required = Field("escalation_required", BOOL)
    escalation_required_rationale = Field("escalation_required_rationale", TEXT)


class CampaignAnalysis(RowView):
    """The analysis against the campaign goal, read from the target row."""

    goal_result = Field("campaign_goal_result", TEXT)
    goal_score = Field("campaign_goal_score", FLOAT)
    goal_rationale = Field("campaign_goal_rationale", TEXT)
    sentiment = Field("campaign_sentiment", TEXT)
    sentiment_rationale = Field("campaign_sentiment_rationale", TEXT)
    callback_requested = Field("callback_requested", BOOL)
    callback_requested_rationale = Field("callback_requested_rationale", TEXT)
    next_best_action = Field("campaign_next_best_action", TEXT)
    updated_at = Field("campaign_analysis_updated_at", DATETIME)


class Target(RowView):
    """The upstream's ``CampaignTargetWithCustomerOut``. Built only from rows whose required fields were checked
    (resolvers/upstream/decode.py), so the required ones below are never None."""

    id = Field("id", REQUIRED_UUID)
    campaign_id = Field("campaign_id", REQUIRED_UUID)
    customer_id = Field("customer_id", REQUIRED_UUID)
    assigned_agent_id = Field("assigned_agent_id", UUID_KIND)
    stage = Field("stage", REQUIRED_TEXT)
    calls_made = Field("calls_made", COUNT)
    whatsapp_sent = Field("whatsapp_sent", COUNT)
    email_sent = Field("email_sent", COUNT)
    last_contacted_at = Field("last_contacted_at", DATETIME)
    last_email_at = Field("last_email_at", DATETIME)
    last_conversation_id = Field("last_conv_id", TEXT)
    created_at = Field("created_at", REQUIRED_DATETIME)
    updated_at = Field("updated_at", REQUIRED_DATETIME)

    @derived
    def customer(self) -> Customer:
        nested = self.row.get("customer")
        row: Mapping[str, Any] = nested if isinstance(nested, Mapping) else {}
        if canonical_uuid(row.get("id")) is None:
            row = {**row, "id": self.row["customer_id"]}
        return Customer(row)

    @derived
    def ai_analysis(self) -> AiAnalysis:
        return AiAnalysis(self.row)

    @derived
    def call_analysis(self) -> CallAnalysis:
        return CallAnalysis(self.row)

    @derived
    def campaign_analysis(self) -> CampaignAnalysis:
        return CampaignAnalysis(self.row)


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
