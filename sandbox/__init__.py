"""The embedded Umanize campaign-targets REST API: a faithful, persistent (SQLite) stand-in upstream."""

from sandbox.app import DEMO_API_KEY, DEMO_TENANT, Sandbox, SandboxSettings
from sandbox.faults import FaultConfig
from sandbox.seed import DEMO_CAMPAIGN_ID, seed_demo
from sandbox.store import Store

__all__ = [
    "DEMO_API_KEY",
    "DEMO_CAMPAIGN_ID",
    "DEMO_TENANT",
    "FaultConfig",
    "Sandbox",
    "SandboxSettings",
    "Store",
    "seed_demo",
]
