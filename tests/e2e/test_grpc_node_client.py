"""A Node client (@grpc/grpc-js + @grpc/proto-loader, from proto/ alone) calls the running gateway."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from sandbox import DEMO_API_KEY
from tests.support.servers import RunningGateway, SandboxHandle

CLIENT = Path(__file__).resolve().parents[1] / "node" / "grpc_client.mjs"


def test_node_client_lists_and_restores(running_gateway: RunningGateway, sandbox: SandboxHandle) -> None:
    node = shutil.which("node")
    assert node, "node is required (make test installs the client's packages with npm)"
    assert (CLIENT.parent / "node_modules" / "@grpc" / "grpc-js").exists(), "run through `make test` (npm ci)"
    campaign = sandbox.new_campaign(4)
    with sandbox.client() as api:
        rows = api.get(f"/campaigns/{campaign}/targets").json()["data"]
        api.delete(f"/campaigns/{campaign}/targets/{rows[0]['id']}")
        with sandbox.store.transaction() as db:
            db.execute("UPDATE campaign_targets SET ai_label = 'positive' WHERE campaign_id = ?", (campaign,))
    completed = subprocess.run(
        [node, str(CLIENT), running_gateway.grpc_address, DEMO_API_KEY, campaign, rows[0]["id"]],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert completed.returncode == 0, completed.stderr
    result = json.loads(completed.stdout)
    assert result["total_size"] == 3  # one of the four is soft-deleted until the restore below
    assert result["labels"] == ["AI_LABEL_POSITIVE"] * 2 and result["has_next"] is True
    assert result["restored_id"] == rows[0]["id"] and result["restored_customer"] == rows[0]["customer_id"]
    assert result["not_found"]["code"] == 5  # NOT_FOUND
    with sandbox.client() as api:
        assert api.get(f"/campaigns/{campaign}/targets").json()["meta"]["total"] == 4
