"""gRPC contract guards: generated code matches proto/, every error has a status, enums map both ways."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import grpc
import pytest
from google.protobuf import struct_pb2, timestamp_pb2
from google.rpc import error_details_pb2

from gateway.grpc_api import convert
from gateway.grpc_api.codegen import OUTPUT_DIR, generate
from gateway.grpc_api.generated import targets_pb2 as pb
from gateway.grpc_api.status import STATUS_CODES, rich_status, status_code
from resolvers.domain import errors
from resolvers.domain.kinds import timestamp_fields
from resolvers.domain.models import ActionRequired, AiLabel, DeletedFilter, SortDirection, TargetSortField
from resolvers.domain.rows import RowView, row_fields
from resolvers.upstream import decode
from tests.unit import upstream_rows


def test_committed_generated_code_matches_the_proto(tmp_path: Path) -> None:
    fresh = {path.name: path.read_text(encoding="utf-8") for path in generate(tmp_path)}
    assert set(fresh) == {"targets_pb2.py", "targets_pb2.pyi", "targets_pb2_grpc.py"}
    for name, text in fresh.items():
        assert (OUTPUT_DIR / name).read_text(encoding="utf-8") == text, f"{name} is stale: run `make generate`"


def test_generated_grpc_module_imports_its_messages_relatively() -> None:
    text = (OUTPUT_DIR / "targets_pb2_grpc.py").read_text(encoding="utf-8")
    assert "from . import targets_pb2" in text and "from umanize" not in text


def error_classes() -> list[type[errors.GatewayError]]:
    return [c for c in vars(errors).values()
            if isinstance(c, type) and issubclass(c, errors.GatewayError) and c is not errors.GatewayError]


def instance(cls: type[errors.GatewayError]) -> errors.GatewayError:
    if cls is errors.OperationLimitExceeded:
        return errors.OperationLimitExceeded("depth", 10, 11)
    return cls("x")


@pytest.mark.parametrize("cls", error_classes(), ids=lambda c: c.__name__)
def test_every_error_class_has_a_grpc_status(cls: type[errors.GatewayError]) -> None:
    assert cls in STATUS_CODES
    assert status_code(instance(cls)) == STATUS_CODES[cls]


def test_subclasses_inherit_their_parents_status() -> None:
    from resolvers.upstream.decode import MalformedUpstreamBody

    assert status_code(MalformedUpstreamBody("bad body")) == grpc.StatusCode.UNAVAILABLE


def _details(status: grpc.Status) -> tuple[error_details_pb2.ErrorInfo, list[tuple[str, str, str]] | None]:
    """The status's one ErrorInfo, and its BadRequest violations (field, description, reason) if it has one."""
    from google.rpc import status_pb2

    decoded = status_pb2.Status.FromString(dict(status.trailing_metadata)["grpc-status-details-bin"])
    infos = [d for d in decoded.details if d.Is(error_details_pb2.ErrorInfo.DESCRIPTOR)]
    assert len(infos) == 1
    info = error_details_pb2.ErrorInfo()
    infos[0].Unpack(info)
    packed = [d for d in decoded.details if d.Is(error_details_pb2.BadRequest.DESCRIPTOR)]
    if not packed:
        return info, None
    [one] = packed
    bad_request = error_details_pb2.BadRequest()
    one.Unpack(bad_request)
    return info, [(v.field, v.description, v.reason) for v in bad_request.field_violations]


def test_rich_status_carries_one_error_info_and_field_violations() -> None:
    error = errors.BadUserInput("bad", field_errors=(errors.FieldError(("filter", "stage"), "too long", "x"),),
                                upstream_status=422)
    status = rich_status(error, "req-1", "filter")
    assert status.code == grpc.StatusCode.INVALID_ARGUMENT
    info, violations = _details(status)
    assert (info.reason, info.domain, dict(info.metadata)) == ("BAD_USER_INPUT", "umanize.targets.v1",
                                                              {"upstream_status": "422", "request_id": "req-1"})
    assert violations == [("filter.stage", "too long", "x")]


def test_an_invalid_argument_without_field_errors_gets_one_violation_on_the_input_field() -> None:
    error = errors.BadUserInput("The upstream rejected the request: the file is not UTF-8", upstream_status=400)
    info, violations = _details(rich_status(error, "req-2", "chunk"))
    assert violations == [("chunk", error.message, "invalid")]
    assert dict(info.metadata) == {"upstream_status": "400", "request_id": "req-2"}


@pytest.mark.parametrize("cls", error_classes(), ids=lambda c: c.__name__)
def test_every_invalid_argument_carries_a_bad_request(cls: type[errors.GatewayError]) -> None:
    status = rich_status(instance(cls), "req", "target_id")
    _, violations = _details(status)
    assert (violations is not None) == (status.code == grpc.StatusCode.INVALID_ARGUMENT)


def test_every_rpc_goes_through_the_edge_with_an_input_field_it_has() -> None:
    from gateway.grpc_api import edge
    from gateway.grpc_api.servicer import TargetsServicer

    servicer = TargetsServicer()
    handlers = edge.rpc_handlers(servicer, runtime=None)  # type: ignore[arg-type]
    assert set(handlers) == {m.name for m in edge.SERVICE.methods} == set(edge.INPUT_FIELDS)
    for method in edge.SERVICE.methods:
        handler = handlers[method.name]
        behaviour = handler.unary_unary or handler.unary_stream or handler.stream_unary or handler.stream_stream
        assert behaviour.__wrapped__ == getattr(servicer, method.name), f"{method.name} bypasses the edge"
        field = edge.INPUT_FIELDS[method.name]
        request = method.input_type
        assert field in request.fields_by_name or any(
            field in nested.message_type.fields_by_name for nested in request.fields if nested.message_type), \
            f"{method.name}: {request.name} has no field {field!r}"
    # every public method of the servicer is an RPC: nothing is served outside the edge
    assert {n for n in dir(servicer) if not n.startswith("_")} == set(handlers)


def test_a_servicer_missing_an_rpc_is_refused_at_start_up() -> None:
    from gateway.grpc_api import edge
    from gateway.grpc_api.servicer import TargetsServicer

    class Incomplete(TargetsServicer):
        ImportTargets = None  # type: ignore[assignment]

    with pytest.raises(TypeError, match="ImportTargets"):
        edge.rpc_handlers(Incomplete(), runtime=None)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("mapping", "domain", "proto"),
    [(convert.AI_LABEL, AiLabel, pb.AiLabel), (convert.ACTION_REQUIRED, ActionRequired, pb.ActionRequired),
     (convert.DELETED_FILTER, DeletedFilter, pb.DeletedFilter),
     (convert.SORT_FIELD, TargetSortField, pb.TargetSortField),
     (convert.SORT_DIRECTION, SortDirection, pb.SortDirection)],
    ids=lambda v: getattr(v, "__name__", ""),
)
def test_enums_map_both_ways_with_unspecified_as_zero(mapping: convert.EnumMapping, domain: type,  # type: ignore[type-arg]
                                                      proto: object) -> None:
    assert set(mapping.to_proto) == set(domain)
    assert len(mapping.from_proto) == len(proto.values()) - 1  # type: ignore[attr-defined]
    assert mapping.parse(0, "f") is None
    with pytest.raises(errors.BadUserInput):
        mapping.parse(999, "f")


@pytest.mark.parametrize("moment", ["2026-11-23T10:12:38.123456+00:00", "1969-12-31T23:59:59.5+00:00",
                                    "2026-03-29T02:30:00+02:00", "2026-01-01T00:00:00"])
def test_timestamps_match_protobufs_own_conversion(moment: str) -> None:
    parsed = datetime.fromisoformat(moment)
    expected = timestamp_pb2.Timestamp()
    expected.FromDatetime(parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC))
    assert timestamp_pb2.Timestamp(**timestamp_fields(parsed)) == expected


def _from_domain(view: RowView) -> dict[str, Any]:
    """The oracle: each field read through the domain object and converted by its Python type."""
    fields: dict[str, Any] = {}
    for name in row_fields(type(view)):
        value = getattr(view, name)
        if isinstance(value, UUID):
            value = str(value)
        elif isinstance(value, datetime):
            stamp = timestamp_pb2.Timestamp()
            stamp.FromDatetime(value if value.tzinfo else value.replace(tzinfo=UTC))
            value = stamp
        elif isinstance(value, AiLabel):
            value = pb.AiLabel.Value(f"AI_LABEL_{value.name}")
        elif isinstance(value, dict):
            value = struct_pb2.Struct()
            value.update(getattr(view, name))
        if value is not None:
            fields[name] = value
    return fields


@pytest.mark.parametrize("row", [upstream_rows.TYPICAL, *upstream_rows.ODD], ids=lambda r: str(len(r)))
def test_protobuf_projection_equals_the_domain_objects_values(row: dict[str, Any]) -> None:
    target = decode.target(row)
    if not all(-(2**31) <= getattr(target, name) < 2**31 for name in ("calls_made", "whatsapp_sent", "email_sent")):
        with pytest.raises(errors.UpstreamUnavailable, match="does not fit the contract's int32"):
            convert.target(target)
        return
    expected = pb.Target(
        **_from_domain(target), customer=pb.Customer(**_from_domain(target.customer)),
        ai_analysis=pb.AiAnalysis(**_from_domain(target.ai_analysis)),
        call_analysis=pb.CallAnalysis(**_from_domain(target.call_analysis)),
        campaign_analysis=pb.CampaignAnalysis(**_from_domain(target.campaign_analysis)),
    )
    projected = pb.Target(**convert.target(decode.target(row)))
    assert projected == expected
    assert projected.SerializeToString(deterministic=True) == expected.SerializeToString(deterministic=True)
