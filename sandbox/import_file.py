"""Reading an import file (CSV in UTF-8 with or without BOM, or XLSX) into validated customer rows."""

from __future__ import annotations

import csv
import io
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sandbox.store import CustomerFields
from sandbox.validation import is_valid_email

# Header names accepted for each field, compared case-insensitively after trimming.
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "customer_id": ("customer_id", "customer id", "external_id", "id"),
    "name": ("name", "first_name", "first name"),
    "surname": ("surname", "last_name", "last name"),
    "email": ("email", "e-mail"),
    "phone": ("phone", "phone_number", "phone number", "mobile"),
    "status": ("status",),
    "agent_id": ("agent_id", "customer_agent_id"),
    "assigned_agent_id": ("assigned_agent_id",),
}
MAX_LENGTHS = {"customer_id": 255, "name": 255, "surname": 255, "phone": 50, "status": 50, "email": 320}
_XLSX_MAGIC = b"PK\x03\x04"


class ImportFileError(Exception):
    """The file as a whole cannot be read (wrong type, bad encoding, no header); a 400."""


@dataclass
class ParsedImport:
    rows: list[tuple[int, CustomerFields, str | None]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    total: int = 0


def _is_xlsx(filename: str, content_type: str, data: bytes) -> bool:
    if data.startswith(_XLSX_MAGIC):
        return True
    return filename.lower().endswith(".xlsx") or "spreadsheetml" in content_type


def _csv_rows(data: bytes) -> Iterator[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(f"CSV file is not valid UTF-8 (byte {exc.start})") from exc
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    yield from csv.reader(io.StringIO(text, newline=""), dialect)


def _xlsx_rows(data: bytes) -> Iterator[list[str]]:
    import openpyxl  # imported here: only XLSX imports pay for it

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ImportFileError("XLSX file could not be read") from exc
    try:
        sheet = workbook.worksheets[0]
        for values in sheet.iter_rows(values_only=True):
            yield ["" if v is None else (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v))
                   for v in values]
    finally:
        workbook.close()


def _columns(header: list[str]) -> dict[str, int]:
    names = [h.strip().lower() for h in header]
    columns: dict[str, int] = {}
    for field_name, aliases in HEADER_ALIASES.items():
        for alias in aliases:
            if alias in names:
                columns[field_name] = names.index(alias)
                break
    return columns


def parse_import(filename: str, content_type: str, data: bytes) -> ParsedImport:
    """Validate every row; rows are numbered as a spreadsheet shows them (the header is row 1)."""
    if not data.strip():
        raise ImportFileError("The file is empty")
    rows = _xlsx_rows(data) if _is_xlsx(filename, content_type, data) else _csv_rows(data)
    try:
        header = next(rows)
    except StopIteration:
        raise ImportFileError("The file has no header row") from None
    except csv.Error as exc:
        raise ImportFileError(f"CSV could not be parsed: {exc}") from exc
    columns = _columns(header)
    if "customer_id" not in columns:
        raise ImportFileError("The header has no customer_id column")
    parsed = ParsedImport()
    try:
        for row_number, cells in enumerate(rows, start=2):
            if not any(c.strip() for c in cells):
                continue
            parsed.total += 1
            _parse_row(row_number, cells, columns, parsed)
    except csv.Error as exc:
        raise ImportFileError(f"CSV could not be parsed: {exc}") from exc
    return parsed


def _parse_row(row_number: int, cells: list[str], columns: dict[str, int], parsed: ParsedImport) -> None:
    values: dict[str, str | None] = {}
    for name, index in columns.items():
        cell = cells[index].strip() if index < len(cells) else ""
        values[name] = cell or None
    errors: list[dict[str, Any]] = []
    if not values.get("customer_id"):
        errors.append({"row": row_number, "field": "customer_id", "message": "customer_id is required"})
    email = values.get("email")
    if email and not is_valid_email(email):
        errors.append({"row": row_number, "field": "email", "message": f"'{email}' is not a valid email address"})
    for name in ("agent_id", "assigned_agent_id"):
        raw = values.get(name)
        if raw:
            try:
                values[name] = str(uuid.UUID(raw))
            except ValueError:
                errors.append({"row": row_number, "field": name, "message": f"'{raw}' is not a valid UUID"})
    for name, limit in MAX_LENGTHS.items():
        value = values.get(name)
        if value and len(value) > limit:
            errors.append({"row": row_number, "field": name, "message": f"at most {limit} characters"})
    if errors:
        parsed.errors.extend(errors)
        return
    fields = CustomerFields(
        customer_id=values["customer_id"] or "",
        name=values.get("name"), surname=values.get("surname"), email=email,
        phone=values.get("phone"), status=values.get("status"), agent_id=values.get("agent_id"),
    )
    parsed.rows.append((row_number, fields, values.get("assigned_agent_id")))
