"""Protobuf <-> domain conversions for the gRPC facade; the only place that knows both shapes."""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Mapping
from datetime import UTC, datetime
from enum import Enum
from typing import Any, Generic, TypeVar
from uuid import UUID

from google.protobuf import field_mask_pb2, json_format, struct_pb2
from google.protobuf.internal.enum_type_wrapper import EnumTypeWrapper

from gateway.grpc_api.generated import targets_pb2 as pb
from resolvers.domain import models
from resolvers.domain.codegen import FunctionSource
from resolvers.domain.errors import BadUserInput, FieldError, echo
from resolvers.domain.rows import RowView, row_fields

E = TypeVar("E", bound=Enum)


class EnumMapping(Generic[E]):
    """A domain enum and its protobuf twin, matched by name (``POSITIVE`` <-> ``AI_LABEL_POSITIVE``)."""

    def __init__(self, domain: type[E], proto: EnumTypeWrapper, prefix: str) -> None:
        self.to_proto: dict[E, int] = {member: proto.Value(prefix + member.name) for member in domain}
        self.from_proto: dict[int, E] = {number: member for member, number in self.to_proto.items()}

    def parse(self, number: int, field: str) -> E | None:
        """None for the _UNSPECIFIED zero value; BadUserInput for a number this version does not know."""
        if number == 0:
            return None
        try:
            return self.from_proto[number]
        except KeyError:
            raise invalid(field, f"unknown enum value {number}") from None


AI_LABEL = EnumMapping(models.AiLabel, pb.AiLabel, "AI_LABEL_")
ACTION_REQUIRED = EnumMapping(models.ActionRequired, pb.ActionRequired, "ACTION_REQUIRED_")
DELETED_FILTER = EnumMapping(models.DeletedFilter, pb.DeletedFilter, "DELETED_FILTER_")
SORT_FIELD = EnumMapping(models.TargetSortField, pb.TargetSortField, "TARGET_SORT_FIELD_")
SORT_DIRECTION = EnumMapping(models.SortDirection, pb.SortDirection, "SORT_DIRECTION_")


def invalid(field: str, message: str, kind: str = "invalid") -> BadUserInput:
    return BadUserInput(f"'{field}' {message}", field_errors=(FieldError(tuple(field.split(".")), message, kind),))


def parse_uuid(value: str, field: str) -> UUID:
    try:
        return UUID(value)
    except ValueError:
        raise invalid(field, f"must be a UUID, got {echo(value)}", "uuid_parsing") from None


def optional_uuid(message: Any, field: str, path: str) -> UUID | None:
    return parse_uuid(getattr(message, field), path) if message.HasField(field) else None


def optional_str(message: Any, field: str) -> str | None:
    return getattr(message, field) if message.HasField(field) else None


def _from_timestamp(message: Any, field: str) -> datetime | None:
    return getattr(message, field).ToDatetime(tzinfo=UTC) if message.HasField(field) else None


def json_value(data: Any) -> struct_pb2.Value:
    return json_format.ParseDict(data, struct_pb2.Value())


def _set(**fields: Any) -> dict[str, Any]:
    """Constructor arguments without the unset ones: proto3 ``optional`` keeps 'absent' apart from zero."""
    return {name: value for name, value in fields.items() if value is not None}


def _compile_projection(view: type[RowView], names: Collection[str] | None = None,
                        ) -> Callable[[Mapping[str, Any]], dict[str, Any]]:
    """A view's row fields (those in ``names``, or all) -> protobuf constructor arguments, generated from the
    fields' kinds (resolvers/domain/kinds.py): canonical values are copied, others become ``Kind.protobuf``'s
    value, and None leaves the field unset. Protobuf fields carry the domain names."""
    source = FunctionSource("row")
    source.add("fields = {}")
    for name, field in row_fields(view).items():
        if names is None or name in names:
            source.copy_or_convert(f"fields[{name!r}]", field.key, field.kind, field.kind.protobuf,
                                   copy_canonical=field.kind.canonical_in_protobuf)
    source.add("return fields")
    return source.compile()


# The Target's nested messages: each is a field of Target and a view of (part of) the target's row.
NESTED: dict[str, type[RowView]] = {
    "customer": models.Customer, "ai_analysis": models.AiAnalysis, "call_analysis": models.CallAnalysis,
    "campaign_analysis": models.CampaignAnalysis,
}
TargetFields = Callable[[models.Target], dict[str, Any]]


@functools.lru_cache(maxsize=256)  # a client can send any mask: compiled ones are kept, but not without bound
def _target_projection(paths: tuple[str, ...] | None) -> TargetFields:
    """Target -> ``Target`` constructor fields for a normalized mask (read_mask), or every field for None.

    Nested messages are dicts, which upb builds into the message tree in C: building each message first and
    then copying it into its parent costs twice. A nested message the mask names (whole or in part) is always
    set, as in the full message. Each target's fields are built once per mask (RowView.representation) and
    shared by the requests that shared its read: read-only."""
    own = _compile_projection(models.Target, None if paths is None else {p for p in paths if "." not in p})
    nested: list[tuple[str, Callable[[Mapping[str, Any]], dict[str, Any]]]] = []
    for name, view in NESTED.items():
        if paths is None or name in paths:
            nested.append((name, _compile_projection(view)))
        elif parts := {p.partition(".")[2] for p in paths if p.startswith(name + ".")}:
            nested.append((name, _compile_projection(view, parts)))
    key = "protobuf" if paths is None else "protobuf:" + ",".join(paths)

    def build(view: RowView) -> dict[str, Any]:
        fields = own(view.row)
        for name, project in nested:
            fields[name] = project(getattr(view, name).row)
        return fields

    def project(t: models.Target) -> dict[str, Any]:
        return t.representation(key, build)

    return project


target: TargetFields = _target_projection(None)
"""A ``Target`` message's constructor fields, every field set."""


# read_mask's first path segment -> the second ones it allows: None for Target's own fields, which take none.
MASKABLE: dict[str, frozenset[str] | None] = {
    **{name: None for name in row_fields(models.Target)},
    **{name: frozenset(row_fields(view)) for name, view in NESTED.items()},
}


def _mask_path_problem(path: str) -> str | None:
    head, _, rest = path.partition(".")
    if head not in MASKABLE:
        return f"{echo(path)}: Target has no field {echo(head)}"
    subfields = MASKABLE[head]
    if rest and subfields is None:
        return f"{echo(path)}: only {', '.join(NESTED)} take subfield paths"
    if rest and subfields is not None and rest not in subfields:
        return f"{echo(path)}: {NESTED[head].__name__} has no field {echo(rest)}"  # the views carry the messages' names
    return None


def read_mask(mask: field_mask_pb2.FieldMask, field: str = "read_mask") -> TargetFields:
    """The projection a request's read_mask asks for (AIP-157): no paths or "*" mean every field; BadUserInput
    naming each path that is not a field of Target or of one of its nested messages."""
    paths = list(mask.paths)
    problems = {i: problem for i, path in enumerate(paths)
                if path != "*" and (problem := _mask_path_problem(path)) is not None}
    if problems:
        shown = ", ".join(echo(paths[i]) for i in list(problems)[:3]) + (", ..." if len(problems) > 3 else "")
        raise BadUserInput(f"'{field}' has {len(problems)} paths Target does not have: {shown}",
                           field_errors=tuple(FieldError((field, "paths", i), problem, "invalid")
                                              for i, problem in problems.items()))
    if not paths or "*" in paths:
        return target
    selected = set(paths)
    wholes = {p for p in selected if "." not in p}  # "customer" takes in "customer.email"
    return _target_projection(tuple(sorted(p for p in selected if "." not in p or p.partition(".")[0] not in wholes)))


def aggregations(a: models.Aggregations | None) -> pb.Aggregations | None:
    if a is None:
        return None
    return pb.Aggregations(**_set(
        quick_filters=[pb.QuickFilterCount(name=q.name, count=q.count) for q in a.quick_filters],
        extra=a.extra,
    ))


def target_filter(message: pb.TargetFilter) -> models.TargetFilter:
    return models.TargetFilter(
        stage=optional_str(message, "stage"),
        ai_label=AI_LABEL.parse(message.ai_label, "filter.ai_label"),
        action_required=ACTION_REQUIRED.parse(message.action_required, "filter.action_required"),
        assigned_agent_id=optional_uuid(message, "assigned_agent_id", "filter.assigned_agent_id"),
        search=optional_str(message, "search"),
        date_from=_from_timestamp(message, "date_from"),
        date_to=_from_timestamp(message, "date_to"),
        deleted=DELETED_FILTER.parse(message.deleted, "filter.deleted") or models.DeletedFilter.EXCLUDE,
    )


def target_order(message: pb.TargetOrder) -> models.TargetOrder:
    return models.TargetOrder(
        field=SORT_FIELD.parse(message.field, "order.field") or models.TargetSortField.CREATED_AT,
        direction=SORT_DIRECTION.parse(message.direction, "order.direction") or models.SortDirection.DESC,
    )


def new_customer(message: pb.NewCustomer) -> models.NewCustomer:
    return models.NewCustomer(
        external_id=message.external_id, name=optional_str(message, "name"),
        surname=optional_str(message, "surname"), email=optional_str(message, "email"),
        phone=optional_str(message, "phone"), status=optional_str(message, "status"),
        customer_agent_id=optional_uuid(message, "customer_agent_id", "customer.customer_agent_id"),
        assigned_agent_id=optional_uuid(message, "assigned_agent_id", "customer.assigned_agent_id"),
    )


def import_result(r: models.ImportResult) -> pb.ImportTargetsResponse:
    return pb.ImportTargetsResponse(**_set(
        total=r.total, created=r.created, updated=r.updated, skipped=r.skipped, targets_created=r.targets_created,
        targets_skipped=r.targets_skipped,
        errors=[pb.ImportRowError(**_set(row=e.row, field=e.field, message=e.message)) for e in r.errors],
        target=target(r.target) if r.target else None,
    ))
