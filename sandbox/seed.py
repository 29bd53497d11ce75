"""Idempotent demo data: a few campaigns of realistic targets, some analysed, some with call conversations."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sandbox.store import CustomerFields, Store, iso

DEMO_CAMPAIGN_ID = "c0ffee00-0000-4000-8000-000000000001"
_NAMESPACE = uuid.UUID("6f1c3b1e-2a55-4d8e-9c41-0d5e7b3a9f10")


def demo_target_id(campaign_id: str, index: int) -> str:
    """The fixed id of the demo campaign's index-th target (the README's examples use target 0)."""
    return str(uuid.uuid5(_NAMESPACE, f"{campaign_id}-target-{index}"))


@dataclass(frozen=True)
class DemoCampaign:
    id: str
    name: str
    goal: str
    targets: int


DEMO_CAMPAIGNS = (
    DemoCampaign(DEMO_CAMPAIGN_ID, "Autumn energy plan upgrade",
                 "Get the customer to agree to upgrade to the green energy plan and book an installation visit.",
                 300),
    DemoCampaign("c0ffee00-0000-4000-8000-000000000002", "Insurance renewal",
                 "Confirm the customer renews the home insurance policy for another year.", 80),
    DemoCampaign("c0ffee00-0000-4000-8000-000000000003", "Win-back",
                 "Convince former customers to reactivate their subscription with the loyalty discount.", 60),
)
AGENT_IDS = [str(uuid.uuid5(_NAMESPACE, f"agent-{i}")) for i in range(6)]
FIRST_NAMES = ("Giulia", "Marco", "Sofia", "Luca", "Emma", "Noah", "Chiara", "Matteo", "Aurora", "Leonardo",
               "Olivia", "Liam", "Martina", "Davide", "Sara", "Pietro", "Anna", "Tommaso", "Elena", "Lorenzo")
SURNAMES = ("Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Marino",
            "Greco", "Bruno", "Gallo", "Conti", "De Luca", "Costa", "Smith", "Jones", "Miller", "Garcia", "Moreau")
STAGES = ("new", "contacted", "follow_up", "callback", "converted", "lost")
CONVERSATIONS = (
    "Agent: Hello, I'm calling about the green energy plan upgrade.\n"
    "Customer: Yes, sounds good, I'm interested. Please book the installation visit.\nAgent: Perfect.",
    "Agent: Hi, may I tell you about our renewal offer?\nCustomer: Not now, can you call me back next week?",
    "Agent: Good morning, I'm calling about your plan.\nCustomer: No thanks, I'm not interested. Stop calling.",
    "Agent: Hello, do you have a minute for the loyalty discount?\nCustomer: Sure, tell me more.\n"
    "Agent: It is 20% off.\nCustomer: Great, I agree, let's do it.",
    "Agent: Hi, calling about the upgrade.\nCustomer: Maybe, I need to think about it. Call back tomorrow.",
)


def seed_demo(store: Store, tenant: str = "demo", now: datetime | None = None) -> list[str]:
    """Create the demo campaigns that do not exist yet; returns the ids created (none on a second run)."""
    now = now or datetime.now(UTC)
    rng = random.Random(20261123)
    customer_pool: list[tuple[str, CustomerFields]] = []
    for i in range(400):
        first, last = rng.choice(FIRST_NAMES), rng.choice(SURNAMES)
        handle = f"{first}.{last}".lower().replace(" ", "")
        customer_pool.append((
            str(uuid.uuid5(_NAMESPACE, f"{tenant}-customer-{i}")),
            CustomerFields(
                customer_id=f"CRM-{10000 + i}", name=first, surname=last,
                email=f"{handle}{i}@example.com", phone=f"+39 3{rng.randint(10, 99)} {rng.randint(1000000, 9999999)}",
                status=rng.choice(("active", "active", "active", "prospect", "inactive")),
                agent_id=rng.choice(AGENT_IDS),
            ),
        ))
    created = []
    for campaign_index, demo in enumerate(DEMO_CAMPAIGNS):
        if not store.create_campaign(demo.id, tenant=tenant, name=demo.name, goal=demo.goal):
            continue
        created.append(demo.id)
        start = campaign_index * 120  # campaigns overlap in customers, so "in other campaigns" is real
        members = [customer_pool[(start + k) % len(customer_pool)] for k in range(demo.targets)]
        with store.transaction() as db:
            for k, (customer_uuid, fields) in enumerate(members):
                known = db.execute("SELECT 1 FROM customers WHERE id = ?", (customer_uuid,)).fetchone()
                created_at = iso(now - timedelta(days=rng.uniform(0, 90)))
                if known is None:
                    store.insert_customer(db, tenant, fields, customer_uuid=customer_uuid, created_at=created_at)
                    for c in range(rng.choice((0, 0, 1, 1, 2))):
                        store.add_call_attempt(
                            db, customer_uuid, demo.id, rng.choice(CONVERSATIONS),
                            status=rng.choice(("completed", "completed", "completed", "failed")),
                            created_at=iso(now - timedelta(days=rng.uniform(0, 30), minutes=c)),
                        )
                store.insert_target(
                    db, demo.id, customer_uuid, rng.choice(AGENT_IDS),
                    target_id=demo_target_id(demo.id, k),
                    created_at=created_at, **_target_state(rng, now),
                )
    return created


def _target_state(rng: random.Random, now: datetime) -> dict[str, object]:
    stage = rng.choice(STAGES)
    calls = 0 if stage == "new" else rng.randint(1, 6)
    state: dict[str, object] = {
        "stage": stage, "calls_made": calls, "whatsapp_sent": rng.randint(0, 3), "email_sent": rng.randint(0, 4),
        "ai_label": rng.choice(("positive", "negative", "neutral", "unknown")),
    }
    if calls:
        contacted = now - timedelta(days=rng.uniform(0, 20))
        state["last_contacted_at"] = iso(contacted)
        state["last_conv_id"] = f"conv_{rng.getrandbits(48):012x}"
    if state["email_sent"]:
        state["last_email_at"] = iso(now - timedelta(days=rng.uniform(0, 25)))
    if calls and rng.random() < 0.6:
        positive = state["ai_label"] == "positive"
        negative = state["ai_label"] == "negative"
        state.update({
            "ai_score": round(rng.uniform(0.6, 0.95) if positive else rng.uniform(0.05, 0.6), 2),
            "ai_reason": "Customer showed clear interest." if positive else "Customer was hesitant.",
            "goal_analysis": {"intent": "upgrade" if positive else "undecided", "objections": [] if positive
                              else ["price"]},
            "analysis_source": "elevenlabs",
            "analysis_updated_at": iso(now - timedelta(days=rng.uniform(0, 10))),
            "call_successful": "success" if positive else rng.choice(("success", "failure", "unknown")),
            "call_summary_title": "Upgrade discussed",
            "transcript_summary": "The agent presented the offer; the customer asked about pricing.",
            "agent_goal_result": "achieved" if positive else "not_achieved",
            "agent_goal_rationale": "Customer agreed." if positive else "Customer did not commit.",
            "customer_sentiment": "positive" if positive else "negative" if negative else "neutral",
            "customer_sentiment_rationale": "Tone of the customer during the call.",
            "follow_up_required": int(not positive and rng.random() < 0.5),
            "follow_up_required_rationale": "Open questions remain.",
            "escalation_required": int(negative and rng.random() < 0.3),
            "escalation_required_rationale": "Complaint about billing." if negative else "None.",
            "campaign_goal_result": rng.choice(("achieved", "partially_achieved", "not_achieved")),
            "campaign_goal_score": round(rng.uniform(0, 1), 2),
            "campaign_goal_rationale": "Based on the last call.",
            "campaign_sentiment": "positive" if positive else "negative" if negative else "neutral",
            "campaign_sentiment_rationale": "Derived from the customer's statements.",
            "callback_requested": int(rng.random() < 0.2),
            "callback_requested_rationale": "Customer asked to talk later.",
            "campaign_next_best_action": rng.choice(("follow_up_call", "schedule_callback", "confirm_and_close")),
            "campaign_analysis_updated_at": iso(now - timedelta(days=rng.uniform(0, 10))),
        })
    return state
