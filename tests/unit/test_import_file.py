"""Parsing import files: encodings, header aliases, row numbering and per-row errors."""

from __future__ import annotations

import pytest

from sandbox.import_file import ImportFileError, parse_import
from sandbox.store import normalize_phone


def test_semicolon_csv_with_aliases_and_row_numbers() -> None:
    data = b"ID;First Name;Last Name;E-mail;Mobile\nA1;Ann;Lee;ann@example.com;\n;;;;\nA2;Bo;;bo@bad;\n"
    parsed = parse_import("x.csv", "text/csv", data)
    assert parsed.total == 2
    [(row, fields, agent)] = parsed.rows
    assert (row, fields.customer_id, fields.name, fields.surname, fields.email, agent) == (
        2, "A1", "Ann", "Lee", "ann@example.com", None)
    assert parsed.errors == [{"row": 4, "field": "email", "message": "'bo@bad' is not a valid email address"}]


def test_overlong_fields_are_row_errors() -> None:
    parsed = parse_import("x.csv", "", f"customer_id,phone\nP1,{'9' * 51}\n".encode())
    assert parsed.errors == [{"row": 2, "field": "phone", "message": "at most 50 characters"}]


@pytest.mark.parametrize("data", [b"", b"  \n", b"\xff\xfecustomer_id\n", b"email\nx@example.com\n"])
def test_whole_file_problems(data: bytes) -> None:
    with pytest.raises(ImportFileError):
        parse_import("x.csv", "text/csv", data)


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [("+39 333-123 4567", "393331234567"), ("0039 3331234567", "393331234567"), ("", None), ("n/a", None)],
)
def test_phone_normalisation(raw: str, normalized: str | None) -> None:
    assert normalize_phone(raw) == normalized
