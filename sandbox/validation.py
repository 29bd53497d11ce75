"""Request parsing that fails the way FastAPI/pydantic v2 does: 422 with a list of ``{loc, msg, type}``."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

Loc = tuple[str | int, ...]

_TRUE = {"1", "true", "t", "yes", "y", "on"}
_FALSE = {"0", "false", "f", "no", "n", "off"}
# Deliberately simple: one @, a dot in the domain, no spaces. Matches what real clients send.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class RequestValidationError(Exception):
    """One or more request fields are invalid; rendered as a 422 ``HTTPValidationError``."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(f"{len(errors)} validation error(s)")
        self.errors = errors


class FieldCollector:
    """Collects field errors so one response reports every bad field, as FastAPI does."""

    def __init__(self) -> None:
        self.errors: list[dict[str, Any]] = []

    def add(self, loc: Loc, msg: str, type_: str, value: Any = None, ctx: dict[str, Any] | None = None) -> None:
        error: dict[str, Any] = {"type": type_, "loc": list(loc), "msg": msg, "input": value}
        if ctx:
            error["ctx"] = ctx
        self.errors.append(error)

    def raise_if_any(self) -> None:
        if self.errors:
            raise RequestValidationError(self.errors)

    # --- scalar parsers: each returns None after recording an error ---

    def uuid(self, loc: Loc, raw: Any, *, required: bool = False) -> uuid.UUID | None:
        if raw is None:
            if required:
                self.add(loc, "Field required", "missing")
            return None
        if not isinstance(raw, str):
            self.add(loc, "UUID input should be a string, bytes or UUID object", "uuid_type", raw)
            return None
        try:
            return uuid.UUID(raw)
        except ValueError:
            self.add(loc, "Input should be a valid UUID", "uuid_parsing", raw)
            return None

    def integer(self, loc: Loc, raw: str | None, default: int, *, ge: int | None = None,
                le: int | None = None) -> int:
        if raw is None:
            return default
        try:
            value = int(raw.strip())
        except ValueError:
            self.add(loc, "Input should be a valid integer, unable to parse string as an integer",
                     "int_parsing", raw)
            return default
        if ge is not None and value < ge:
            self.add(loc, f"Input should be greater than or equal to {ge}", "greater_than_equal", raw,
                     {"ge": ge})
            return default
        if le is not None and value > le:
            self.add(loc, f"Input should be less than or equal to {le}", "less_than_equal", raw, {"le": le})
            return default
        return value

    def boolean(self, loc: Loc, raw: str | None, default: bool) -> bool:
        if raw is None:
            return default
        lowered = raw.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        self.add(loc, "Input should be a valid boolean, unable to interpret input", "bool_parsing", raw)
        return default

    def choice(self, loc: Loc, raw: str | None, choices: tuple[str, ...], default: str) -> str:
        if raw is None:
            return default
        if raw in choices:
            return raw
        expected = " or ".join(f"'{c}'" for c in choices)
        self.add(loc, f"Input should be {expected}", "literal_error", raw, {"expected": expected})
        return default

    def pattern(self, loc: Loc, raw: str | None, regex: str) -> str | None:
        if raw is None:
            return None
        if re.search(regex, raw) is None:
            self.add(loc, f"String should match pattern '{regex}'", "string_pattern_mismatch", raw,
                     {"pattern": regex})
            return None
        return raw

    def datetime_bound(self, loc: Loc, raw: str | None, *, end_of_day: bool) -> datetime | None:
        """Parse an ISO date or date-time; a bare date as an upper bound means the whole day."""
        if raw is None or raw == "":
            return None
        try:
            if len(raw) == 10:
                day = date.fromisoformat(raw)
                moment = datetime.combine(day, time.min, tzinfo=UTC)
                return moment + timedelta(days=1, microseconds=-1) if end_of_day else moment
            parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            self.add(loc, "Input should be a valid datetime or date", "datetime_from_date_parsing", raw)
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)

    def string(self, loc: Loc, raw: Any, *, required: bool = False, min_length: int | None = None,
               max_length: int | None = None) -> str | None:
        if raw is None:
            if required:
                self.add(loc, "Field required", "missing")
            return None
        if not isinstance(raw, str):
            self.add(loc, "Input should be a valid string", "string_type", raw)
            return None
        if min_length is not None and len(raw) < min_length:
            plural = "" if min_length == 1 else "s"
            self.add(loc, f"String should have at least {min_length} character{plural}", "string_too_short",
                     raw, {"min_length": min_length})
            return None
        if max_length is not None and len(raw) > max_length:
            self.add(loc, f"String should have at most {max_length} characters", "string_too_long", raw,
                     {"max_length": max_length})
            return None
        return raw

    def email(self, loc: Loc, raw: Any) -> str | None:
        value = self.string(loc, raw, max_length=320)
        if value is None:
            return None
        if not _EMAIL.match(value):
            self.add(loc, "value is not a valid email address", "value_error", raw)
            return None
        return value

    def body_object(self, raw: Any) -> Mapping[str, Any] | None:
        if not isinstance(raw, dict):
            self.add(("body",), "Input should be a valid dictionary or object to extract fields from",
                     "model_attributes_type", raw)
            return None
        return raw


def is_valid_email(value: str) -> bool:
    """True when ``value`` looks like an address the sandbox accepts and the spec's ``format: email`` allows."""
    return _EMAIL.match(value) is not None
