"""read_mask (AIP-157 partial responses) on the gRPC reads: projections checked against protobuf's own FieldMask."""

from __future__ import annotations

import random
from typing import Any

import pytest
from google.protobuf.field_mask_pb2 import FieldMask

from gateway.grpc_api import convert
from gateway.grpc_api.generated import targets_pb2 as pb
from resolvers.domain.errors import BadUserInput, UpstreamUnavailable
from resolvers.upstream import decode
from tests.unit import upstream_rows

NESTED = ("customer", "ai_analysis", "call_analysis", "campaign_analysis")
EVERY_PATH = sorted(
    [field.name for field in pb.Target.DESCRIPTOR.fields]
    + [f"{name}.{field.name}" for name in NESTED
       for field in pb.Target.DESCRIPTOR.fields_by_name[name].message_type.fields])
HAND_PICKED = [["id"], ["id", "stage", "customer.email"], ["customer"], ["customer", "customer.email"],
               ["ai_analysis.goal_analysis", "created_at", "last_email_at"], ["call_analysis.summary_title"],
               ["campaign_analysis", "assigned_agent_id", "last_conversation_id"], ["stage", "stage"]]


def generated_mask(seed: int) -> list[str]:
    rng = random.Random(seed)
    return rng.sample(EVERY_PATH, rng.randint(1, 12))


GENERATED = [generated_mask(seed) for seed in range(40)]


def converts(row: dict[str, Any]) -> bool:
    try:
        convert.target(decode.target(row))
    except UpstreamUnavailable:  # a count that overflows int32
        return False
    return True


ROWS = [row for row in [upstream_rows.TYPICAL, *upstream_rows.ODD] if converts(row)]


def expected(row: dict[str, Any], paths: list[str]) -> pb.Target:
    """protobuf's FieldMask.MergeMessage applied to the full message; a nested message the mask names stays set,
    as it always is in the full message, even when none of its named fields has a value."""
    full = pb.Target(**convert.target(decode.target(row)))
    masked = pb.Target()
    FieldMask(paths=paths).MergeMessage(full, masked)
    for name in {path.partition(".")[0] for path in paths} & set(NESTED):
        getattr(masked, name).SetInParent()
    return masked


def test_every_field_of_the_contract_can_be_masked() -> None:
    assert len(EVERY_PATH) == 53 and FieldMask(paths=EVERY_PATH).IsValidForDescriptor(pb.Target.DESCRIPTOR)
    assert len(ROWS) == len(upstream_rows.ODD) - 1  # the rows whose counts overflow int32 fail either way
    for row in ROWS:
        target = decode.target(row)
        every = convert.read_mask(FieldMask(paths=EVERY_PATH))
        assert pb.Target(**every(target)) == pb.Target(**convert.target(target))


@pytest.mark.parametrize("paths", HAND_PICKED + GENERATED, ids=lambda paths: ",".join(paths)[:60])
def test_masked_target_equals_protobufs_field_mask_merge(paths: list[str]) -> None:
    for row in ROWS:
        projected = pb.Target(**convert.read_mask(FieldMask(paths=paths))(decode.target(row)))
        assert projected == expected(row, paths), row
        named = {path.partition(".")[0] for path in paths}
        assert {field.name for field, _ in projected.ListFields()} <= named


def test_no_paths_or_a_star_select_every_field() -> None:
    target = decode.target(upstream_rows.TYPICAL)
    for mask in (FieldMask(), FieldMask(paths=["*"]), FieldMask(paths=["id", "*"])):
        assert pb.Target(**convert.read_mask(mask)(target)) == pb.Target(**convert.target(target))
    with pytest.raises(BadUserInput, match="'nope'"):
        convert.read_mask(FieldMask(paths=["*", "nope"]))  # a star does not excuse a wrong path


def test_masks_on_one_target_do_not_share_their_fields() -> None:
    """A view keeps each mask's fields (requests that shared a read share them): one mask never sees another's."""
    target = decode.target(upstream_rows.TYPICAL)
    assert convert.read_mask(FieldMask(paths=["id"]))(target) == {"id": upstream_rows.TYPICAL["id"]}
    assert convert.read_mask(FieldMask(paths=["stage"]))(target) == {"stage": "converted"}
    assert len(convert.target(target)) == 16  # every field but last_email_at, which is null


def test_equivalent_masks_share_one_compiled_projection() -> None:
    first = convert.read_mask(FieldMask(paths=["stage", "customer", "customer.email", "id"]))
    assert convert.read_mask(FieldMask(paths=["id", "customer", "stage", "stage"])) is first
    assert convert.read_mask(FieldMask(paths=["id", "customer.email", "stage"])) is not first


def test_only_selected_fields_are_converted() -> None:
    """An overflowing count fails the full message, and only a mask that asks for it."""
    target = decode.target({**upstream_rows.TYPICAL, "email_sent": 2**40})
    assert convert.read_mask(FieldMask(paths=["id", "customer"]))(target)["customer"]["email"] == "b@example.com"
    with pytest.raises(UpstreamUnavailable, match="int32"):
        convert.read_mask(FieldMask(paths=["email_sent"]))(target)


def test_every_bad_path_is_reported_with_its_index() -> None:
    paths = ["nope", "id", "created_at.seconds", "customer.nope", "ai_analysis.goal_analysis.intent", "",
             "customer.email.x"]
    with pytest.raises(BadUserInput) as caught:
        convert.read_mask(FieldMask(paths=paths))
    violations = {error.location: error.message for error in caught.value.field_errors}
    assert violations == {
        ("read_mask", "paths", 0): "'nope': Target has no field 'nope'",
        ("read_mask", "paths", 2): "'created_at.seconds': only customer, ai_analysis, call_analysis, "
                                   "campaign_analysis take subfield paths",
        ("read_mask", "paths", 3): "'customer.nope': Customer has no field 'nope'",
        ("read_mask", "paths", 4): "'ai_analysis.goal_analysis.intent': AiAnalysis has no field "
                                   "'goal_analysis.intent'",
        ("read_mask", "paths", 5): "'': Target has no field ''",
        ("read_mask", "paths", 6): "'customer.email.x': Customer has no field 'email.x'",
    }
    assert str(caught.value) == ("'read_mask' has 6 paths Target does not have: 'nope', 'created_at.seconds', "
                                 "'customer.nope', ...")
