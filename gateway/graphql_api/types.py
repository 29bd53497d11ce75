"""GraphQL object, input and enum types. Object types mirror the domain dataclasses and resolve straight off them."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar, cast
from uuid import UUID

import strawberry
from strawberry.scalars import JSON

from resolvers.domain import models

T = TypeVar("T")


def view(graphql_type: type[T], value: object) -> T:
    """Serve a domain object as the root of the GraphQL type mirroring it.

    Object types here declare the same attribute names as their domain dataclasses, so the default
    resolvers read the domain object directly and nothing is copied per field. A unit test checks
    that every GraphQL field has its attribute on the domain class.
    """
    return cast(T, value)


strawberry.enum(models.AiLabel, name="AiLabel", description="The AI's overall label for a target.")
strawberry.enum(
    models.ActionRequired, name="ActionRequired",
    description="Quick filters for targets needing attention: follow-up, callback, escalation, a missed goal, "
                "or negative sentiment.",
)
strawberry.enum(models.DeletedFilter, name="DeletedFilter",
                                description="Whether soft-deleted targets are excluded, included, or the only ones.")
strawberry.enum(models.TargetSortField, name="TargetSortField",
                                  description="Target fields a list can be ordered by.")
strawberry.enum(models.SortDirection, name="SortDirection", description="Ascending or descending.")


@strawberry.type(description="A customer of the tenant, as enrolled in campaigns.")
class Customer:
    id: UUID = strawberry.field(description="The customer's Umanize id.")
    external_id: str | None = strawberry.field(description="The customer's id in the tenant's own systems "
                                                           "(REST `customer_id`).")
    name: str | None = strawberry.field(description="First name.")
    surname: str | None = strawberry.field(description="Last name.")
    email: str | None = strawberry.field(description="Email address.")
    phone: str | None = strawberry.field(description="Phone number as entered.")
    status: str | None = strawberry.field(description="The customer's status in the CRM.")
    agent_id: UUID | None = strawberry.field(description="The agent owning the customer.")
    created_at: datetime | None = strawberry.field(description="When the customer was created.")
    updated_at: datetime | None = strawberry.field(description="When the customer last changed.")


@strawberry.type(description="The AI's analysis of the target's interactions.")
class AiAnalysis:
    label: models.AiLabel = strawberry.field(description="Overall label; UNKNOWN when not analysed.")
    score: float | None = strawberry.field(description="Confidence score of the label.")
    reason: str | None = strawberry.field(description="Why the AI chose the label.")
    goal_analysis: JSON | None = strawberry.field(description="Free-form goal analysis as the upstream stores it.")
    source: str | None = strawberry.field(description="What produced the analysis.")
    updated_at: datetime | None = strawberry.field(description="When the analysis was last updated.")


@strawberry.type(description="Analysis of the last call with the target.")
class CallAnalysis:
    successful: str | None = strawberry.field(description="Whether the call succeeded, as the upstream reports it.")
    summary_title: str | None = strawberry.field(description="A short title for the call.")
    transcript_summary: str | None = strawberry.field(description="Summary of the call transcript.")
    agent_goal_result: str | None = strawberry.field(description="Whether the agent reached its goal.")
    agent_goal_rationale: str | None = strawberry.field(description="Why the agent goal result was given.")
    customer_sentiment: str | None = strawberry.field(description="The customer's sentiment on the call.")
    customer_sentiment_rationale: str | None = strawberry.field(description="Why that sentiment.")
    follow_up_required: bool | None = strawberry.field(description="Whether a follow-up is needed.")
    follow_up_required_rationale: str | None = strawberry.field(description="Why a follow-up is or is not needed.")
    escalation_required: bool | None = strawberry.field(description="Whether the case must be escalated.")
    escalation_required_rationale: str | None = strawberry.field(description="Why escalation is or is not needed.")


@strawberry.type(description="Analysis of the target against the campaign goal (written by verifyGoal).")
class CampaignAnalysis:
    goal_result: str | None = strawberry.field(
        description="achieved, partially_achieved, not_achieved or unknown.")
    goal_score: float | None = strawberry.field(description="How far the goal was reached, 0 to 1.")
    goal_rationale: str | None = strawberry.field(description="Why the result was given.")
    sentiment: str | None = strawberry.field(description="The customer's sentiment towards the campaign.")
    sentiment_rationale: str | None = strawberry.field(description="Why that sentiment.")
    callback_requested: bool | None = strawberry.field(description="Whether the customer asked to be called back.")
    callback_requested_rationale: str | None = strawberry.field(description="Why a callback is or is not requested.")
    next_best_action: str | None = strawberry.field(description="What to do next with this target.")
    updated_at: datetime | None = strawberry.field(description="When the campaign analysis was last updated.")


@strawberry.type(description="A customer enrolled in a campaign, with its progress and analysis.")
class Target:
    id: UUID = strawberry.field(description="The target's id.")
    campaign_id: UUID = strawberry.field(description="The campaign the target belongs to.")
    customer_id: UUID = strawberry.field(description="The enrolled customer's Umanize id.")
    assigned_agent_id: UUID | None = strawberry.field(description="The agent assigned to this target.")
    stage: str = strawberry.field(description="The target's stage in the campaign funnel.")
    calls_made: int = strawberry.field(description="Calls made to the target.")
    whatsapp_sent: int = strawberry.field(description="WhatsApp messages sent.")
    email_sent: int = strawberry.field(description="Emails sent.")
    last_contacted_at: datetime | None = strawberry.field(description="When the target was last contacted.")
    last_email_at: datetime | None = strawberry.field(description="When the last email was sent.")
    last_conversation_id: str | None = strawberry.field(description="Id of the last conversation "
                                                                    "(REST `last_conv_id`).")
    created_at: datetime = strawberry.field(description="When the target was enrolled.")
    updated_at: datetime = strawberry.field(description="When the target last changed.")
    customer: Customer = strawberry.field(description="The enrolled customer.")
    ai_analysis: AiAnalysis = strawberry.field(description="The AI's analysis.")
    call_analysis: CallAnalysis = strawberry.field(description="Analysis of the last call.")
    campaign_analysis: CampaignAnalysis = strawberry.field(description="Analysis against the campaign goal.")


@strawberry.type(description="A target and its cursor.")
class TargetEdge:
    cursor: str = strawberry.field(description="Opaque cursor of this target, for `after`.")
    node: Target = strawberry.field(description="The target.")


@strawberry.type(description="Relay page information.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="Whether more targets follow this page.")
    has_previous_page: bool = strawberry.field(description="Whether targets precede this page.")
    start_cursor: str | None = strawberry.field(description="Cursor of the first target of the page.")
    end_cursor: str | None = strawberry.field(description="Cursor of the last target of the page.")


@strawberry.type(description="How many targets match one quick filter.")
class QuickFilterCount:
    name: str = strawberry.field(description="The quick filter (an action_required value, e.g. follow_up).")
    count: int = strawberry.field(description="Matching targets, under the list's other filters.")


@strawberry.type(description="Counts over the whole filtered list, not just the page.")
class TargetAggregations:
    quick_filters: list[QuickFilterCount] = strawberry.field(description="Counts per quick filter.")
    extra: JSON | None = strawberry.field(description="Further counts as the upstream reports them "
                                                      "(the sandbox: targets per stage).")


@strawberry.type(description="A page of targets.")
class TargetConnection:
    total_count: int = strawberry.field(description="Targets matching the filter, over all pages.")
    edges: list[TargetEdge] = strawberry.field(description="The page's targets with cursors.")
    nodes: list[Target] = strawberry.field(description="The page's targets.")
    page_info: PageInfo = strawberry.field(description="Where this page is.")
    aggregations: TargetAggregations | None = strawberry.field(
        description="Quick-filter and stage counts; requested upstream only when selected.")


@strawberry.input(name="TargetFilter", description="Filters for a campaign's targets; all given filters must match.")
class TargetFilterInput:
    stage: str | None = strawberry.field(default=None, description="Exact stage.")
    ai_label: models.AiLabel | None = strawberry.field(default=None, description="AI label.")
    action_required: models.ActionRequired | None = strawberry.field(default=None, description="A quick filter.")
    assigned_agent_id: UUID | None = strawberry.field(default=None, description="Assigned agent.")
    search: str | None = strawberry.field(
        default=None, description="Text in the customer's name, surname, email, phone or external id.")
    date_from: datetime | None = strawberry.field(default=None, description="Enrolled at or after.")
    date_to: datetime | None = strawberry.field(default=None, description="Enrolled at or before.")
    deleted: models.DeletedFilter = strawberry.field(default=models.DeletedFilter.EXCLUDE,
                                              description="Soft-deleted targets: EXCLUDE, INCLUDE or ONLY.")

    def to_domain(self) -> models.TargetFilter:
        return models.TargetFilter(
            stage=self.stage, ai_label=self.ai_label, action_required=self.action_required,
            assigned_agent_id=self.assigned_agent_id, search=self.search, date_from=self.date_from,
            date_to=self.date_to, deleted=self.deleted,
        )


@strawberry.input(name="TargetSort", description="Ordering of a target list; ties are broken by id.")
class TargetSortInput:
    field: models.TargetSortField = strawberry.field(description="The field to order by.")
    direction: models.SortDirection = strawberry.field(default=models.SortDirection.DESC, description="The direction.")

    def to_domain(self) -> models.TargetOrder:
        return models.TargetOrder(self.field, self.direction)


@strawberry.input(description="An existing customer to enroll.")
class EnrollTargetInput:
    customer_id: UUID = strawberry.field(description="The customer's Umanize id.")
    assigned_agent_id: UUID | None = strawberry.field(default=None, description="Agent to assign.")


@strawberry.input(description="A customer to create and enroll; email or phone is required to detect duplicates.")
class CreateCustomerInput:
    external_id: str = strawberry.field(description="The customer's id in the tenant's systems (REST `customer_id`).")
    name: str | None = strawberry.field(default=None, description="First name.")
    surname: str | None = strawberry.field(default=None, description="Last name.")
    email: str | None = strawberry.field(default=None, description="Email address.")
    phone: str | None = strawberry.field(default=None, description="Phone number.")
    status: str | None = strawberry.field(default=None, description="CRM status.")
    customer_agent_id: UUID | None = strawberry.field(default=None, description="Agent owning the customer.")
    assigned_agent_id: UUID | None = strawberry.field(default=None, description="Agent assigned to the target.")

    def to_domain(self) -> models.NewCustomer:
        return models.NewCustomer(
            external_id=self.external_id, name=self.name, surname=self.surname, email=self.email,
            phone=self.phone, status=self.status, customer_agent_id=self.customer_agent_id,
            assigned_agent_id=self.assigned_agent_id,
        )


@strawberry.type(description="Result of deleteTarget.")
class DeleteTargetPayload:
    target_id: UUID = strawberry.field(description="The deleted target.")
    purged: bool = strawberry.field(description="True when removed for good; false when soft-deleted.")


@strawberry.type(description="Result of enrollTargets.")
class EnrollTargetsPayload:
    requested: int = strawberry.field(description="How many customers were sent.")
    result: JSON | None = strawberry.field(description="The upstream's answer as it came (its shape is not fixed).")


@strawberry.type(description="Result of createCustomerAndEnroll.")
class EnrollCustomerPayload:
    created: bool = strawberry.field(description="Whether a customer and target were created.")
    skipped: bool = strawberry.field(description="Whether it was skipped as a duplicate.")
    reason: str | None = strawberry.field(description="Why it was skipped.")


@strawberry.type(description="A row of an import file that could not be imported.")
class ImportRowError:
    row: int = strawberry.field(description="Row number as a spreadsheet shows it (the header is row 1).")
    field: str | None = strawberry.field(description="The column at fault.")
    message: str = strawberry.field(description="What is wrong.")


@strawberry.type(description="Result of importTargets.")
class ImportTargetsPayload:
    total: int = strawberry.field(description="Data rows read.")
    created: int = strawberry.field(description="Customers created.")
    updated: int = strawberry.field(description="Existing customers updated.")
    skipped: int = strawberry.field(description="Rows skipped (errors, or enrolled in other campaigns).")
    targets_created: int = strawberry.field(description="Targets created in this campaign.")
    targets_skipped: int = strawberry.field(description="Customers already enrolled in this campaign.")
    errors: list[ImportRowError] = strawberry.field(description="Rows that failed, with reasons.")
    target: Target | None = strawberry.field(description="The created target, when the import created exactly one.")


# GraphQL object type -> the domain class it mirrors; the mirror test walks this table.
MIRRORS: dict[type[Any], type[Any]] = {
    Customer: models.Customer, AiAnalysis: models.AiAnalysis, CallAnalysis: models.CallAnalysis,
    CampaignAnalysis: models.CampaignAnalysis, Target: models.Target, QuickFilterCount: models.QuickFilterCount,
    TargetAggregations: models.Aggregations, DeleteTargetPayload: models.DeleteResult,
    EnrollTargetsPayload: models.EnrollResult, EnrollCustomerPayload: models.EnrollCustomerResult,
    ImportRowError: models.ImportRowError, ImportTargetsPayload: models.ImportResult,
}
