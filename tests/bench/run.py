"""Runs every benchmark contender and scenario in one run and writes docs/benchmarks.md and docs/benchmarks.json.

Layout on a 2-core machine: the system under test (a gateway, the proxy, or Hive Gateway) is pinned to CPU 1;
the canned upstream and the load generators share CPU 0. HTTP load comes from wrk (one thread, keep-alive
connections = the concurrency); gRPC load from a grpc.aio process. Each point runs BENCH_SECONDS (default 5).
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import grpc
import httpx

from gateway.grpc_api.generated import targets_pb2 as pb
from gateway.grpc_api.generated import targets_pb2_grpc as pb_grpc
from sandbox import DEMO_API_KEY
from tests.bench import queries
from tests.bench.canned_upstream import DASHBOARD_CAMPAIGNS, EXPORT_CAMPAIGN, UNCACHED
from tests.support.serve_process import free_port

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".bench-cache"
DOCS = ROOT / "docs"
SECONDS = float(os.environ.get("BENCH_SECONDS", "5"))
CONCURRENCY = [int(c) for c in os.environ.get("BENCH_CONCURRENCY", "1,16,64").split(",")]
CORES = os.cpu_count() or 1
SUT_CPU, LOAD_CPU = (1, 0) if CORES >= 2 else (0, 0)
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
KEY = DEMO_API_KEY
# The headline points (bench_headline), named as docs/benchmarks.json records them.
GQL_WEB, HIVE_WEB = "GraphQL web list (this gateway)", "GraphQL web list (Hive Gateway)"
PROXY_WEB = "REST via HTTP proxy"
GRPC_LIST, GRPC_PROXY = "gRPC ListTargets (this gateway)", "REST via gRPC pass-through"
GQL_WEB_UNSHARED = "GraphQL web list (this gateway, --no-share-reads)"
# Earlier commits run beside this one in the headline rounds (before and after a change, in one run):
# "rev=label" pairs, comma-separated; checked out into .bench-cache/ and served from the same virtualenv.
BASELINES = [tuple(item.split("=", 1)) for item in os.environ.get(
    "BENCH_BASELINES", "e8344f4=before the layout change (e8344f4),3bc8de9=before the observability work (3bc8de9)"
).split(",") if item]
# Tracing's cost: the same gateway exporting spans over OTLP/HTTP to a sink, sampling all, then 10%.
TRACING = [("tracing on, 100% sampled", {"OTEL_TRACES_SAMPLER": "always_on"}),
           ("tracing on, 10% sampled", {"OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0.1"})]


def pinned(cpu: int | set[int]) -> Any:
    return lambda: os.sched_setaffinity(0, {cpu} if isinstance(cpu, int) else cpu)


@dataclass
class Service:
    name: str
    process: subprocess.Popen[bytes]
    url: str

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS

    def memory_mb(self) -> tuple[float, float]:
        """(current RSS, peak RSS since the last reset) in MB."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        rss = int(re.search(r"VmRSS:\s+(\d+)", status).group(1))  # type: ignore[union-attr]
        hwm = int(re.search(r"VmHWM:\s+(\d+)", status).group(1))  # type: ignore[union-attr]
        return rss / 1024, hwm / 1024

    def reset_peak(self) -> None:
        Path(f"/proc/{self.process.pid}/clear_refs").write_text("5")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()


@contextlib.contextmanager
def service(name: str, command: list[str], url: str, ready: str | Callable[[], bool], cpu: int | set[int],
            env: dict[str, str] | None = None, cwd: Path | None = None) -> Iterator[Service]:
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               preexec_fn=pinned(cpu), env={**os.environ, **(env or {})}, cwd=cwd)
    running = Service(name, process, url)
    deadline = time.monotonic() + 120
    while True:
        if callable(ready):
            if ready():
                break
        else:
            try:
                if httpx.get(url + ready, timeout=2).status_code < 500:
                    break
            except httpx.TransportError:
                pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{name} did not start")
        time.sleep(0.2)
    try:
        yield running
    finally:
        running.stop()


def lua_cycle_script(bodies: list[str], name: str) -> Path:
    """POSTs that cycle through ``bodies`` (one wrk thread: one counter)."""
    script = CACHE / f"{name}.lua"
    lines = ['wrk.method = "POST"', f'wrk.headers["X-API-Key"] = "{KEY}"',
             'wrk.headers["Content-Type"] = "application/json"', "local bodies = {"]
    lines += [f"  [==[{body}]==]," for body in bodies]
    lines += ["}", "local i = 0", "request = function()", "  i = i % #bodies + 1",
              "  return wrk.format(nil, nil, nil, bodies[i])", "end"]
    script.write_text("\n".join(lines) + "\n")
    return script


def varied_gateway_bodies(campaign: str) -> list[str]:
    operation = queries.operation("web_target_list")
    bodies = []
    for size, label, search in queries.varied_web_lists():
        narrowing: dict[str, Any] = {**({"aiLabel": label} if label else {}), **({"search": search} if search else {})}
        bodies.append(graphql_body(operation, {"campaignId": campaign, "first": size, "filter": narrowing or None}))
    return bodies


def varied_hive_bodies(campaign: str) -> list[str]:
    return [graphql_body(queries.hive_web_list(KEY, campaign, size, label, search))
            for size, label, search in queries.varied_web_lists()]


def lua_script(method: str, body: str | None, name: str, headers: dict[str, str] | None = None) -> Path:
    script = CACHE / f"{name}.lua"
    lines = [f'wrk.method = "{method}"', f'wrk.headers["X-API-Key"] = "{KEY}"']
    lines += [f'wrk.headers["{key}"] = "{value}"' for key, value in (headers or {}).items()]
    if body is not None:
        lines += ['wrk.headers["Content-Type"] = "application/json"', f"wrk.body = [==[{body}]==]"]
    script.write_text("\n".join(lines) + "\n")
    return script


def wrk(url: str, script: Path, connections: int) -> dict[str, float]:
    output = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{SECONDS:g}s", "--latency", "-s", str(script), url],
        capture_output=True, text=True, check=True, preexec_fn=pinned(LOAD_CPU),
    ).stdout

    def millis(label: str) -> float:
        match = re.search(rf"^\s+{label}\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
        if not match:
            return float("nan")
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    requests = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: .*", output)
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),  # type: ignore[union-attr]
            "p50_ms": millis("50%"), "p99_ms": millis("99%"), "requests": requests,
            "non_2xx": int(bad.group(1)) if bad else 0, "socket_errors": errors.group(0) if errors else ""}


def upstream_calls(upstream: str, action: Any) -> int:
    """Calls one operation makes. First waits until requests abandoned by the last load point have drained."""
    last = -1
    while (now := int(httpx.get(upstream + "/_bench/count").json()["count"])) != last:
        last = now
        time.sleep(0.5)
    httpx.delete(upstream + "/_bench/count")
    action()
    return int(httpx.get(upstream + "/_bench/count").json()["count"])


@dataclass
class Report:
    rows: list[dict[str, Any]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def add(self, **row: Any) -> None:
        self.rows.append(row)
        shown = {k: (round(v, 2) if isinstance(v, float) else v) for k, v in row.items()}
        print(json.dumps(shown), flush=True)


def graphql_body(query: str, variables: dict[str, Any] | None = None) -> str:
    return json.dumps({"query": query, "variables": variables or {}})


def check_graphql(url: str, body: str) -> dict[str, Any]:
    response = httpx.post(url, content=body, headers={"content-type": "application/json", "x-api-key": KEY},
                          timeout=60)
    payload: dict[str, Any] = response.json()
    if response.status_code != 200 or payload.get("errors"):
        raise RuntimeError(f"{url}: {response.status_code} {json.dumps(payload)[:500]}")
    return payload


def upstream_count(upstream: str) -> int:
    return int(httpx.get(upstream + "/_bench/count").json()["count"])


def load_points(report: Report, contender: str, scenario: str, target: Service, url: str, script: Path,
                calls: int | None, upstream: str | None = None) -> None:
    """wrk at each concurrency; with ``upstream``, also the upstream calls per operation made under that load."""
    for connections in CONCURRENCY:
        cpu_before = target.cpu_seconds()
        count_before = upstream_count(upstream) if upstream else 0
        result = wrk(url, script, connections)
        cpu = target.cpu_seconds() - cpu_before
        under_load = (upstream_count(upstream) - count_before) / max(1, result["requests"]) if upstream else None
        report.add(contender=contender, scenario=scenario, concurrency=connections, upstream_calls=calls,
                   upstream_calls_under_load=under_load, cpu_s_per_1000=1000 * cpu / max(1, result["requests"]),
                   peak_rss_mb=target.memory_mb()[1], **result)


def scenario_ids(upstream: str) -> dict[str, Any]:
    rows = httpx.get(f"{upstream}/campaigns/{DASHBOARD_CAMPAIGNS[0]}/targets", params={"limit": 100},
                     headers={"x-api-key": KEY}).json()["data"]
    return {"campaign": DASHBOARD_CAMPAIGNS[0], "target": rows[9]["id"], "write_target": rows[0]["id"],
            "lookups": [r["id"] for r in rows[:20]]}


def gateway_scenarios(ids: dict[str, Any]) -> dict[str, str]:
    return {
        "web list page (50, every field)": graphql_body(queries.operation("web_target_list"),
                                                        {"campaignId": ids["campaign"], "first": 50}),
        "mobile detail (1 by id)": graphql_body(queries.operation("mobile_target_detail"),
                                                {"campaignId": ids["campaign"], "targetId": ids["target"]}),
        "dashboard (5 campaigns + 20 lookups)": graphql_body(queries.operation("dashboard"), {
            "campaignIds": DASHBOARD_CAMPAIGNS, "lookupCampaign": ids["campaign"], "targetIds": ids["lookups"]}),
        "updateStage": graphql_body(queries.operation("update_stage"), {
            "campaignId": ids["campaign"], "targetId": ids["write_target"], "stage": "qualified"}),
        "verifyGoal": graphql_body(queries.operation("verify_goal"),
                                   {"campaignId": ids["campaign"], "targetId": ids["write_target"]}),
    }


def hive_scenarios(ids: dict[str, Any]) -> dict[str, str]:
    return {
        "web list page (50, every field)": graphql_body(queries.hive_web_list(KEY, ids["campaign"])),
        "mobile detail (1 by id)": graphql_body(queries.hive_mobile_detail(KEY, ids["campaign"])),
        "dashboard (5 campaigns + 20 lookups)": graphql_body(
            queries.hive_dashboard(KEY, DASHBOARD_CAMPAIGNS, ids["campaign"])),
        "updateStage": graphql_body(queries.hive_update_stage(KEY, ids["campaign"], ids["write_target"])),
        "verifyGoal": graphql_body(queries.hive_verify_goal(KEY, ids["campaign"], ids["write_target"])),
    }


def bench_graphql(report: Report, contender: str, target: Service, upstream: str,
                  scenarios: dict[str, str]) -> None:
    url = target.url + "/graphql"
    for number, (scenario, body) in enumerate(scenarios.items()):
        check_graphql(url, body)  # correct answers first; also warms caches
        calls = upstream_calls(upstream, lambda body=body: check_graphql(url, body))  # type: ignore[misc]
        for _ in range(20):
            check_graphql(url, body)
        script = lua_script("POST", body, f"{contender}-{number}".replace(" ", "_"))
        load_points(report, contender, scenario, target, url, script, calls, upstream)


def write_csv(path: Path, rows: int) -> Path:
    if path.exists():
        return path
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["customer_id", "name", "surname", "email", "phone", "status"])
        for n in range(rows):
            writer.writerow([f"IMP-{n:06d}", f"Name{n}", f"Surname{n}", f"import.{n}@example.com",
                             f"+39 333 {n:07d}", "active"])
    return path


def bench_imports(report: Report, gateway: Service, grpc_address: str, campaign: str) -> None:
    sizes = [10_000, 25_000, 50_000]
    files = {rows: write_csv(CACHE / f"import-{rows}.csv", rows) for rows in sizes}
    mutation = queries.operation("import_targets")

    def graphql_import(path: Path) -> None:
        operations = json.dumps({"query": mutation, "variables": {"campaignId": campaign, "file": None}})
        with path.open("rb") as handle:
            response = httpx.post(gateway.url + "/graphql", data={"operations": operations,
                                                                   "map": json.dumps({"0": ["variables.file"]})},
                                  files={"0": (path.name, handle, "text/csv")},
                                  headers={"x-api-key": KEY, "apollo-require-preflight": "1"}, timeout=300)
        if response.status_code != 200 or response.json().get("errors"):
            raise RuntimeError(response.text[:500])

    def grpc_import(path: Path) -> None:
        def messages() -> Iterator[pb.ImportTargetsRequest]:
            yield pb.ImportTargetsRequest(metadata=pb.ImportTargetsMetadata(
                campaign_id=campaign, file_name=path.name, content_type="text/csv"))
            with path.open("rb") as handle:
                while chunk := handle.read(256 * 1024):
                    yield pb.ImportTargetsRequest(chunk=chunk)

        with grpc.insecure_channel(grpc_address) as channel:
            pb_grpc.TargetsServiceStub(channel).ImportTargets(messages(), metadata=[("x-api-key", KEY)], timeout=300)

    graphql_import(files[sizes[0]])  # records the upstream's answer; later imports replay it
    for transport, run in (("GraphQL", graphql_import), ("gRPC", grpc_import)):
        for rows, path in files.items():
            baseline, _ = gateway.memory_mb()
            gateway.reset_peak()
            started = time.perf_counter()
            run(path)
            elapsed = time.perf_counter() - started
            _, peak = gateway.memory_mb()
            report.add(contender=f"this gateway ({transport})", scenario=f"import {rows:,} rows",
                       file_mb=path.stat().st_size / 2**20, seconds=elapsed, rss_before_mb=baseline,
                       peak_rss_mb=peak, peak_growth_mb=peak - baseline)


def bench_grpc(report: Report, gateway: Service, grpc_address: str, upstream: str) -> None:
    for scenario, kind, campaign, points in (
            ("gRPC ListTargets (50)", "list50", DASHBOARD_CAMPAIGNS[0], CONCURRENCY),
            ("gRPC ListTargets (50) with a 4-path read_mask", "list50-mask", DASHBOARD_CAMPAIGNS[0], [16]),
            ("gRPC ExportTargets (10,000)", "export", EXPORT_CAMPAIGN, [1, 4])):
        for concurrency in points:
            cpu_before, count_before = gateway.cpu_seconds(), upstream_count(upstream)
            result = grpc_point(grpc_address, kind, campaign, concurrency)
            cpu = gateway.cpu_seconds() - cpu_before
            report.add(contender="this gateway (gRPC)", scenario=scenario, concurrency=concurrency,
                       upstream_calls_under_load=(upstream_count(upstream) - count_before) / max(1, result["requests"]),
                       cpu_s_per_1000=1000 * cpu / max(1, result["requests"]), peak_rss_mb=gateway.memory_mb()[1],
                       **result)


def grpc_ready(address: str) -> Callable[[], bool]:
    def ready() -> bool:
        with grpc.insecure_channel(address) as channel:
            try:
                grpc.channel_ready_future(channel).result(timeout=2)
            except grpc.FutureTimeoutError:
                return False
        return True

    return ready


def grpc_point(address: str, kind: str, campaign: str, concurrency: int, channels: int = 1) -> dict[str, Any]:
    output = subprocess.run(
        [sys.executable, "-m", "tests.bench.grpc_load", "--address", address, "--scenario", kind, "--campaign",
         campaign, "--concurrency", str(concurrency), "--duration", f"{SECONDS:g}", "--cpu", str(LOAD_CPU),
         "--channels", str(channels)],
        capture_output=True, text=True, check=True, cwd=ROOT).stdout
    result: dict[str, Any] = json.loads(output)
    return result


HEADLINE_ROUNDS = 3
MEMORY_PASSES = 4  # the allocator settles over the first pass or two; a leak would grow every pass


def bench_headline(report: Report, upstream: Service, ids: dict[str, Any], rest_path: str) -> None:
    """The ratio targets' points again, interleaved: every contender runs at once (idle ones cost nothing) and each
    round loads each in turn at concurrency 16, so a slow spell of this shared machine hits all alike. The
    targets are judged on the medians of HEADLINE_ROUNDS rounds."""
    python = sys.executable
    ports = {name: free_port() for name in ("proxy", "grpc_proxy", "http", "grpc", "hive", "http_unshared")}
    hive_home = hive_available() if os.environ.get("BENCH_HIVE", "1") != "0" else None
    with contextlib.ExitStack() as stack:
        proxy = stack.enter_context(service(
            "proxy", [python, "-m", "tests.bench.passthrough", "--upstream", upstream.url, "--port",
                      str(ports["proxy"])], f"http://127.0.0.1:{ports['proxy']}", rest_path, SUT_CPU))
        grpc_proxy_address = f"127.0.0.1:{ports['grpc_proxy']}"
        stack.enter_context(service(
            "gRPC pass-through", [python, "-m", "tests.bench.grpc_passthrough", "--upstream", upstream.url,
                                  "--port", str(ports["grpc_proxy"])], grpc_proxy_address,
            grpc_ready(grpc_proxy_address), SUT_CPU))
        gateway = stack.enter_context(service(
            "gateway", [python, "-m", "gateway", "serve", "--upstream-url", upstream.url, "--http-port",
                        str(ports["http"]), "--grpc-port", str(ports["grpc"])],
            f"http://127.0.0.1:{ports['http']}", "/readyz", SUT_CPU))
        unshared = stack.enter_context(service(
            "gateway, reads not shared", [python, "-m", "gateway", "serve", "--upstream-url", upstream.url,
                                          "--http-port", str(ports["http_unshared"]), "--grpc-port", "-1",
                                          "--no-share-reads"],
            f"http://127.0.0.1:{ports['http_unshared']}", "/readyz", SUT_CPU))
        web = gateway_scenarios(ids)["web list page (50, every field)"]
        points: list[tuple[str, Callable[[], dict[str, Any]]]] = []
        gateway_script = lua_script("POST", web, "headline-gateway")
        for _ in range(20):
            check_graphql(gateway.url + "/graphql", web)
            check_graphql(unshared.url + "/graphql", web)
        points.append((GQL_WEB, lambda: wrk(gateway.url + "/graphql", gateway_script, 16)))
        points.append((GQL_WEB_UNSHARED, lambda: wrk(unshared.url + "/graphql", gateway_script, 16)))
        if hive_home is not None:
            hive = stack.enter_context(service(
                "hive", [str(hive_home / "node_modules" / ".bin" / "hive-gateway"), "supergraph", "supergraph.graphql",
                         "--port", str(ports["hive"]), "--host", "127.0.0.1"], f"http://127.0.0.1:{ports['hive']}",
                "/healthcheck", SUT_CPU, env={"UMANIZE_UPSTREAM": upstream.url, "NODE_ENV": "production"},
                cwd=hive_home))
            hive_web = hive_scenarios(ids)["web list page (50, every field)"]
            hive_script = lua_script("POST", hive_web, "headline-hive")
            for _ in range(20):
                check_graphql(hive.url + "/graphql", hive_web)
            points.append((HIVE_WEB, lambda: wrk(hive.url + "/graphql", hive_script, 16)))
        rest_script = lua_script("GET", None, "rest")
        points.append((PROXY_WEB, lambda: wrk(proxy.url + rest_path, rest_script, 16)))
        campaign = DASHBOARD_CAMPAIGNS[0]
        grpc_address = f"127.0.0.1:{ports['grpc']}"
        points.append((GRPC_LIST, lambda: grpc_point(grpc_address, "list50", campaign, 16)))
        points.append((GRPC_PROXY, lambda: grpc_point(grpc_proxy_address, "passthrough", campaign, 16)))
        for label, url, address in extra_gateways(stack, upstream):
            for _ in range(20):
                check_graphql(url + "/graphql", web)
            points.append((f"GraphQL web list ({label})",
                           lambda url=url: wrk(url + "/graphql", gateway_script, 16)))  # type: ignore[misc]
            points.append((f"gRPC ListTargets ({label})",
                           lambda address=address: grpc_point(address, "list50", campaign, 16)))  # type: ignore[misc]
        rounds: list[dict[str, Any]] = []
        for number in range(HEADLINE_ROUNDS):
            for name, measure in points:
                count_before = upstream_count(upstream.url)
                result = measure()
                calls = (upstream_count(upstream.url) - count_before) / max(1, result["requests"])
                rounds.append({"round": number + 1, "point": name, "rps": result["rps"], "p99_ms": result["p99_ms"],
                               "upstream_calls_per_op": calls})
                print(json.dumps(rounds[-1]), flush=True)
        report.extra["headline"] = rounds


ABUSE_DOCUMENTS = 1000


def _distinct_documents(kind: str) -> Iterator[str]:
    """Distinct documents at a limit: 1 MiB (a comment pads it: one token; valid and answered), or 4,804 tokens
    (1,600 aliases: parsed and validated, then refused for its aliases, as an attacker's document would be)."""
    for n in range(ABUSE_DOCUMENTS):
        if kind == "1 MiB":
            yield f"query Q{n} {{ __typename }}\n#" + "x" * (1024 * 1024 - 200)
        else:
            yield f"query Q{n} {{ " + " ".join(f"a{n}x{i}: __typename" for i in range(1600)) + " }"


def bench_abuse(report: Report, upstream: Service, ids: dict[str, Any]) -> None:
    """What abuse costs: distinct documents at the size and token limits (time each, RSS over 1,000 of them),
    and the web list's p99 while another client sends operations that are refused, beside it without them."""
    python = sys.executable
    http, grpc_port = free_port(), free_port()
    command = [python, "-m", "gateway", "serve", "--upstream-url", upstream.url, "--http-port", str(http),
               "--grpc-port", str(grpc_port)]
    with service("gateway (abuse)", command, f"http://127.0.0.1:{http}", "/readyz", SUT_CPU) as gateway:
        url = gateway.url + "/graphql"
        documents: dict[str, Any] = {}
        with httpx.Client(headers={"x-api-key": KEY}, timeout=60) as client:
            for kind in ("1 MiB", "5,000-token"):
                rss = [gateway.memory_mb()[0]]
                times = []
                answers: dict[str, int] = {}
                for n, document in enumerate(_distinct_documents(kind)):
                    started = time.perf_counter()
                    answer = client.post(url, json={"query": document})
                    times.append(time.perf_counter() - started)
                    errors = answer.json().get("errors")
                    code = errors[0]["extensions"]["code"] if errors else "answered"
                    answers[code] = answers.get(code, 0) + 1
                    if (n + 1) % 250 == 0:
                        rss.append(gateway.memory_mb()[0])
                times.sort()
                documents[kind] = {"bytes": len(document), "median_ms": 1000 * times[len(times) // 2],
                                   "p99_ms": 1000 * times[int(len(times) * 0.99)], "rss_mb": rss,
                                   "answers": answers}
                print(json.dumps({"abuse": kind, **documents[kind]}), flush=True)
        web = gateway_scenarios(ids)["web list page (50, every field)"]
        script = lua_script("POST", web, "abuse-web")
        for _ in range(20):
            check_graphql(url, web)
        quiet = wrk(url, script, 16)
        stop = threading.Event()
        refused = [0]

        def abuse(seed: int) -> None:
            with httpx.Client(headers={"x-api-key": KEY}, timeout=30) as client:
                n = 0
                while not stop.is_set():
                    n += 1
                    aliases = " ".join(f"a{seed}x{n}x{i}: campaign(id: \"{ids['campaign']}\") {{ id }}"
                                       for i in range(31))  # distinct each time: parsed and validated, refused
                    answer = client.post(url, json={"query": "{ " + aliases + " }"}).json()
                    refused[0] += answer["errors"][0]["extensions"]["code"] == "OPERATION_LIMIT_EXCEEDED"

        threads = [threading.Thread(target=abuse, args=(seed,), daemon=True) for seed in range(4)]
        for thread in threads:
            thread.start()
        attacked = wrk(url, script, 16)
        stop.set()
        for thread in threads:
            thread.join(10)
        report.extra["abuse"] = {"documents": documents, "web_quiet": quiet, "web_attacked": attacked,
                                 "refused_during": refused[0], "seconds": SECONDS}
        print(json.dumps({"abuse": "web list p99", "quiet": quiet["p99_ms"], "attacked": attacked["p99_ms"],
                          "refused": refused[0]}), flush=True)


def baseline_tree(rev: str) -> Path:
    """The tree of commit ``rev`` under .bench-cache/ (made once), to run its gateway beside this one."""
    tree = CACHE / f"baseline-{rev}"
    if not (tree / "gateway").exists():
        tree.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "archive", rev], cwd=ROOT, capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    return tree


def extra_gateways(stack: contextlib.ExitStack, upstream: Service) -> list[tuple[str, str, str]]:
    """Baseline commits' gateways and traced gateways, started: (label, GraphQL URL, gRPC address) each."""
    python = sys.executable
    started: list[tuple[str, str, str]] = []
    sink_port = free_port()
    stack.enter_context(service("OTLP sink", [python, "-m", "tests.bench.otlp_sink", "--port", str(sink_port)],
                                f"http://127.0.0.1:{sink_port}", "/health", LOAD_CPU))
    runs: list[tuple[str, Path | None, dict[str, str]]] = [(label, baseline_tree(rev), {}) for rev, label in BASELINES]
    runs += [(label, None, {"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_ENDPOINT":
                            f"http://127.0.0.1:{sink_port}", **env}) for label, env in TRACING]
    runs.append(("access log off (UMANIZE_LOG_LEVEL=warning)", None, {"UMANIZE_LOG_LEVEL": "warning"}))
    for label, tree, env in runs:
        http, grpc_port = free_port(), free_port()
        command = [python, "-m", "gateway", "serve", "--upstream-url", upstream.url, "--http-port", str(http),
                   "--grpc-port", str(grpc_port)]
        if tree is not None:
            env = {**env, "PYTHONPATH": str(tree)}  # its own packages first, the shared virtualenv's libraries
        stack.enter_context(service(label, command, f"http://127.0.0.1:{http}", "/readyz", SUT_CPU, env=env,
                                    cwd=tree))
        started.append((label, f"http://127.0.0.1:{http}", f"127.0.0.1:{grpc_port}"))
    return started


def hive_available() -> Path | None:
    """Install Hive Gateway and Mesh into .bench-cache/hive (never committed) and compose the supergraph."""
    npm = shutil.which("npm")
    if npm is None:
        return None
    home = CACHE / "hive"
    home.mkdir(parents=True, exist_ok=True)
    for name in ("package.json", "mesh.config.ts"):
        shutil.copy(Path(__file__).parent / "hive" / name, home / name)
    shutil.copy(ROOT.parent / "shared" / "spec" / "umanize-targets.openapi.json", home)
    if not (home / "node_modules" / ".bin" / "hive-gateway").exists():
        subprocess.run([npm, "install", "--no-audit", "--no-fund", "--loglevel=error"], cwd=home, check=True)
    subprocess.run([str(home / "node_modules" / ".bin" / "mesh-compose"), "-o", "supergraph.graphql"], cwd=home,
                   check=True, capture_output=True)
    return home


def versions() -> dict[str, str]:
    from importlib.metadata import version

    found = {name: version(name) for name in ("strawberry-graphql", "graphql-core", "starlette", "uvicorn", "httpx",
                                               "grpcio", "protobuf")}
    found["python"] = platform.python_version()
    with contextlib.suppress(OSError, subprocess.CalledProcessError):
        found["wrk"] = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split()[1]
    with contextlib.suppress(OSError, subprocess.CalledProcessError):
        found["node"] = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    hive = CACHE / "hive" / "node_modules" / "@graphql-hive" / "gateway" / "package.json"
    if hive.exists():
        found["@graphql-hive/gateway"] = json.loads(hive.read_text())["version"]
    return found


def machine() -> dict[str, str]:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    memory = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))  # type: ignore[union-attr]
    return {"cpu": model, "cores": str(CORES), "memory_gb": f"{memory / 2**20:.1f}", "kernel": platform.release()}


SCALING_ROUNDS = 3


def bench_scaling(report: Report, upstream: Service, ids: dict[str, Any]) -> None:
    """The web list (varied and identical requests) and gRPC ListTargets (varied and identical, 8 connections)
    at 1 and 2 workers, concurrency 16; Hive Gateway beside the varied web list. One worker is pinned to CPU 1 as
    everywhere else; two workers get both CPUs, sharing CPU 0 with the load generator and the upstream (a
    2-core machine has no third). Medians of SCALING_ROUNDS interleaved rounds."""
    python = sys.executable
    varied = varied_gateway_bodies(ids["campaign"])
    identical = gateway_scenarios(ids)["web list page (50, every field)"]
    scripts = {"web list, varied": lua_cycle_script(varied, "scaling-varied"),
               "web list, identical": lua_script("POST", identical, "scaling-identical")}
    rounds: dict[tuple[str, str], list[dict[str, float]]] = {}
    with contextlib.ExitStack() as stack:
        gateways = {}
        for workers, cpus in ((1, {SUT_CPU}), (2, {0, 1})):
            http, grpc_port = free_port(), free_port()
            command = [python, "-m", "gateway", "serve", "--upstream-url", upstream.url, "--http-port", str(http),
                       "--grpc-port", str(grpc_port), "--workers", str(workers)]
            gateways[f"{workers} worker{'s' if workers > 1 else ''}"] = (stack.enter_context(service(
                f"gateway x{workers}", command, f"http://127.0.0.1:{http}", "/readyz", cpus)),
                f"127.0.0.1:{grpc_port}")
        hive_home = hive_available() if os.environ.get("BENCH_HIVE", "1") != "0" else None
        hive = None
        if hive_home is not None:
            hive_port = free_port()
            hive = stack.enter_context(service(
                "hive", [str(hive_home / "node_modules" / ".bin" / "hive-gateway"), "supergraph",
                         "supergraph.graphql", "--port", str(hive_port), "--host", "127.0.0.1"],
                f"http://127.0.0.1:{hive_port}", "/healthcheck", SUT_CPU,
                env={"UMANIZE_UPSTREAM": upstream.url, "NODE_ENV": "production"}, cwd=hive_home))
        for gateway, _ in gateways.values():
            for body in varied:  # every answer correct before it is timed
                check_graphql(gateway.url + "/graphql", body)
        hive_script = None
        if hive is not None:
            hive_bodies = varied_hive_bodies(ids["campaign"])
            for body in hive_bodies:
                check_graphql(hive.url + "/graphql", body)
            hive_script = lua_cycle_script(hive_bodies, "scaling-hive-varied")
        for _ in range(SCALING_ROUNDS):
            for label, (gateway, grpc_address) in gateways.items():
                for scenario, script in scripts.items():
                    rounds.setdefault((label, scenario), []).append(wrk(gateway.url + "/graphql", script, 16))
                for scenario, kind in (("gRPC ListTargets, varied", "list-varied"),
                                       ("gRPC ListTargets, identical", "list50")):
                    rounds.setdefault((label, scenario), []).append(
                        grpc_point(grpc_address, kind, ids["campaign"], 16, channels=8))
            if hive is not None and hive_script is not None:
                rounds.setdefault(("Hive Gateway", "web list, varied"), []).append(
                    wrk(hive.url + "/graphql", hive_script, 16))
    rows = []
    for (label, scenario), points in rounds.items():
        points.sort(key=lambda point: point["rps"])
        middle = points[len(points) // 2]
        rows.append({"contender": label, "scenario": scenario, "rps": middle["rps"], "p99_ms": middle["p99_ms"],
                     "rounds": [point["rps"] for point in points]})
        print(json.dumps({"scaling": rows[-1]}), flush=True)
    report.extra["scaling"] = {"measured": datetime.now(UTC).isoformat(timespec="seconds"), "rows": rows,
                               "distinct_varied_requests": len(varied)}


ENCODINGS = ("identity", "gzip", "br", "zstd")


def bench_compression(report: Report, gateway: Service) -> None:
    """The web list's bytes on the wire and throughput (concurrency 16) for each Accept-Encoding."""
    url = gateway.url + "/graphql"
    web = report.extra["web_list_body"]
    rows = []
    with httpx.Client(timeout=60) as client:
        for encoding in ENCODINGS:
            request = client.build_request("POST", url, content=web, headers={
                "content-type": "application/json", "x-api-key": KEY, "accept-encoding": encoding})
            response = client.send(request, stream=True)
            wire = len(b"".join(response.iter_raw()))
            script = lua_script("POST", web, f"compression-{encoding}", {"Accept-Encoding": encoding})
            for _ in range(20):
                check_graphql(url, web)
            point = wrk(url, script, 16)
            rows.append({"encoding": encoding, "bytes": wire, "rps": point["rps"], "p99_ms": point["p99_ms"],
                         "content_encoding": response.headers.get("content-encoding", "identity")})
            print(json.dumps({"compression": rows[-1]}), flush=True)
    report.extra["compression"] = {"measured": datetime.now(UTC).isoformat(timespec="seconds"), "rows": rows}


def main() -> None:
    CACHE.mkdir(exist_ok=True)
    DOCS.mkdir(exist_ok=True)
    report = Report()
    python = sys.executable
    upstream_port = free_port()
    upstream_url = f"http://127.0.0.1:{upstream_port}"
    with service("canned upstream", [python, "-m", "tests.bench.canned_upstream", "--port", str(upstream_port)],
                 upstream_url, "/_sandbox/health", LOAD_CPU) as upstream:
        ids = scenario_ids(upstream.url)
        rest_path = (f"/campaigns/{ids['campaign']}/targets?limit=50&offset=0&sort_field=created_at&sort_dir=desc"
                     "&include_aggregations=true")
        rest_script = lua_script("GET", None, "rest")
        httpx.get(upstream.url + rest_path, headers={"x-api-key": KEY})
        load_points(report, "upstream direct (floor)", "web list page (50, every field)", upstream,
                    upstream.url + rest_path, rest_script, 1)

        # A second floor: the sandbox computing the page from SQLite each time (the replay cache answers
        # from memory). It is what "the upstream answering the page directly" costs when it does real work.
        load_points(report, "upstream computing each page (sandbox, no replay)", "web list page (50, every field)",
                    upstream, upstream.url + UNCACHED + rest_path, rest_script, 1)

        proxy_port = free_port()
        with service("proxy", [python, "-m", "tests.bench.passthrough", "--upstream", upstream.url, "--port",
                               str(proxy_port)], f"http://127.0.0.1:{proxy_port}", rest_path, SUT_CPU) as proxy:
            load_points(report, "pass-through proxy (Starlette + httpx)", "web list page (50, every field)", proxy,
                        proxy.url + rest_path, rest_script, 1)

        http_port, grpc_port = free_port(), free_port()
        gateway_command = [python, "-m", "gateway", "serve", "--upstream-url", upstream.url, "--http-port",
                           str(http_port), "--grpc-port", str(grpc_port)]
        with service("gateway", gateway_command, f"http://127.0.0.1:{http_port}", "/readyz", SUT_CPU) as gateway:
            report.extra["idle_rss_mb"] = gateway.memory_mb()[0]
            scenarios = gateway_scenarios(ids)
            bench_graphql(report, "this gateway (GraphQL)", gateway, upstream.url, scenarios)
            grpc_address = f"127.0.0.1:{grpc_port}"
            bench_grpc(report, gateway, grpc_address, upstream.url)
            # Growth over many operations after warm-up. Warm-up: every scenario at every concurrency, twice over
            # (the measured pass above, then one more), so the allocator has seen the peak working set of 64
            # concurrent requests of each kind. Then RSS after each of MEMORY_PASSES further passes.
            served_before = sum(int(r.get("requests", 0)) for r in report.rows
                                if str(r["contender"]).startswith("this gateway"))
            bench_graphql(Report(), "this gateway (GraphQL)", gateway, upstream.url, scenarios)
            report.extra["rss_warm_mb"] = gateway.memory_mb()[0]
            warm = Report()
            series = []
            for _ in range(MEMORY_PASSES):
                bench_graphql(warm, "this gateway (GraphQL)", gateway, upstream.url, scenarios)
                series.append(gateway.memory_mb()[0])
            report.extra["rss_series_mb"] = series
            report.extra["rss_after_load_mb"] = series[-1]
            report.extra["operations_after_warm"] = sum(int(r.get("requests", 0)) for r in warm.rows)
            report.extra["operations_served"] = served_before + report.extra["operations_after_warm"]
            bench_imports(report, gateway, grpc_address, ids["campaign"])
            report.extra["web_list_body"] = scenarios["web list page (50, every field)"]
            bench_compression(report, gateway)

        hive_home = hive_available() if os.environ.get("BENCH_HIVE", "1") != "0" else None
        if hive_home is None:
            report.extra["hive"] = "not measured (npm missing, or BENCH_HIVE=0)"
        else:
            hive_port = free_port()
            hive_command = [str(hive_home / "node_modules" / ".bin" / "hive-gateway"), "supergraph",
                            "supergraph.graphql", "--port", str(hive_port), "--host", "127.0.0.1"]
            with service("hive", hive_command, f"http://127.0.0.1:{hive_port}", "/healthcheck", SUT_CPU,
                         env={"UMANIZE_UPSTREAM": upstream.url, "NODE_ENV": "production"}, cwd=hive_home) as hive:
                report.extra["hive_idle_rss_mb"] = hive.memory_mb()[0]
                bench_graphql(report, "Hive Gateway", hive, upstream.url, hive_scenarios(ids))

        bench_abuse(report, upstream, ids)
        bench_scaling(report, upstream, ids)
        bench_headline(report, upstream, ids, rest_path)

    results = {"generated": datetime.now(UTC).isoformat(timespec="seconds"), "machine": machine(),
               "versions": versions(), "seconds_per_point": SECONDS, "rows": report.rows, **report.extra}
    (DOCS / "benchmarks.json").write_text(json.dumps(results, indent=2) + "\n")
    from tests.bench.render import render

    (DOCS / "benchmarks.md").write_text(render(results))
    print(f"wrote {DOCS / 'benchmarks.md'}")


if __name__ == "__main__":
    main()
