"""Tolerant decoding of upstream REST JSON into domain models: nulls, absent and unknown fields are fine.

Targets are checked for their required fields and wrapped, not copied: their other fields parse on first read
(resolvers/domain/rows.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from resolvers.domain.errors import UpstreamUnavailable
from resolvers.domain.kinds import Kind, canonical_uuid, parse_count, parse_text
from resolvers.domain.models import (
    Aggregations,
    EnrollCustomerResult,
    ImportResult,
    ImportRowError,
    QuickFilterCount,
    Target,
    TargetPage,
)
from resolvers.domain.rows import row_fields


class MalformedUpstreamBody(UpstreamUnavailable):
    """The upstream answered 2xx with a body the contract does not allow (a required field missing or wrong)."""


# The fields a target row must carry, as the Target view declares them; every other field may be null or odd.
REQUIRED_FIELDS: tuple[tuple[str, Kind[Any]], ...] = tuple(
    (field.key, field.kind) for field in row_fields(Target).values() if field.kind.required)


def _valid(value: Any, kind: Kind[Any]) -> bool:
    if kind.name == "uuid":
        return canonical_uuid(value) is not None  # canonical text, the common case, is checked without parsing
    try:
        kind.parse(value)
    except UpstreamUnavailable:
        return False
    return True


def target(data: Any) -> Target:
    """``CampaignTargetWithCustomerOut`` -> Target. Required fields must be there; the rest may be anything."""
    if not isinstance(data, Mapping):
        raise MalformedUpstreamBody("Upstream target is not an object")
    for key, kind in REQUIRED_FIELDS:
        value = data.get(key)
        if value is None:
            raise MalformedUpstreamBody(f"Upstream response lacks required field '{key}'")
        if not _valid(value, kind):
            raise MalformedUpstreamBody(f"Upstream field '{key}' is not a {kind.description}")
    return Target(data)


UUID_LENGTH = 36


def _page(data: Any) -> tuple[list[Any], int]:
    """A list response's rows and ``meta.total``, or MalformedUpstreamBody."""
    if not isinstance(data, Mapping) or not isinstance(data.get("data"), list):
        raise MalformedUpstreamBody("Upstream list response lacks 'data'")
    meta = data.get("meta")
    total = meta.get("total") if isinstance(meta, Mapping) else None
    if not isinstance(total, int):
        raise MalformedUpstreamBody("Upstream list response lacks 'meta.total'")
    return data["data"], total


def target_page(data: Any) -> TargetPage:
    rows, total = _page(data)
    aggregations = None
    raw_aggregations = data.get("aggregations")
    if isinstance(raw_aggregations, Mapping):
        quick = raw_aggregations.get("quick_filters")
        extra = raw_aggregations.get("extra")
        aggregations = Aggregations(
            quick_filters=[QuickFilterCount(str(k), parse_count(v)) for k, v in quick.items()]
            if isinstance(quick, Mapping) else [],
            extra=dict(extra) if isinstance(extra, Mapping) else None,
        )
    return TargetPage([target(t) for t in rows], total, aggregations)


def matching_targets(data: Any, wanted: set[UUID]) -> tuple[dict[UUID, Target], int, int]:
    """Decode only the rows whose id is wanted: (found, rows on the page, total). Lookups scan 200-row pages
    for a few ids, and decoding a row costs far more than comparing its id."""
    rows, total = _page(data)
    by_text = {str(w): w for w in wanted}
    found: dict[UUID, Target] = {}
    for row in rows:  # ids as the upstream normally spells them: one dict lookup a row
        raw = row.get("id") if type(row) is dict else None
        key = by_text.get(raw) if type(raw) is str else None
        if key is not None:
            found[key] = target(row)
    if len(found) < len(wanted) and _odd_ids(rows):  # some id spelled otherwise: normalize them all
        for row in rows:
            text = canonical_uuid(row.get("id")) if isinstance(row, Mapping) else None
            key = by_text.get(text) if text is not None else None
            if key is not None and key not in found:
                found[key] = target(row)
    return found, len(rows), total


def _odd_ids(rows: list[Any]) -> bool:
    """Whether any row's id is not a lower-case 36-character string (so may be another spelling of a UUID). On
    the joined ids, at a small fraction of normalizing each."""
    ids = [row.get("id") if type(row) is dict else None for row in rows]
    try:
        joined = "".join(ids)  # type: ignore[arg-type]
    except TypeError:
        return True
    return joined != joined.lower() or any(len(text) != UUID_LENGTH for text in ids)  # type: ignore[arg-type]


def enroll_customer_result(data: Any) -> EnrollCustomerResult:
    if not isinstance(data, Mapping):
        raise MalformedUpstreamBody("Upstream enroll response is not an object")
    if data.get("created") is None:
        raise MalformedUpstreamBody("Upstream response lacks required field 'created'")
    return EnrollCustomerResult(bool(data["created"]), bool(data.get("skipped")), parse_text(data.get("reason")))


def import_result(data: Any) -> ImportResult:
    if not isinstance(data, Mapping):
        raise MalformedUpstreamBody("Upstream import response is not an object")
    errors = data.get("errors") if isinstance(data.get("errors"), list) else []
    created_target = data.get("target")
    return ImportResult(
        total=parse_count(data.get("total")),
        created=parse_count(data.get("created")),
        updated=parse_count(data.get("updated")),
        skipped=parse_count(data.get("skipped")),
        targets_created=parse_count(data.get("targets_created")),
        targets_skipped=parse_count(data.get("targets_skipped")),
        errors=[ImportRowError(parse_count(e.get("row")), parse_text(e.get("field")), str(e.get("message", "")))
                for e in errors or [] if isinstance(e, Mapping)],
        target=target(created_target) if isinstance(created_target, Mapping) else None,
    )
