"""The sandbox's SQLite persistence: campaigns, customers, campaign targets and call attempts."""

from __future__ import annotations

import json
import re
import sqlite3
import threading
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS campaigns (
    id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL,
    name TEXT NOT NULL,
    goal TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS customers (
    id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL,
    customer_id TEXT,
    name TEXT, surname TEXT, email TEXT, phone TEXT, phone_normalized TEXT, status TEXT,
    agent_id TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS customers_external ON customers (tenant, customer_id);
CREATE TABLE IF NOT EXISTS campaign_targets (
    id TEXT PRIMARY KEY,
    campaign_id TEXT NOT NULL REFERENCES campaigns (id),
    customer_id TEXT NOT NULL REFERENCES customers (id),
    assigned_agent_id TEXT,
    stage TEXT NOT NULL DEFAULT 'new',
    calls_made INTEGER NOT NULL DEFAULT 0,
    whatsapp_sent INTEGER NOT NULL DEFAULT 0,
    email_sent INTEGER NOT NULL DEFAULT 0,
    ai_label TEXT NOT NULL DEFAULT 'unknown',
    ai_score REAL, ai_reason TEXT, goal_analysis TEXT, analysis_source TEXT,
    call_successful TEXT, call_summary_title TEXT, transcript_summary TEXT,
    agent_goal_result TEXT, agent_goal_rationale TEXT,
    customer_sentiment TEXT, customer_sentiment_rationale TEXT,
    follow_up_required INTEGER, follow_up_required_rationale TEXT,
    escalation_required INTEGER, escalation_required_rationale TEXT,
    campaign_goal_result TEXT, campaign_goal_score REAL, campaign_goal_rationale TEXT,
    campaign_sentiment TEXT, campaign_sentiment_rationale TEXT,
    callback_requested INTEGER, callback_requested_rationale TEXT,
    campaign_next_best_action TEXT, campaign_analysis_updated_at TEXT, analysis_updated_at TEXT,
    last_contacted_at TEXT, last_email_at TEXT, last_conv_id TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    UNIQUE (campaign_id, customer_id)
);
CREATE INDEX IF NOT EXISTS targets_by_campaign ON campaign_targets (campaign_id, created_at, id);
CREATE TABLE IF NOT EXISTS call_attempts (
    id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL REFERENCES customers (id),
    campaign_id TEXT REFERENCES campaigns (id),
    status TEXT NOT NULL,
    meta TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS attempts_by_customer ON call_attempts (customer_id, created_at);
"""

# Columns of campaign_targets a client may sort by (the REST ``sort_field``).
SORTABLE_FIELDS: tuple[str, ...] = (
    "created_at", "updated_at", "stage", "last_contacted_at", "last_email_at", "ai_label", "ai_score",
    "campaign_goal_score", "campaign_goal_result", "calls_made", "whatsapp_sent", "email_sent",
    "assigned_agent_id", "analysis_updated_at", "campaign_analysis_updated_at", "id",
)

# The five ``action_required`` quick filters, as SQL over campaign_targets (alias t).
ACTION_REQUIRED: dict[str, str] = {
    "follow_up": "t.follow_up_required = 1",
    "callback": "t.callback_requested = 1",
    "escalation": "t.escalation_required = 1",
    "missed_goal": "t.campaign_goal_result = 'not_achieved'",
    "negative_sentiment": "(t.campaign_sentiment = 'negative' OR t.customer_sentiment = 'negative')",
}

_TARGET_COLUMNS = (
    "id", "campaign_id", "customer_id", "assigned_agent_id", "stage", "calls_made", "whatsapp_sent",
    "email_sent", "ai_label", "ai_score", "ai_reason", "goal_analysis", "analysis_source", "call_successful",
    "call_summary_title", "transcript_summary", "agent_goal_result", "agent_goal_rationale",
    "customer_sentiment", "customer_sentiment_rationale", "follow_up_required",
    "follow_up_required_rationale", "escalation_required", "escalation_required_rationale",
    "campaign_goal_result", "campaign_goal_score", "campaign_goal_rationale", "campaign_sentiment",
    "campaign_sentiment_rationale", "callback_requested", "callback_requested_rationale",
    "campaign_next_best_action", "campaign_analysis_updated_at", "analysis_updated_at",
    "last_contacted_at", "last_email_at", "last_conv_id", "created_at", "updated_at",
)
_CUSTOMER_COLUMNS = (
    "id", "customer_id", "name", "surname", "email", "phone", "status", "agent_id", "created_at", "updated_at",
)
_BOOLEAN_COLUMNS = frozenset({"follow_up_required", "escalation_required", "callback_requested"})
_SELECT_TARGET = (
    "SELECT " + ", ".join(f"t.{c}" for c in _TARGET_COLUMNS) + ", "
    + ", ".join(f"c.{c} AS c_{c}" for c in _CUSTOMER_COLUMNS)
    + " FROM campaign_targets t JOIN customers c ON c.id = t.customer_id"
)


def now_iso() -> str:
    """The current UTC time in the one fixed-width ISO format the store sorts by."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def normalize_phone(phone: str | None) -> str | None:
    """Digits only, with a leading ``00`` read as ``+``: "+39 333-1234" and "0039 3331234" compare equal."""
    if not phone:
        return None
    digits = re.sub(r"\D", "", phone)
    if digits.startswith("00"):
        digits = digits[2:]
    return digits or None


@dataclass(frozen=True)
class TargetQuery:
    """A parsed list request: filters, paging and ordering, as the REST list endpoint takes them."""

    campaign_id: str
    stage: str | None = None
    ai_label: str | None = None
    action_required: str | None = None
    assigned_agent_id: str | None = None
    q: str | None = None
    date_from: datetime | None = None
    date_to: datetime | None = None
    include_deleted: bool = False
    only_deleted: bool = False
    limit: int = 10
    offset: int = 0
    sort_field: str = "created_at"
    sort_dir: str = "desc"
    include_aggregations: bool = False


@dataclass
class TargetPage:
    rows: list[dict[str, Any]]
    total: int
    aggregations: dict[str, Any] | None = None


@dataclass(frozen=True)
class CustomerFields:
    """The customer fields that create-customer and import write."""

    customer_id: str
    name: str | None = None
    surname: str | None = None
    email: str | None = None
    phone: str | None = None
    status: str | None = None
    agent_id: str | None = None


@dataclass
class ImportCounts:
    total: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0
    targets_created: int = 0
    targets_skipped: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    created_target_ids: list[str] = field(default_factory=list)


def _target_dict(row: sqlite3.Row) -> dict[str, Any]:
    """A joined row as the REST ``CampaignTargetWithCustomerOut``; unset optional fields are omitted."""
    out: dict[str, Any] = {}
    for column in _TARGET_COLUMNS:
        value = row[column]
        if value is None:
            continue
        if column in _BOOLEAN_COLUMNS:
            value = bool(value)
        elif column == "goal_analysis":
            value = json.loads(value)
        out[column] = value
    out["customer"] = {c: row[f"c_{c}"] for c in _CUSTOMER_COLUMNS if row[f"c_{c}"] is not None}
    return out


class Store:
    """All sandbox data behind one SQLite connection; every write runs in one transaction."""

    def __init__(self, path: str | Path = ":memory:") -> None:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.path = str(path)
        self._lock = threading.RLock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA foreign_keys = ON")
        if self.path != ":memory:":
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = NORMAL")
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            yield self._db

    # --- campaigns, customers, call attempts (seeding and tests) ---

    def create_campaign(self, campaign_id: str, *, tenant: str, name: str, goal: str) -> bool:
        """Create a campaign unless it exists; True when it was created."""
        with self.transaction() as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO campaigns (id, tenant, name, goal, created_at) VALUES (?, ?, ?, ?, ?)",
                (campaign_id, tenant, name, goal, now_iso()),
            )
            return cursor.rowcount == 1

    def campaign(self, tenant: str, campaign_id: str) -> sqlite3.Row | None:
        with self.reading() as db:
            row: sqlite3.Row | None = db.execute(
                "SELECT * FROM campaigns WHERE id = ? AND tenant = ?", (campaign_id, tenant)
            ).fetchone()
            return row

    def insert_customer(self, db: sqlite3.Connection, tenant: str, fields: CustomerFields,
                        *, customer_uuid: str | None = None, created_at: str | None = None) -> str:
        stamp = created_at or now_iso()
        new_id = customer_uuid or str(uuid.uuid4())
        db.execute(
            "INSERT INTO customers (id, tenant, customer_id, name, surname, email, phone, phone_normalized,"
            " status, agent_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (new_id, tenant, fields.customer_id, fields.name, fields.surname, fields.email, fields.phone,
             normalize_phone(fields.phone), fields.status, fields.agent_id, stamp, stamp),
        )
        return new_id

    def insert_target(self, db: sqlite3.Connection, campaign_id: str, customer_uuid: str,
                      assigned_agent_id: str | None, *, target_id: str | None = None,
                      created_at: str | None = None, **columns: Any) -> str:
        stamp = created_at or now_iso()
        new_id = target_id or str(uuid.uuid4())
        values: dict[str, Any] = {
            "id": new_id, "campaign_id": campaign_id, "customer_id": customer_uuid,
            "assigned_agent_id": assigned_agent_id, "created_at": stamp, "updated_at": stamp, **columns,
        }
        if isinstance(values.get("goal_analysis"), dict):
            values["goal_analysis"] = json.dumps(values["goal_analysis"])
        names = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        db.execute(f"INSERT INTO campaign_targets ({names}) VALUES ({marks})", tuple(values.values()))
        return new_id

    def add_call_attempt(self, db: sqlite3.Connection, customer_uuid: str, campaign_id: str | None,
                         conversation: str, *, status: str = "completed", created_at: str | None = None) -> str:
        attempt_id = str(uuid.uuid4())
        meta = {"elevenlabs": {"conversation_formatted": conversation}}
        db.execute(
            "INSERT INTO call_attempts (id, customer_id, campaign_id, status, meta, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (attempt_id, customer_uuid, campaign_id, status, json.dumps(meta), created_at or now_iso()),
        )
        return attempt_id

    def completed_conversations(self, customer_uuid: str) -> list[str]:
        """Formatted conversations of the customer's completed call attempts, oldest first."""
        with self.reading() as db:
            rows = db.execute(
                "SELECT meta FROM call_attempts WHERE customer_id = ? AND status = 'completed'"
                " ORDER BY created_at, id",
                (customer_uuid,),
            ).fetchall()
        conversations = []
        for row in rows:
            text = json.loads(row["meta"]).get("elevenlabs", {}).get("conversation_formatted")
            if isinstance(text, str) and text.strip():
                conversations.append(text)
        return conversations

    # --- targets ---

    def list_targets(self, query: TargetQuery) -> TargetPage:
        base_where, base_args = self._where(query)
        where, args = base_where, list(base_args)
        if query.action_required:
            where += f" AND {ACTION_REQUIRED[query.action_required]}"
        direction = "ASC" if query.sort_dir == "asc" else "DESC"
        order = f"t.{query.sort_field} {direction}, t.id {direction}"
        with self.reading() as db:
            total = db.execute(
                f"SELECT COUNT(*) FROM campaign_targets t JOIN customers c ON c.id = t.customer_id WHERE {where}",
                args,
            ).fetchone()[0]
            rows = db.execute(
                f"{_SELECT_TARGET} WHERE {where} ORDER BY {order} LIMIT ? OFFSET ?",
                [*args, query.limit, query.offset],
            ).fetchall()
            aggregations = self._aggregations(db, base_where, base_args) if query.include_aggregations else None
        return TargetPage([_target_dict(r) for r in rows], total, aggregations)

    def _where(self, query: TargetQuery) -> tuple[str, list[Any]]:
        """Every list filter except ``action_required``, which aggregations count across."""
        clauses = ["t.campaign_id = ?"]
        args: list[Any] = [query.campaign_id]
        if query.only_deleted:
            clauses.append("t.deleted_at IS NOT NULL")
        elif not query.include_deleted:
            clauses.append("t.deleted_at IS NULL")
        if query.stage is not None:
            clauses.append("t.stage = ?")
            args.append(query.stage)
        if query.ai_label is not None:
            clauses.append("t.ai_label = ?")
            args.append(query.ai_label)
        if query.assigned_agent_id is not None:
            clauses.append("t.assigned_agent_id = ?")
            args.append(query.assigned_agent_id)
        if query.date_from is not None:
            clauses.append("t.created_at >= ?")
            args.append(iso(query.date_from))
        if query.date_to is not None:
            clauses.append("t.created_at <= ?")
            args.append(iso(query.date_to))
        if query.q:
            pattern = "%" + query.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            searched = ("c.name", "c.surname", "c.email", "c.phone", "c.customer_id")
            clauses.append("(" + " OR ".join(f"{col} LIKE ? ESCAPE '\\'" for col in searched) + ")")
            args.extend([pattern] * len(searched))
        return " AND ".join(clauses), args

    def _aggregations(self, db: sqlite3.Connection, where: str, args: Sequence[Any]) -> dict[str, Any]:
        """Quick-filter counts over the list's filters except ``action_required`` itself; stages in extra."""
        sums = ", ".join(f"COALESCE(SUM(CASE WHEN {sql} THEN 1 ELSE 0 END), 0)" for sql in ACTION_REQUIRED.values())
        row = db.execute(
            f"SELECT {sums} FROM campaign_targets t JOIN customers c ON c.id = t.customer_id WHERE {where}", args
        ).fetchone()
        quick_filters = dict(zip(ACTION_REQUIRED, (int(v) for v in row), strict=True))
        stages = db.execute(
            f"SELECT t.stage, COUNT(*) FROM campaign_targets t JOIN customers c ON c.id = t.customer_id"
            f" WHERE {where} GROUP BY t.stage ORDER BY t.stage",
            args,
        ).fetchall()
        return {"quick_filters": quick_filters, "extra": {"stages": {s: n for s, n in stages}}}

    def target(self, campaign_id: str, target_id: str, *, include_deleted: bool = False) -> dict[str, Any] | None:
        deleted = "" if include_deleted else " AND t.deleted_at IS NULL"
        with self.reading() as db:
            row = db.execute(
                f"{_SELECT_TARGET} WHERE t.campaign_id = ? AND t.id = ?{deleted}", (campaign_id, target_id)
            ).fetchone()
        return _target_dict(row) if row else None

    def delete_target(self, campaign_id: str, target_id: str, *, purge: bool) -> bool:
        """Soft-delete (idempotent) or purge a target; False when there is no such target."""
        with self.transaction() as db:
            if purge:
                cursor = db.execute(
                    "DELETE FROM campaign_targets WHERE campaign_id = ? AND id = ?", (campaign_id, target_id)
                )
                return cursor.rowcount == 1
            stamp = now_iso()
            cursor = db.execute(
                "UPDATE campaign_targets SET deleted_at = COALESCE(deleted_at, ?), updated_at = ?"
                " WHERE campaign_id = ? AND id = ?",
                (stamp, stamp, campaign_id, target_id),
            )
            return cursor.rowcount == 1

    def restore_target(self, campaign_id: str, target_id: str) -> bool:
        with self.transaction() as db:
            cursor = db.execute(
                "UPDATE campaign_targets SET updated_at = CASE WHEN deleted_at IS NULL THEN updated_at ELSE ? END,"
                " deleted_at = NULL WHERE campaign_id = ? AND id = ?",
                (now_iso(), campaign_id, target_id),
            )
            return cursor.rowcount == 1

    def update_target(self, campaign_id: str, target_id: str, **columns: Any) -> bool:
        """Set columns on a live (not deleted) target; False when there is none."""
        columns["updated_at"] = now_iso()
        assignments = ", ".join(f"{name} = ?" for name in columns)
        with self.transaction() as db:
            cursor = db.execute(
                f"UPDATE campaign_targets SET {assignments}"
                " WHERE campaign_id = ? AND id = ? AND deleted_at IS NULL",
                (*columns.values(), campaign_id, target_id),
            )
            return cursor.rowcount == 1

    # --- enrollment ---

    def enroll_bulk(self, tenant: str, campaign_id: str,
                    items: Sequence[tuple[str, str | None]]) -> dict[str, Any]:
        """Enroll existing customers; unknown and already-enrolled ones are reported, not fatal."""
        enrolled: list[dict[str, str]] = []
        already: list[str] = []
        missing: list[str] = []
        with self.transaction() as db:
            for customer_uuid, agent_id in items:
                known = db.execute(
                    "SELECT 1 FROM customers WHERE id = ? AND tenant = ?", (customer_uuid, tenant)
                ).fetchone()
                if known is None:
                    missing.append(customer_uuid)
                    continue
                existing = db.execute(
                    "SELECT id FROM campaign_targets WHERE campaign_id = ? AND customer_id = ?",
                    (campaign_id, customer_uuid),
                ).fetchone()
                if existing is not None:
                    already.append(customer_uuid)
                    continue
                target_id = self.insert_target(db, campaign_id, customer_uuid, agent_id)
                enrolled.append({"customer_id": customer_uuid, "target_id": target_id})
        return {
            "requested": len(items),
            "enrolled": enrolled,
            "already_enrolled": already,
            "not_found": missing,
        }

    def create_customer_and_enroll(self, tenant: str, campaign_id: str, fields: CustomerFields,
                                   assigned_agent_id: str | None) -> dict[str, Any]:
        """Create a customer and its target unless one with this email or phone is already a target here."""
        phone_key = normalize_phone(fields.phone)
        with self.transaction() as db:
            duplicate = db.execute(
                "SELECT c.email, c.phone_normalized FROM campaign_targets t JOIN customers c ON c.id = t.customer_id"
                " WHERE t.campaign_id = ? AND ((? IS NOT NULL AND lower(c.email) = lower(?))"
                " OR (? IS NOT NULL AND c.phone_normalized = ?)) LIMIT 1",
                (campaign_id, fields.email, fields.email, phone_key, phone_key),
            ).fetchone()
            if duplicate is not None:
                by = "email" if fields.email and (duplicate["email"] or "").lower() == fields.email.lower() \
                    else "phone"
                return {"created": False, "skipped": True,
                        "reason": f"a customer with this {by} is already a target of this campaign"}
            customer_uuid = self.insert_customer(db, tenant, fields)
            self.insert_target(db, campaign_id, customer_uuid, assigned_agent_id)
        return {"created": True, "skipped": False}

    def import_customers(self, tenant: str, campaign_id: str, rows: Sequence[tuple[int, CustomerFields,
                         str | None]], *, skip_if_in_other_campaigns: bool) -> ImportCounts:
        """Upsert customers by external ``customer_id`` and enroll them, all in one transaction."""
        counts = ImportCounts()
        with self.transaction() as db:
            for row_number, fields, assigned_agent_id in rows:
                existing = db.execute(
                    "SELECT id FROM customers WHERE tenant = ? AND customer_id = ? ORDER BY created_at LIMIT 1",
                    (tenant, fields.customer_id),
                ).fetchone()
                if existing is not None and skip_if_in_other_campaigns:
                    elsewhere = db.execute(
                        "SELECT 1 FROM campaign_targets WHERE customer_id = ? AND campaign_id != ?"
                        " AND deleted_at IS NULL LIMIT 1",
                        (existing["id"], campaign_id),
                    ).fetchone()
                    if elsewhere is not None:
                        counts.skipped += 1
                        continue
                if existing is None and not (fields.email or fields.phone):
                    counts.errors.append({"row": row_number, "field": "email",
                                          "message": "email or phone is required for a new customer"})
                    continue
                if existing is None:
                    customer_uuid = self.insert_customer(db, tenant, fields)
                    counts.created += 1
                else:
                    customer_uuid = existing["id"]
                    self._update_customer(db, customer_uuid, fields)
                    counts.updated += 1
                enrolled = db.execute(
                    "SELECT 1 FROM campaign_targets WHERE campaign_id = ? AND customer_id = ?",
                    (campaign_id, customer_uuid),
                ).fetchone()
                if enrolled is not None:
                    counts.targets_skipped += 1
                    continue
                counts.created_target_ids.append(
                    self.insert_target(db, campaign_id, customer_uuid, assigned_agent_id)
                )
                counts.targets_created += 1
        return counts

    def _update_customer(self, db: sqlite3.Connection, customer_uuid: str, fields: CustomerFields) -> None:
        """Overwrite the fields the row provides; empty cells keep what the customer had."""
        values = {
            "name": fields.name, "surname": fields.surname, "email": fields.email, "phone": fields.phone,
            "status": fields.status, "agent_id": fields.agent_id,
        }
        provided: dict[str, str | None] = {k: v for k, v in values.items() if v is not None}
        if "phone" in provided:
            provided["phone_normalized"] = normalize_phone(fields.phone)
        provided["updated_at"] = now_iso()
        assignments = ", ".join(f"{k} = ?" for k in provided)
        db.execute(f"UPDATE customers SET {assignments} WHERE id = ?", (*provided.values(), customer_uuid))
