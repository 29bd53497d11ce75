"""The sandbox's file import over real HTTP: CSV (with and without BOM), XLSX, bad rows, skip rules."""

from __future__ import annotations

import io

import httpx
import openpyxl

from tests.support.servers import SandboxHandle

CSV_HEADER = "Customer_ID,NAME,Surname,Email,Phone,Status\n"


def upload(api: httpx.Client, campaign: str, name: str, data: bytes, content_type: str = "text/csv",
           **params: str) -> httpx.Response:
    return api.post(f"/campaigns/{campaign}/targets:import", params=params,
                    files={"file": (name, data, content_type)})


def test_csv_with_bom_and_mixed_case_headers_reports_bad_rows(sandbox: SandboxHandle, api: httpx.Client) -> None:
    campaign = sandbox.new_campaign(0)
    rows = (
        "IMP-1,Ada,Lovelace,ada@example.com,+44 20 1234,active\n"
        "IMP-2,Alan,Turing,not-an-email,,\n"
        ",No,Id,noid@example.com,,\n"
        "\n"
        "IMP-3,Grace,Hopper,,+1 555 0100,\n"
    )
    response = upload(api, campaign, "people.csv", b"\xef\xbb\xbf" + (CSV_HEADER + rows).encode())
    assert response.status_code == 200
    body = response.json()
    assert {k: body[k] for k in ("total", "created", "updated", "skipped", "targets_created", "targets_skipped")} \
        == {"total": 4, "created": 2, "updated": 0, "skipped": 2, "targets_created": 2, "targets_skipped": 0}
    assert [(e["row"], e["field"]) for e in body["errors"]] == [(3, "email"), (4, "customer_id")]
    assert "target" not in body
    listed = api.get(f"/campaigns/{campaign}/targets", params={"sort_field": "created_at", "sort_dir": "asc"})
    customers = [t["customer"] for t in listed.json()["data"]]
    assert [(c["customer_id"], c.get("email"), c.get("phone")) for c in customers] == [
        ("IMP-1", "ada@example.com", "+44 20 1234"), ("IMP-3", None, "+1 555 0100")]


def test_reimport_updates_customers_and_skips_existing_targets(sandbox: SandboxHandle, api: httpx.Client) -> None:
    campaign = sandbox.new_campaign(0)
    upload(api, campaign, "a.csv", (CSV_HEADER + "RE-1,Old,Name,re1@example.com,,\n").encode())
    second = upload(api, campaign, "a.csv", (CSV_HEADER + "RE-1,New,Name,,,\nRE-2,B,C,re2@example.com,,\n").encode())
    body = second.json()
    assert (body["created"], body["updated"], body["targets_created"], body["targets_skipped"]) == (1, 1, 1, 1)
    assert body["target"]["customer"]["customer_id"] == "RE-2"
    names = {t["customer"]["customer_id"]: t["customer"] for t in
             api.get(f"/campaigns/{campaign}/targets").json()["data"]}
    assert names["RE-1"]["name"] == "New"
    assert names["RE-1"]["email"] == "re1@example.com", "an empty cell keeps the stored value"


def test_skip_if_in_other_campaigns(sandbox: SandboxHandle, api: httpx.Client) -> None:
    first, second = sandbox.new_campaign(0), sandbox.new_campaign(0)
    upload(api, first, "a.csv", (CSV_HEADER + "OTHER-1,A,B,other1@example.com,,\n").encode())
    data = (CSV_HEADER + "OTHER-1,A,B,other1@example.com,,\nOTHER-2,C,D,other2@example.com,,\n").encode()
    body = upload(api, second, "b.csv", data, skip_if_in_other_campaigns="true").json()
    assert (body["skipped"], body["targets_created"]) == (1, 1)
    assert [t["customer"]["customer_id"] for t in api.get(f"/campaigns/{second}/targets").json()["data"]] == [
        "OTHER-2"]
    third = sandbox.new_campaign(0)
    assert upload(api, third, "b.csv", data).json()["targets_created"] == 2


def test_xlsx_import_with_bad_row(sandbox: SandboxHandle, api: httpx.Client) -> None:
    campaign = sandbox.new_campaign(0)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["customer_id", "Name", "EMAIL", "phone", "assigned_agent_id"])
    sheet.append(["X-1", "Xena", "xena@example.com", None, None])
    sheet.append(["X-2", "Bad Agent", "x2@example.com", None, "not-a-uuid"])
    sheet.append([12345, "Numeric", None, 393331234567, None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = upload(api, campaign, "people.xlsx", buffer.getvalue(),
                      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert response.status_code == 200
    body = response.json()
    assert (body["total"], body["created"], body["skipped"]) == (3, 2, 1)
    assert body["errors"] == [{"row": 3, "field": "assigned_agent_id", "message": "'not-a-uuid' is not a valid UUID"}]
    listed = api.get(f"/campaigns/{campaign}/targets").json()["data"]
    ids = {t["customer"]["customer_id"]: t["customer"] for t in listed}
    assert ids["12345"]["phone"] == "393331234567"


def test_unreadable_files_are_400_and_missing_file_is_422(sandbox: SandboxHandle, api: httpx.Client) -> None:
    campaign = sandbox.new_campaign(0)
    latin1 = upload(api, campaign, "a.csv", (CSV_HEADER + "L-1,Jos\xe9,,jose@example.com,,\n").encode("latin-1"))
    assert latin1.status_code == 400 and "UTF-8" in latin1.json()["detail"]
    no_id = upload(api, campaign, "a.csv", b"name,email\nA,a@example.com\n")
    assert no_id.status_code == 400 and "customer_id" in no_id.json()["detail"]
    assert upload(api, campaign, "a.csv", b"").status_code == 400
    broken_xlsx = upload(api, campaign, "a.xlsx", b"PK\x03\x04garbage")
    assert broken_xlsx.status_code == 400
    missing = api.post(f"/campaigns/{campaign}/targets:import", data={"other": "x"})
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["loc"] == ["body", "file"]
    assert api.get(f"/campaigns/{campaign}/targets").json()["meta"]["total"] == 0


def test_new_customer_needs_email_or_phone(sandbox: SandboxHandle, api: httpx.Client) -> None:
    campaign = sandbox.new_campaign(0)
    body = upload(api, campaign, "a.csv", (CSV_HEADER + "NOCONTACT-1,A,B,,,\n").encode()).json()
    assert body["errors"] == [{"row": 2, "field": "email", "message": "email or phone is required for a new customer"}]
    assert (body["created"], body["skipped"], body["targets_created"]) == (0, 1, 0)
