"""Contract guards: the committed schema is the printed one, examples validate, GraphQL types mirror the domain."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from graphql import parse, validate

from gateway.graphql_api.schema import schema
from gateway.graphql_api.types import MIRRORS
from resolvers.domain import errors
from resolvers.domain.rows import RowView, attribute_names

ROOT = Path(__file__).resolve().parents[2]
OPERATIONS = sorted((ROOT / "graphql" / "operations").glob("*.graphql"))


def test_committed_schema_matches_the_code() -> None:
    committed = (ROOT / "graphql" / "schema.graphql").read_text(encoding="utf-8")
    assert committed == schema.as_str() + "\n", "graphql/schema.graphql is stale: run `make generate`"


def test_committed_persisted_documents_match_the_operations() -> None:
    from gateway.graphql_api.persisted import load_manifest, manifest_of

    committed = json.loads((ROOT / "graphql" / "persisted-documents.json").read_text(encoding="utf-8"))
    assert committed == manifest_of(ROOT / "graphql" / "operations"), \
        "graphql/persisted-documents.json is stale: run `make generate`"
    loaded = load_manifest(ROOT / "graphql" / "persisted-documents.json")
    assert sorted(loaded.values()) == sorted(p.read_text(encoding="utf-8") for p in OPERATIONS)


def test_contract_names_are_present() -> None:
    printed = schema.as_str()
    for name in ("campaign(id: UUID!): Campaign!", "campaigns(ids: [UUID!]!): [Campaign]!",
                 "targetsByIds(ids: [UUID!]!): [Target]!", "input TargetFilter", "input TargetSort",
                 "enum DeletedFilter", "importTargets(campaignId: UUID!, file: Upload!",
                 "deleteTarget(campaignId: UUID!, targetId: UUID!, purge: Boolean! = false)"):
        assert name in printed


@pytest.mark.parametrize("path", OPERATIONS, ids=lambda p: p.name)
def test_example_operations_validate(path: Path) -> None:
    problems = validate(schema._schema, parse(path.read_text(encoding="utf-8")))
    assert problems == []


def test_there_are_examples_for_every_mutation() -> None:
    names = {p.stem for p in OPERATIONS}
    assert {"web_target_list", "mobile_target_detail", "dashboard", "restore", "update_stage", "verify_goal",
            "delete_target", "enroll_targets", "create_customer_and_enroll", "import_targets"} <= names


@pytest.mark.parametrize(("graphql_type", "domain_type"), list(MIRRORS.items()), ids=lambda t: t.__name__)
def test_graphql_types_mirror_their_domain_class(graphql_type: type, domain_type: type) -> None:
    definition = graphql_type.__strawberry_definition__  # type: ignore[attr-defined]
    if issubclass(domain_type, RowView):
        attributes = set(attribute_names(domain_type))
    else:
        attributes = {f.name for f in dataclasses.fields(domain_type)} | {
            n for n, v in vars(domain_type).items() if isinstance(v, property)}
    missing = [f.python_name for f in definition.fields if f.python_name not in attributes]
    assert missing == []


def test_connection_types_mirror_paging_models() -> None:
    from gateway.graphql_api import types
    from resolvers.operations import paging

    for graphql_type, domain_type in [(types.TargetConnection, paging.TargetConnection),
                                      (types.TargetEdge, paging.Edge), (types.PageInfo, paging.PageInfo)]:
        test_graphql_types_mirror_their_domain_class(graphql_type, domain_type)


def test_every_error_class_has_its_own_code() -> None:
    classes = [c for c in vars(errors).values()
               if isinstance(c, type) and issubclass(c, errors.GatewayError) and c is not errors.GatewayError]
    assert sorted(c.code.value for c in classes) == sorted(code.value for code in errors.ErrorCode)
