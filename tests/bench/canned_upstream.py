"""The benchmarks' upstream: the sandbox behind a replay cache, so the upstream is never the bottleneck.

The first request for a (method, path, query) goes to the real sandbox (SQLite in memory) and its response is
recorded; every later one is replayed from memory. Writes are replayed too (the same recorded answer), which is
what a benchmark of the gateway's own cost needs. Request bodies are read and dropped. ``GET /_bench/count``
returns how many REST requests arrived; ``DELETE /_bench/count`` resets it. Paths under ``/_bench/uncached``
go to the sandbox every time (the floor of an upstream that computes each page).
"""

from __future__ import annotations

import argparse
import json
import os
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import uvicorn

from sandbox import DEMO_API_KEY, Sandbox, Store, seed_demo
from sandbox.store import CustomerFields, iso

UNCACHED = "/_bench/uncached"
EXPORT_CAMPAIGN = "be0c0000-0000-4000-8000-000000010000"
DASHBOARD_CAMPAIGNS = [f"be0c0000-0000-4000-8000-00000000000{i}" for i in range(1, 6)]


def seed_bench(store: Store) -> None:
    """Five dashboard campaigns of 100 targets (analysis filled) and a 10,000-target export campaign."""
    seed_demo(store)
    now = datetime.now(UTC)
    rich = {
        "ai_label": "positive", "ai_score": 0.91, "ai_reason": "Clear interest in the offer.",
        "goal_analysis": {"intent": "upgrade", "objections": []}, "analysis_source": "elevenlabs",
        "analysis_updated_at": iso(now), "call_successful": "success", "call_summary_title": "Upgrade discussed",
        "transcript_summary": "The agent presented the offer; the customer agreed to a visit.",
        "agent_goal_result": "achieved", "agent_goal_rationale": "Customer agreed.",
        "customer_sentiment": "positive", "customer_sentiment_rationale": "Friendly tone.",
        "follow_up_required": 0, "follow_up_required_rationale": "None needed.", "escalation_required": 0,
        "escalation_required_rationale": "None.", "campaign_goal_result": "achieved", "campaign_goal_score": 0.9,
        "campaign_goal_rationale": "Visit booked.", "campaign_sentiment": "positive",
        "campaign_sentiment_rationale": "Positive statements.", "callback_requested": 0,
        "callback_requested_rationale": "Not asked.", "campaign_next_best_action": "confirm_and_close",
        "campaign_analysis_updated_at": iso(now), "stage": "converted", "calls_made": 3,
        "last_contacted_at": iso(now), "last_conv_id": "conv_0123456789ab",
    }
    for number, (campaign, size) in enumerate([*((c, 100) for c in DASHBOARD_CAMPAIGNS), (EXPORT_CAMPAIGN, 10_000)]):
        store.create_campaign(campaign, tenant="demo", name=f"bench {number}", goal="Book an installation visit")
        with store.transaction() as db:
            for n in range(size):
                customer = store.insert_customer(db, "demo", CustomerFields(
                    customer_id=f"B{number}-{n}", name=f"Name{n}", surname=f"Surname{n}",
                    email=f"bench{number}.{n}@example.com", phone=f"+39 333 {n:07d}", status="active",
                    agent_id=str(uuid.UUID(int=n + 1)),
                ))
                store.insert_target(db, campaign, customer, str(uuid.UUID(int=n % 7 + 1)),
                                    created_at=iso(now - timedelta(minutes=n)), **rich)


class ReplayCache:
    """ASGI middleware recording the first response per request key and replaying it afterwards."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.recorded: dict[tuple[str, str, bytes], tuple[int, list[tuple[bytes, bytes]], bytes]] = {}
        self.count = 0

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"] == "/_bench/count":
            if scope["method"] == "DELETE":
                self.count = 0
            body = json.dumps({"count": self.count}).encode()
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-type", b"application/json")]})
            await send({"type": "http.response.body", "body": body})
            return
        if scope["path"].startswith(UNCACHED):
            # The sandbox itself, every time: the floor of an upstream that computes each page.
            self.count += 1
            path = scope["path"][len(UNCACHED):]
            await self.app({**scope, "path": path, "raw_path": path.encode()}, receive, send)
            return
        if scope["path"].startswith("/campaigns/"):
            self.count += 1
        key = (scope["method"], scope["path"], scope["query_string"])
        if key in self.recorded:
            while (await receive()).get("more_body"):
                pass
            status, headers, body = self.recorded[key]
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        captured: dict[str, Any] = {"body": b""}

        async def capture(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                captured["status"], captured["headers"] = message["status"], list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                captured["body"] += message.get("body", b"")
            await send(message)

        await self.app(scope, receive, capture)
        if scope["path"].startswith("/campaigns/") and captured.get("status", 500) < 300:
            self.recorded[key] = (captured["status"], captured["headers"], captured["body"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--cpu", type=int, default=None, help="pin to this CPU")
    args = parser.parse_args()
    if args.cpu is not None:
        os.sched_setaffinity(0, {args.cpu})
    store = Store(":memory:")
    seed_bench(store)
    app = ReplayCache(Sandbox(store))
    print(f"canned upstream ready on {args.port} (key {DEMO_API_KEY})", flush=True)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
