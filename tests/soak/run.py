"""``make soak``: mixed traffic over both transports while the sandbox rotates faults, with a ledger of every write.

The gateway and the sandbox run as their own processes (the sandbox on a SQLite file); ``SOAK_CONCURRENCY``
(default 32) clients send lists, lookups, exports (some cancelled), every mutation and imports (some cancelled
mid-file) for ``SOAK_SECONDS`` (default 120), while the sandbox goes through: calm, latency spikes, 5xx bursts,
429 with Retry-After, dropped connections, a full outage, and recovery. At the end the ledger is checked against
the sandbox's database, and the figures go to docs/reliability.md. Every check is a count or a ledger
comparison; none is a wall-clock limit. Exits 1 when a check fails.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import grpc
import httpx

from gateway.grpc_api.generated import targets_pb2 as pb
from gateway.grpc_api.generated import targets_pb2_grpc as pb_grpc
from sandbox import DEMO_API_KEY
from sandbox.seed import DEMO_CAMPAIGNS
from tests.support.serve_process import free_port

ROOT = Path(__file__).resolve().parents[2]
SECONDS = float(os.environ.get("SOAK_SECONDS", "120"))
CONCURRENCY = int(os.environ.get("SOAK_CONCURRENCY", "32"))
AUTH = (("x-api-key", DEMO_API_KEY),)
HEADERS = {"X-API-Key": DEMO_API_KEY}
CALL_TIMEOUT = 30.0  # seconds: a client's own deadline, so that no call can hold the soak
CALL: dict[str, Any] = {"metadata": AUTH, "timeout": CALL_TIMEOUT}
READ_CAMPAIGN, WRITE_CAMPAIGN = DEMO_CAMPAIGNS[0].id, DEMO_CAMPAIGNS[2].id
PHASES: list[tuple[str, dict[str, Any]]] = [
    ("calm", {}),
    ("latency spikes", {"latency_ms": 300}),
    ("5xx bursts", {"error_rate": 0.3, "error_status": 503}),
    ("429 with Retry-After", {"error_rate": 0.3, "error_status": 429, "retry_after": 0.2}),
    ("dropped connections", {"drop_rate": 0.2}),
    ("full outage", {"error_rate": 1.0, "error_status": 503}),
    ("recovery", {}),
]
# gRPC codes and GraphQL codes after which the write certainly never reached the upstream: the gateway refused
# it itself, or the sandbox's fault injection answered before its handler (5xx, 429 and drops all do).
NEVER_APPLIED = {"OVERLOADED", "BAD_USER_INPUT", "OPERATION_LIMIT_EXCEEDED", "RATE_LIMITED", "UPSTREAM_UNAVAILABLE"}


@dataclass
class Ledger:
    """Every write and what its client was told; every outcome of every operation."""

    writes: list[dict[str, Any]] = field(default_factory=list)
    outcomes: Counter[tuple[str, str]] = field(default_factory=Counter)
    successes_by_second: Counter[int] = field(default_factory=Counter)
    internal: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)

    def record(self, operation: str, outcome: str) -> None:
        self.outcomes[(operation, outcome)] += 1
        if outcome == "ok":
            self.successes_by_second[int(time.monotonic() - self.started)] += 1
        if outcome in ("INTERNAL", "INTERNAL_SERVER_ERROR", "HTTP 500"):
            self.internal.append(operation)


def graphql_outcome(response: httpx.Response) -> tuple[str, dict[str, Any]]:
    if response.status_code >= 500:
        return f"HTTP {response.status_code}", {}
    body: dict[str, Any] = response.json()
    errors = body.get("errors") or []
    if not errors:
        return "ok", body
    extensions = errors[0].get("extensions", {})
    code = str(extensions.get("code"))
    if code == "UPSTREAM_UNAVAILABLE" and "upstreamStatus" not in extensions and "retryAfter" in extensions:
        code = "CIRCUIT_OPEN"
    return code, body


def grpc_outcome(error: grpc.aio.AioRpcError) -> str:
    return str(error.code().name)


class Soak:
    def __init__(self, http: str, grpc_address: str) -> None:
        self.http = http
        self.grpc_address = grpc_address
        self.ledger = Ledger()
        self.target_ids: list[str] = []
        self.sequence = 0

    def next_key(self) -> str:
        self.sequence += 1
        return f"SOAK-{os.getpid()}-{self.sequence}"

    async def gql(self, client: httpx.AsyncClient, name: str, query: str, variables: dict[str, Any]) -> str:
        try:
            response = await client.post("/graphql", json={"query": query, "variables": variables}, timeout=30)
        except httpx.HTTPError as error:
            outcome = f"client {type(error).__name__}"
        else:
            outcome, _ = graphql_outcome(response)
        self.ledger.record(name, outcome)
        return outcome

    async def rpc(self, name: str, call: Any) -> str:
        try:
            await call
            outcome = "ok"
        except grpc.aio.AioRpcError as error:
            outcome = grpc_outcome(error)
        self.ledger.record(name, outcome)
        return outcome

    async def one(self, client: httpx.AsyncClient, stub: pb_grpc.TargetsServiceStub, rng: random.Random) -> None:
        roll = rng.random()
        target = rng.choice(self.target_ids)
        if roll < 0.2:
            await self.gql(client, "graphql list", "query($c: UUID!) { campaign(id: $c) { targets(first: 20) { "
                           "totalCount nodes { id stage customer { name } aiAnalysis { label } } } } }",
                           {"c": READ_CAMPAIGN})
        elif roll < 0.3:
            await self.gql(client, "graphql lookup", "query($c: UUID!, $t: UUID!) { campaign(id: $c) { "
                           "target(id: $t) { id stage } } }", {"c": READ_CAMPAIGN, "t": target})
        elif roll < 0.45:
            await self.rpc("grpc list", stub.ListTargets(pb.ListTargetsRequest(campaign_id=READ_CAMPAIGN,
                                                                                page_size=20), **CALL))
        elif roll < 0.52:
            await self.rpc("grpc get", stub.GetTarget(pb.GetTargetRequest(campaign_id=READ_CAMPAIGN,
                                                                          target_id=target), **CALL))
        elif roll < 0.58:
            await self.export(stub, cancel=rng.random() < 0.3)
        elif roll < 0.66:
            await self.gql(client, "graphql updateStage", "mutation($c: UUID!, $t: UUID!, $s: String!) { "
                           "updateStage(campaignId: $c, targetId: $t, stage: $s) { id } }",
                           {"c": READ_CAMPAIGN, "t": target, "s": rng.choice(["new", "contacted", "qualified"])})
        elif roll < 0.7:
            await self.rpc("grpc verifyGoal", stub.VerifyTargetGoal(pb.VerifyTargetGoalRequest(
                campaign_id=READ_CAMPAIGN, target_id=target), **CALL))
        elif roll < 0.8:
            await self.create(client, stub, over_grpc=rng.random() < 0.5)
        else:
            await self.import_file(stub, cancel=rng.random() < 0.3)

    async def export(self, stub: pb_grpc.TargetsServiceStub, *, cancel: bool) -> None:
        call = stub.ExportTargets(pb.ExportTargetsRequest(campaign_id=READ_CAMPAIGN), **CALL)
        try:
            async for _ in call:
                if cancel:
                    call.cancel()
                    break
            outcome = "cancelled" if cancel else "ok"
        except grpc.aio.AioRpcError as error:
            outcome = grpc_outcome(error)
        self.ledger.record("grpc export", outcome)

    async def create(self, client: httpx.AsyncClient, stub: pb_grpc.TargetsServiceStub, *, over_grpc: bool) -> None:
        key = self.next_key()
        customer = {"externalId": key, "email": f"{key.lower()}@soak.example"}
        if over_grpc:
            outcome = await self.rpc("grpc createCustomerAndEnroll", stub.CreateCustomerAndEnroll(
                pb.CreateCustomerAndEnrollRequest(campaign_id=WRITE_CAMPAIGN, customer=pb.NewCustomer(
                    external_id=key, email=customer["email"])), **CALL))
        else:
            outcome = await self.gql(client, "graphql createCustomerAndEnroll", "mutation($c: UUID!, "
                                     "$i: CreateCustomerInput!) { createCustomerAndEnroll(campaignId: $c, "
                                     "input: $i) { created } }", {"c": WRITE_CAMPAIGN, "i": customer})
        self.ledger.writes.append({"kind": "create", "keys": [key], "outcome": outcome})

    async def import_file(self, stub: pb_grpc.TargetsServiceStub, *, cancel: bool) -> None:
        keys = [self.next_key(), self.next_key()]
        rows = "".join(f"{k},{k.lower()}@soak.example,+39{random.randint(10**9, 10**10 - 1)}\n" for k in keys)
        data = ("customer_id,email,phone\n" + rows).encode()
        cut = len(data) - 5  # mid-row: a phone cut short

        async def messages() -> Any:
            yield pb.ImportTargetsRequest(metadata=pb.ImportTargetsMetadata(
                campaign_id=WRITE_CAMPAIGN, file_name="soak.csv", content_type="text/csv"))
            yield pb.ImportTargetsRequest(chunk=data[:cut])
            if cancel:
                await asyncio.sleep(3600)  # never half-closes: the call is cancelled meanwhile
            yield pb.ImportTargetsRequest(chunk=data[cut:])

        call = stub.ImportTargets(messages(), **CALL)
        if cancel:
            await asyncio.sleep(0.05)
            call.cancel()
        try:
            await call
            outcome = "ok"
        except asyncio.CancelledError:
            outcome = "cancelled"
        except grpc.aio.AioRpcError as error:
            outcome = "cancelled" if error.code() == grpc.StatusCode.CANCELLED else grpc_outcome(error)
        self.ledger.record("grpc import", outcome)
        self.ledger.writes.append({"kind": "import", "keys": keys, "outcome": outcome})

    async def worker(self, until: float, seed: int) -> None:
        rng = random.Random(seed)
        async with httpx.AsyncClient(base_url=self.http, headers=HEADERS) as client, \
                grpc.aio.insecure_channel(self.grpc_address) as channel:
            stub = pb_grpc.TargetsServiceStub(channel)
            while time.monotonic() < until:
                await self.one(client, stub, rng)


def process_stats(pid: int) -> tuple[float, int]:
    status = Path(f"/proc/{pid}/status").read_text()
    rss = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")) / 1024
    return rss, len(os.listdir(f"/proc/{pid}/fd"))


def start(command: list[str], ready: str, log: Path) -> subprocess.Popen[bytes]:
    """Starts a process logging to ``log`` (a file: a pipe nobody reads would fill and block it)."""
    with log.open("wb") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, cwd=ROOT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(ready, timeout=2).status_code < 500:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"{command[3]} did not start")


async def run_phases(soak: Soak, sandbox: str, gateway_pid: int, phase_seconds: float) -> dict[str, Any]:
    control = httpx.AsyncClient(base_url=sandbox, headers=HEADERS)
    until = time.monotonic() + phase_seconds * len(PHASES)
    workers = [asyncio.create_task(soak.worker(until, seed)) for seed in range(CONCURRENCY)]
    timeline: list[dict[str, Any]] = []
    stats: dict[str, Any] = {}
    for name, faults in PHASES:
        started = time.monotonic() - soak.ledger.started
        await control.put("/_sandbox/faults", json=faults)
        await asyncio.sleep(phase_seconds)
        timeline.append({"phase": name, "from_s": round(started, 1), "faults": faults})
        if name == "calm":
            stats["warm"] = process_stats(gateway_pid)
    await control.put("/_sandbox/faults", json={})
    await asyncio.gather(*workers)
    stats["end"] = process_stats(gateway_pid)
    stats["upstream"] = (await control.get("/_sandbox/requests/totals")).json()
    await control.aclose()
    stats["timeline"] = timeline
    return stats


def check_ledger(ledger: Ledger, database: Path) -> tuple[list[str], dict[str, int]]:
    """Problems found comparing the ledger with the sandbox's database, and counts by verdict."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
        rows = db.execute("SELECT c.customer_id, COUNT(t.id) FROM customers c JOIN campaign_targets t "
                          "ON t.customer_id = c.id WHERE c.customer_id LIKE 'SOAK-%' AND t.campaign_id = ? "
                          "GROUP BY c.customer_id", (WRITE_CAMPAIGN,)).fetchall()
        customers = dict(db.execute("SELECT customer_id, COUNT(*) FROM customers WHERE customer_id LIKE 'SOAK-%' "
                                    "GROUP BY customer_id").fetchall())
    targets = dict(rows)
    problems: list[str] = []
    verdicts: Counter[str] = Counter()
    for write in ledger.writes:
        present = [targets.get(key, 0) for key in write["keys"]]
        duplicated = [customers.get(key, 0) for key in write["keys"]]
        if any(n > 1 for n in present + duplicated):
            problems.append(f"{write['kind']} {write['keys']} stored more than once: {present}, {duplicated}")
        if write["outcome"] == "ok":
            verdicts["acknowledged, present once"] += 1
            if present != [1] * len(present):
                problems.append(f"acknowledged {write['kind']} {write['keys']} is missing: {present}")
        elif write["outcome"] in NEVER_APPLIED or write["outcome"] in ("CIRCUIT_OPEN", "UNAVAILABLE",
                                                                         "RESOURCE_EXHAUSTED", "cancelled"):
            verdicts["failed before the upstream acted, absent"] += 1
            if any(present):
                problems.append(f"{write['kind']} {write['keys']} reported {write['outcome']} yet stored: {present}")
        else:
            verdicts[f"{write['outcome']} (outcome unknown to the client), at most once"] += 1
        if write["kind"] == "import" and 0 < sum(1 for n in present if n) < len(present):
            problems.append(f"partial import {write['keys']}: {present}")
    return problems, dict(verdicts)


def recovery_seconds(ledger: Ledger, outage_end: float, phase_seconds: float) -> float | None:
    """Seconds from the outage's end until successes per second are back to half the calm phase's rate."""
    calm = [ledger.successes_by_second[s] for s in range(1, max(2, int(phase_seconds)))]
    baseline = sum(calm) / max(1, len(calm))
    second = int(outage_end)
    while second < max(ledger.successes_by_second, default=0) + 1:
        if ledger.successes_by_second[second] >= baseline / 2:
            return second - outage_end
        second += 1
    return None


def _seconds(value: float | None) -> str:
    return "not within the run" if value is None else f"{value:.0f} s"


def write_report(results: dict[str, Any]) -> None:
    lines = [
        "# Reliability: the soak under faults",
        "",
        f"Generated by `make soak` on {results['generated']} ({results['seconds']:.0f} s, concurrency "
        f"{results['concurrency']}, phases of {results['phase_seconds']:.1f} s). The gateway and the sandbox ran "
        "as their own processes; the sandbox rotated the faults below. Checks are counts and ledger comparisons.",
        "",
        "| phase | faults injected by the sandbox |",
        "|---|---|",
        *[f"| {p['phase']} | {json.dumps(p['faults']) if p['faults'] else 'none'} |" for p in results["timeline"]],
        "",
        f"**Verdict: {'passed' if not results['problems'] else 'FAILED'}.** "
        f"{results['operations']} operations; {results['writes']} writes in the ledger; "
        f"{results['internal']} INTERNAL errors or HTTP 500s.",
        "",
        "| figure | value |",
        "|---|---|",
        f"| upstream requests (sandbox) | {results['upstream']['requests']} |",
        f"| faults injected: errors (5xx, 429), dropped connections, delayed requests | "
        f"{results['upstream']['injected'].get('error', 0)}, {results['upstream']['injected'].get('drop', 0)}, "
        f"{results['upstream']['injected'].get('latency', 0)} |",
        f"| requests refused with the circuit open (GraphQL `retryAfter`, gRPC `UNAVAILABLE`) | "
        f"{results['circuit_open']} |",
        f"| requests shed (`OVERLOADED`) | {results['shed']} |",
        f"| gateway RSS after warm-up -> at the end | {results['rss_warm_mb']:.1f} -> {results['rss_end_mb']:.1f} MB |",
        f"| gateway open file descriptors after warm-up -> at the end | {results['fds_warm']} -> "
        f"{results['fds_end']} |",
        f"| throughput back to half of calm's after the outage | "
        f"{_seconds(results['recovery_s'])} |",
        "",
        "Ledger verdicts (every write, against the sandbox's database):",
        "",
        *[f"- {verdict}: {count}" for verdict, count in sorted(results["verdicts"].items())],
        "",
        "Outcomes by operation:",
        "",
        "| operation | outcome | count |",
        "|---|---|---|",
        *[f"| {op} | {outcome} | {count} |" for (op, outcome), count in sorted(results["outcomes"].items())],
        "",
    ]
    if results["problems"]:
        lines += ["Problems:", "", *[f"- {p}" for p in results["problems"]], ""]
    (ROOT / "docs" / "reliability.md").write_text("\n".join(lines))


def main() -> int:
    python = sys.executable
    workdir = Path(tempfile.mkdtemp(prefix="soak-"))
    database = workdir / "soak.db"
    sandbox_port, http_port, grpc_port = free_port(), free_port(), free_port()
    sandbox = start([python, "-m", "gateway", "sandbox", "--db", str(database), "--port", str(sandbox_port),
                     "--seed"], f"http://127.0.0.1:{sandbox_port}/openapi.json", workdir / "sandbox.log")
    gateway_log = workdir / "gateway.log"
    gateway = start([python, "-m", "gateway", "serve", "--upstream-url", f"http://127.0.0.1:{sandbox_port}",
                     "--http-port", str(http_port), "--grpc-port", str(grpc_port)],
                    f"http://127.0.0.1:{http_port}/healthz", gateway_log)
    try:
        rows = httpx.get(f"http://127.0.0.1:{sandbox_port}/campaigns/{READ_CAMPAIGN}/targets",
                         params={"limit": 100}, headers=HEADERS).json()["data"]
        soak = Soak(f"http://127.0.0.1:{http_port}", f"127.0.0.1:{grpc_port}")
        soak.target_ids = [row["id"] for row in rows]
        phase_seconds = SECONDS / len(PHASES)
        stats = asyncio.run(run_phases(soak, f"http://127.0.0.1:{sandbox_port}", gateway.pid, phase_seconds))
    finally:
        gateway.terminate()
        sandbox.terminate()
        gateway.wait(15)
        sandbox.wait(15)
    ledger = soak.ledger
    problems, verdicts = check_ledger(ledger, database)
    tracebacks = gateway_log.read_text(errors="replace").count("Traceback")
    if tracebacks:
        problems.append(f"the gateway logged {tracebacks} tracebacks (see {gateway_log})")
    if ledger.internal:
        problems.append(f"{len(ledger.internal)} INTERNAL errors or HTTP 500s: {Counter(ledger.internal)}")
    (rss_warm, fds_warm), (rss_end, fds_end) = stats["warm"], stats["end"]
    if fds_end > fds_warm + 16:
        problems.append(f"open file descriptors grew from {fds_warm} to {fds_end}")
    if rss_end > rss_warm * 1.5 + 20:
        problems.append(f"RSS grew from {rss_warm:.1f} MB to {rss_end:.1f} MB")
    outage_end = phase_seconds * (len(PHASES) - 1)
    recovery = recovery_seconds(ledger, outage_end, phase_seconds)
    if recovery is None:
        problems.append("throughput did not recover after the outage")
    by_outcome: defaultdict[str, int] = defaultdict(int)
    for (_, outcome), count in ledger.outcomes.items():
        by_outcome[outcome] += count
    results = {
        "generated": datetime.now(UTC).isoformat(timespec="seconds"), "seconds": SECONDS,
        "concurrency": CONCURRENCY, "phase_seconds": phase_seconds, "timeline": stats["timeline"],
        "operations": sum(ledger.outcomes.values()), "writes": len(ledger.writes), "internal": len(ledger.internal),
        "upstream": stats["upstream"],
        "circuit_open": by_outcome["CIRCUIT_OPEN"], "shed": by_outcome["OVERLOADED"],
        "rss_warm_mb": rss_warm, "rss_end_mb": rss_end, "fds_warm": fds_warm, "fds_end": fds_end,
        "recovery_s": recovery, "verdicts": verdicts, "outcomes": dict(ledger.outcomes), "problems": problems,
    }
    write_report(results)
    print(json.dumps({k: v for k, v in results.items() if k not in ("outcomes", "timeline")}, indent=2, default=str))
    print(f"wrote {ROOT / 'docs' / 'reliability.md'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
