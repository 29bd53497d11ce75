"""The GraphQL schema's root fields: thin calls into ``resolvers`` with domain values in and out."""

from __future__ import annotations

from uuid import UUID

import strawberry
from starlette.datastructures import UploadFile
from strawberry.file_uploads import Upload

from gateway.config import OperationLimits
from gateway.graphql_api import root_fields
from gateway.graphql_api.documents import DocumentCache, DocumentExtension
from gateway.graphql_api.errors import GatewaySchema
from gateway.graphql_api.root_fields import DEFAULT_PAGE_SIZE
from gateway.graphql_api.selections import selected_below
from gateway.graphql_api.types import (
    CreateCustomerInput,
    DeleteTargetPayload,
    EnrollCustomerPayload,
    EnrollTargetInput,
    EnrollTargetsPayload,
    ImportTargetsPayload,
    Target,
    TargetConnection,
    TargetFilterInput,
    TargetSortInput,
    view,
)
from resolvers.domain.errors import BadUserInput, FieldError
from resolvers.domain.models import EnrollItem
from resolvers.operations import targets
from resolvers.operations.context import RequestContext

Info = strawberry.Info[RequestContext, None]


@strawberry.type(description="A campaign. Only its id is known without an upstream call.")
class Campaign:
    id: UUID = strawberry.field(description="The campaign's id.")

    @strawberry.field(description="A page of the campaign's targets. `first` is 1 to 200; `after` takes a "
                                  "cursor from this same list (same filter and sort).")
    async def targets(self, info: Info, filter: TargetFilterInput | None = None, sort: TargetSortInput | None = None,
                      first: int | None = DEFAULT_PAGE_SIZE, after: str | None = None) -> TargetConnection:
        connection = await root_fields.campaign_targets(info.context, self.id, filter, sort, first, after,
                                                        selected=selected_below(info))
        return view(TargetConnection, connection)

    @strawberry.field(description="A target by id, soft-deleted ones included; null when the campaign has none.")
    async def target(self, info: Info, id: UUID) -> Target | None:
        return view(Target, await targets.target(info.context, self.id, id))

    @strawberry.field(description="Targets by id in the order given; null for each id the campaign does not have.")
    async def targets_by_ids(self, info: Info, ids: list[UUID]) -> list[Target | None]:
        return view(list[Target | None], await targets.targets_by_ids(info.context, self.id, ids))


@strawberry.type
class Query:
    @strawberry.field(description="A campaign by id. Makes no upstream call by itself.")
    def campaign(self, id: UUID) -> Campaign:
        return Campaign(id=id)

    @strawberry.field(description="Several campaigns; their target lists are fetched concurrently. Each item is "
                                  "nullable: a campaign whose data could not be fetched is null, with its error at "
                                  "its path, and the others are still returned.")
    def campaigns(self, ids: list[UUID]) -> list[Campaign | None]:
        return [Campaign(id=i) for i in ids]


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Restore a soft-deleted target.")
    async def restore(self, info: Info, campaign_id: UUID, target_id: UUID) -> Target:
        return view(Target, await targets.restore(info.context, campaign_id, target_id))

    @strawberry.mutation(description="Set a target's stage (1 to 64 characters).")
    async def update_stage(self, info: Info, campaign_id: UUID, target_id: UUID, stage: str) -> Target:
        return view(Target, await targets.update_stage(info.context, campaign_id, target_id, stage))

    @strawberry.mutation(description="Analyse the target's completed calls against the campaign goal and "
                                     "recompute its stage.")
    async def verify_goal(self, info: Info, campaign_id: UUID, target_id: UUID) -> Target:
        return view(Target, await targets.verify_goal(info.context, campaign_id, target_id))

    @strawberry.mutation(description="Soft-delete a target, or remove it for good with purge: true.")
    async def delete_target(self, info: Info, campaign_id: UUID, target_id: UUID,
                            purge: bool = False) -> DeleteTargetPayload:
        return view(DeleteTargetPayload, await targets.delete_target(info.context, campaign_id, target_id,
                                                                     purge=purge))

    @strawberry.mutation(description="Enroll existing customers; already-enrolled and unknown ones are reported.")
    async def enroll_targets(self, info: Info, campaign_id: UUID,
                             items: list[EnrollTargetInput]) -> EnrollTargetsPayload:
        domain_items = [EnrollItem(i.customer_id, i.assigned_agent_id) for i in items]
        return view(EnrollTargetsPayload, await targets.enroll_targets(info.context, campaign_id, domain_items))

    @strawberry.mutation(description="Create a customer and enroll it, unless its email or phone is already a "
                                     "target of the campaign.")
    async def create_customer_and_enroll(self, info: Info, campaign_id: UUID,
                                         input: CreateCustomerInput) -> EnrollCustomerPayload:
        result = await targets.create_customer_and_enroll(info.context, campaign_id, input.to_domain())
        return view(EnrollCustomerPayload, result)

    @strawberry.mutation(description="Import customers from a CSV or XLSX file (GraphQL multipart request) and "
                                     "enroll them.")
    async def import_targets(self, info: Info, campaign_id: UUID, file: Upload,
                             skip_if_in_other_campaigns: bool = False) -> ImportTargetsPayload:
        if not isinstance(file, UploadFile):
            raise BadUserInput("'file' must be an uploaded file",
                               field_errors=(FieldError(("file",), "not an upload", "invalid"),))
        try:
            result = await targets.import_targets(
                info.context, campaign_id, filename=file.filename or "", content_type=file.content_type or "",
                file=file.file, size=file.size, skip_if_in_other_campaigns=skip_if_in_other_campaigns,
            )
        finally:
            await file.close()  # strawberry leaves the spooled temporary file open
        return view(ImportTargetsPayload, result)


def build_schema(limits: OperationLimits | None = None, *, introspection: bool = True) -> GatewaySchema:
    """The schema with its document cache: parsing and validation shared with the fast path, under ``limits``."""
    schema: GatewaySchema = GatewaySchema(query=Query, mutation=Mutation,
                                          extensions=[lambda: DocumentExtension(schema.documents)])
    schema.documents = DocumentCache(schema._schema, limits or OperationLimits(), introspection=introspection)
    return schema


schema = build_schema()
