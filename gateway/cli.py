"""The ``umanize-gateway`` command line: ``serve`` (the gateway) and ``sandbox`` (the embedded upstream)."""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import uvicorn

from gateway.config import Settings, env
from sandbox import DEMO_API_KEY, DEMO_CAMPAIGN_ID, DEMO_TENANT, FaultConfig, Sandbox, SandboxSettings, Store
from sandbox import seed_demo as seed_demo_data
from sandbox.server import ThreadedServer

DEFAULT_SANDBOX_DB = ".sandbox/sandbox.db"


def _credentials(pairs: Sequence[str]) -> dict[str, str]:
    """``KEY`` or ``KEY=TENANT`` arguments as a key -> tenant map; the demo key when none are given."""
    if not pairs:
        return {DEMO_API_KEY: DEMO_TENANT}
    credentials = {}
    for pair in pairs:
        key, _, tenant = pair.partition("=")
        credentials[key] = tenant or DEMO_TENANT
    return credentials


def _add_sandbox_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("sandbox", help="run the embedded Umanize REST API (SQLite)")
    parser.add_argument("--host", default=os.environ.get("SANDBOX_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("SANDBOX_PORT", "8100")))
    parser.add_argument("--db", default=os.environ.get("SANDBOX_DB", DEFAULT_SANDBOX_DB),
                        help="SQLite file, or :memory: (default: %(default)s)")
    parser.add_argument("--seed", action="store_true", help="create the demo campaigns if they do not exist")
    parser.add_argument("--api-key", action="append", default=[], metavar="KEY[=TENANT]",
                        help=f"accepted credential (repeatable); default: {DEMO_API_KEY}")
    faults = parser.add_argument_group("fault injection (off by default)")
    faults.add_argument("--latency-ms", type=float, default=0.0)
    faults.add_argument("--error-rate", type=float, default=0.0)
    faults.add_argument("--error-status", type=int, default=503)
    faults.add_argument("--drop-rate", type=float, default=0.0)


def run_sandbox(args: argparse.Namespace) -> int:
    faults = FaultConfig(latency_ms=args.latency_ms, error_rate=args.error_rate,
                         error_status=args.error_status, drop_rate=args.drop_rate)
    problems = faults.validate()
    if problems:
        print("error: " + "; ".join(problems), file=sys.stderr)
        return 2
    store = Store(args.db)
    if args.seed:
        seed_demo_data(store)
    credentials = _credentials(args.api_key)
    app = Sandbox(store, SandboxSettings(credentials=credentials, faults=faults))
    print(f"Umanize sandbox on http://{args.host}:{args.port} (database: {args.db})")
    print(f"  API key: {next(iter(credentials))}   demo campaign: {DEMO_CAMPAIGN_ID}")
    print(f"  try: curl -H 'X-API-Key: {next(iter(credentials))}' "
          f"'http://{args.host}:{args.port}/campaigns/{DEMO_CAMPAIGN_ID}/targets?limit=2'", flush=True)
    try:
        uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    finally:
        store.close()
    return 0


def _add_serve_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    defaults = Settings()
    parser = commands.add_parser("serve", help="run the gateway (GraphQL over HTTP)",
                                 description="Every option can also be set as UMANIZE_<OPTION> in the environment.")
    parser.add_argument("--upstream-url", default=env("UPSTREAM_URL"),
                        help="the Umanize REST API; without it the embedded sandbox is started with demo data")
    parser.add_argument("--host", default=env("HOST", defaults.host))
    parser.add_argument("--http-port", type=int, default=int(env("HTTP_PORT", str(defaults.http_port)) or 0))
    parser.add_argument("--grpc-port", type=int, default=int(env("GRPC_PORT", str(defaults.grpc_port)) or 0),
                        help="gRPC port (default: %(default)s; -1 turns gRPC off)")
    parser.add_argument("--shutdown-grace", type=float,
                        default=float(env("SHUTDOWN_GRACE", str(defaults.shutdown_grace_seconds)) or 0),
                        help="seconds in-flight gRPC calls get to finish after SIGTERM (default: %(default)s)")
    parser.add_argument("--upstream-timeout", type=float,
                        default=float(env("UPSTREAM_TIMEOUT", str(defaults.upstream_timeout)) or 0),
                        help="seconds per upstream call (default: %(default)s)")
    parser.add_argument("--upstream-concurrency", type=int,
                        default=int(env("UPSTREAM_CONCURRENCY", str(defaults.upstream_concurrency)) or 0),
                        help="upstream calls one request may have in flight (default: %(default)s)")
    parser.add_argument("--share-reads", action=argparse.BooleanOptionalAction,
                        default=(env("SHARE_READS", "1") or "1").lower() not in ("0", "false", "no", "off"),
                        help="identical upstream reads in flight at the same time, for the same credentials, "
                             "share one call (default: on)")
    parser.add_argument("--fast-path", action=argparse.BooleanOptionalAction,
                        default=(env("FAST_PATH", "1") or "1").lower() not in ("0", "false", "no", "off"),
                        help="run GraphQL operations over plain data on compiled plans; --no-fast-path runs "
                             "everything on strawberry's executor (default: on)")
    parser.add_argument("--max-upload-bytes", type=int,
                        default=int(env("MAX_UPLOAD_BYTES", str(defaults.max_upload_bytes)) or 0))
    parser.add_argument("--service-api-key", default=env("SERVICE_API_KEY"),
                        help="X-API-Key sent for callers without credentials (off unless set)")
    parser.add_argument("--sandbox-db", default=env("SANDBOX_DB", defaults.sandbox_db),
                        help="SQLite file of the embedded sandbox (default: %(default)s)")


def run_serve(args: argparse.Namespace) -> int:
    from gateway.app import create_app
    from gateway.runtime import GatewayRuntime

    settings = Settings(
        upstream_url=args.upstream_url, host=args.host, http_port=args.http_port,
        grpc_port=None if args.grpc_port < 0 else args.grpc_port, shutdown_grace_seconds=args.shutdown_grace,
        upstream_timeout=args.upstream_timeout, upstream_concurrency=args.upstream_concurrency,
        share_reads=args.share_reads, fast_path=args.fast_path, max_upload_bytes=args.max_upload_bytes,
        service_api_key=args.service_api_key,
        sandbox_db=args.sandbox_db,
    )
    embedded: ThreadedServer | None = None
    store: Store | None = None
    if settings.upstream_url is None:
        store = Store(settings.sandbox_db)
        seed_demo_data(store)
        embedded = ThreadedServer(Sandbox(store)).start()
        settings = replace(settings, upstream_url=embedded.url)
    runtime = GatewayRuntime.from_settings(settings)
    base = f"http://{settings.host}:{settings.http_port}"
    print(f"Umanize gateway: GraphQL (and GraphiQL) at {base}/graphql   health: {base}/healthz, {base}/readyz")
    if settings.grpc_port is not None:
        print(f"  gRPC: {settings.host}:{settings.grpc_port} (umanize.targets.v1.TargetsService, health, reflection)")
    if embedded is not None:
        print(f"  upstream: embedded sandbox at {embedded.url} (database: {settings.sandbox_db})")
        print(f"  demo campaign: {DEMO_CAMPAIGN_ID}")
        print(f"  demo API key: {DEMO_API_KEY}   (send it as the X-API-Key header)")
    else:
        print(f"  upstream: {settings.upstream_url}")
    sys.stdout.flush()
    app = create_app(runtime)
    tune_garbage_collector()
    try:
        uvicorn.run(app, host=settings.host, port=settings.http_port, log_level="warning")
    finally:
        if embedded is not None:
            embedded.stop()
        if store is not None:
            store.close()
    return 0


def tune_garbage_collector() -> None:
    """Objects alive after start-up (modules, the schema) are frozen out of the cyclic collector's scans, which
    took ~9% of a gRPC ListTargets profile. Its thresholds stay at the defaults: raising them let cyclic
    garbage pile up to ~500 MB during 10,000-target exports (measured by make bench)."""
    gc.collect()
    gc.freeze()


def export_schema(args: argparse.Namespace) -> int:
    from gateway.graphql_api.schema import schema

    text = schema.as_str() + "\n"
    if args.output == "-":
        sys.stdout.write(text)
    else:
        Path(args.output).write_text(text, encoding="utf-8")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="umanize-gateway", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    _add_serve_parser(commands)
    _add_sandbox_parser(commands)
    schema_parser = commands.add_parser("export-schema", help="print the GraphQL schema (the committed contract)")
    schema_parser.add_argument("--output", default="-", help="file to write, or - for stdout")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        return run_serve(args)
    if args.command == "sandbox":
        return run_sandbox(args)
    if args.command == "export-schema":
        return export_schema(args)
    raise AssertionError(f"unhandled command {args.command}")
