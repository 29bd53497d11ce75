"""The ``umanize-gateway`` command line: ``serve`` (the gateway) and ``sandbox`` (the embedded upstream)."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import uvicorn

from gateway.config import OperationLimits, Settings, env
from gateway.telemetry.access import configure_logging, resolved_format
from gateway.telemetry.tracing import configure_from_environment, configured_exporters
from resolvers.upstream.resilience import ResilienceSettings
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


def _flag_bool(text: str) -> bool:
    return text.strip().lower() not in ("0", "false", "no", "off", "")


@dataclass(frozen=True)
class Option:
    """One ``serve`` option: its flag, the setting it fills (``limits.`` for OperationLimits), how its
    UMANIZE_* twin is read, and its help. Each setting is declared here once."""

    flag: str
    setting: str
    parse: Callable[[str], Any]
    help: str
    repeatable: bool = False

    @property
    def env_name(self) -> str:
        return self.flag.removeprefix("--").replace("-", "_").upper()

    def default(self, defaults: Settings) -> Any:
        section, _, name = self.setting.rpartition(".")
        value = getattr(getattr(defaults, SECTIONS[section]) if section else defaults, name)
        raw = env(self.env_name)
        if raw is None or raw == "":
            return value
        return tuple(part for part in raw.split(",") if part) if self.repeatable else self.parse(raw)


SECTIONS = {"limits": "operation_limits", "resilience": "resilience"}  # Option.setting prefixes


def _workers(text: str) -> int:
    """``auto`` (0: one per available CPU, decided at start) or a count of at least 1."""
    if text == "auto":
        return 0
    count = int(text)
    if count < 1:
        raise ValueError(text)
    return count


def _port(text: str) -> int | None:
    return None if int(text) < 0 else int(text)


OPTIONS = [
    Option("--upstream-url", "upstream_url", str,
           "the Umanize REST API; without it the embedded sandbox is started with demo data"),
    Option("--host", "host", str, "address for HTTP and gRPC (default: %(default)s)"),
    Option("--http-port", "http_port", int, "GraphQL, /healthz, /readyz (default: %(default)s)"),
    Option("--grpc-port", "grpc_port", _port, "gRPC port (default: %(default)s; -1 turns gRPC off)"),
    Option("--workers", "workers", _workers,
           "worker processes serving the same ports; auto: one per available CPU (default: %(default)s)"),
    Option("--shutdown-grace", "shutdown_grace_seconds", float,
           "seconds in-flight gRPC calls get to finish after SIGTERM (default: %(default)s)"),
    Option("--upstream-timeout", "upstream_timeout", float, "seconds per upstream call (default: %(default)s)"),
    Option("--upstream-concurrency", "upstream_concurrency", int,
           "upstream calls one request may have in flight (default: %(default)s)"),
    Option("--share-reads", "share_reads", _flag_bool,
           "identical upstream reads in flight at the same time, for the same credentials, share one call"),
    Option("--fast-path", "fast_path", _flag_bool,
           "run GraphQL operations over plain data on compiled plans; --no-fast-path runs everything on "
           "strawberry's executor"),
    Option("--max-upload-bytes", "max_upload_bytes", int, "import file size limit (default: %(default)s)"),
    Option("--max-request-bytes", "max_request_bytes", int,
           "JSON request bodies and GET query strings (default: %(default)s)"),
    Option("--client-body-timeout", "client_body_timeout", float,
           "seconds a request body may take to arrive (default: %(default)s)"),
    Option("--max-connections", "max_connections", int,
           "HTTP connections served at once; more are answered 503 (default: %(default)s)"),
    Option("--max-tokens", "limits.max_tokens", int, "tokens in a GraphQL document (default: %(default)s)"),
    Option("--max-depth", "limits.max_depth", int, "depth of a GraphQL operation (default: %(default)s)"),
    Option("--max-aliases", "limits.max_aliases", int, "aliases in a GraphQL operation (default: %(default)s)"),
    Option("--max-root-fields", "limits.max_root_fields", int,
           "root fields of a GraphQL operation (default: %(default)s)"),
    Option("--max-upstream-calls", "limits.max_upstream_calls", int,
           "upstream calls one request may make, estimated before and counted while it runs (default: "
           "%(default)s)"),
    Option("--max-result-objects", "limits.max_result_objects", int,
           "objects a GraphQL operation may return, estimated before it runs (default: %(default)s)"),
    Option("--operation-timeout", "operation_timeout", float,
           "seconds for a whole GraphQL operation; gRPC uses the smaller of this and the caller's deadline "
           "(default: %(default)s)"),
    Option("--upstream-retries", "resilience.retries", int,
           "extra attempts for an upstream call the retry table allows (default: %(default)s)"),
    Option("--retry-budget", "resilience.budget_ratio", float,
           "retries at most this share of upstream calls over 10 s, plus 3 per second (default: %(default)s)"),
    Option("--breaker-failures", "resilience.breaker_failures", int,
           "consecutive upstream failures that open the circuit breaker (default: %(default)s)"),
    Option("--breaker-error-rate", "resilience.breaker_error_rate", float,
           "share of failed upstream calls over 10 s (at least 20 calls) that opens it (default: %(default)s)"),
    Option("--breaker-open-seconds", "resilience.breaker_open_seconds", float,
           "seconds the breaker stays open before one probe call may pass (default: %(default)s)"),
    Option("--max-upstream-in-flight", "resilience.max_in_flight", int,
           "upstream calls in flight at once, all requests together (default: %(default)s)"),
    Option("--upstream-queue-timeout", "resilience.queue_timeout", float,
           "seconds a call may wait for a place before it is shed with OVERLOADED (default: %(default)s)"),
    Option("--introspection", "introspection", _flag_bool,
           "GraphQL introspection, field suggestions and gRPC reflection (default: on)"),
    Option("--cors-origin", "cors_origins", str,
           "a browser origin allowed to call /graphql (repeatable; none by default)", repeatable=True),
    Option("--expose-upstream-errors", "expose_upstream_errors", _flag_bool,
           "pass the upstream's error text to clients (trusted deployments only; default: off)"),
    Option("--log-format", "log_format", str, "auto (JSON unless stdout is a terminal), json or text"),
    Option("--log-level", "log_level", str, "the log's level (default: %(default)s)"),
    Option("--service-api-key", "service_api_key", str,
           "X-API-Key sent for callers without credentials (off unless set)"),
    Option("--sandbox-db", "sandbox_db", str, "SQLite file of the embedded sandbox (default: %(default)s)"),
    Option("--persisted-queries", "persisted_queries", _flag_bool,
           "Automatic Persisted Queries: documents registered and then sent by hash (default: on)"),
    Option("--persisted-documents", "persisted_documents", str,
           "a trusted-documents manifest (Apollo's format or a {hash: document} map)"),
    Option("--require-persisted-documents", "require_persisted_documents", _flag_bool,
           "run only the manifest's documents (default: off)"),
    Option("--compression-min-bytes", "compression_min_bytes", int,
           "GraphQL answers this large are compressed (zstd, br, gzip) when accepted; -1: never "
           "(default: %(default)s)"),
    Option("--grpc-compression", "grpc_compression", str,
           "gRPC responses compressed for clients that accept it: none, gzip, deflate (default: %(default)s)"),
]


def _add_serve_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    defaults = Settings()
    parser = commands.add_parser("serve", help="run the gateway (GraphQL over HTTP, gRPC)",
                                 description="Every option can also be set as UMANIZE_<OPTION> in the environment "
                                             "(repeatable ones comma-separated).")
    for option in OPTIONS:
        default = option.default(defaults)
        if option.parse is _flag_bool:
            parser.add_argument(option.flag, action=argparse.BooleanOptionalAction, default=default,
                                help=option.help)
        elif option.repeatable:  # flags replace the environment's list rather than add to it
            parser.add_argument(option.flag, action="append", default=None, help=option.help, dest=option.setting)
        else:
            parser.add_argument(option.flag, type=option.parse, default=default, help=option.help)


def settings_from(args: argparse.Namespace) -> Settings:
    """The Settings the parsed ``serve`` options describe."""
    values: dict[str, Any] = {}
    sections: dict[str, dict[str, Any]] = {section: {} for section in SECTIONS}
    for option in OPTIONS:
        section, _, name = option.setting.rpartition(".")
        if option.repeatable:
            value = tuple(getattr(args, option.setting) or option.default(Settings()))
        else:
            value = getattr(args, option.flag[2:].replace("-", "_"))
        (sections[section] if section else values)[name] = value
    return Settings(**values, operation_limits=OperationLimits(**sections["limits"]),
                    resilience=ResilienceSettings(**sections["resilience"]))


def _shown(url: str) -> str:
    """A URL as the banner shows it: no query string (it may carry a token)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def run_serve(args: argparse.Namespace) -> int:
    from gateway import workers

    settings = settings_from(args)
    problem = settings.problem()
    if problem is None and settings.persisted_documents:
        from gateway.graphql_api.persisted import load_manifest

        try:
            load_manifest(Path(settings.persisted_documents))
        except ValueError as error:
            problem = str(error)
    count = settings.workers or workers.available_cores()
    if problem is None and settings.grpc_port is not None:
        if settings.grpc_port == 0 and count > 1:  # every worker must bind the same port: pick it here
            settings = replace(settings, grpc_port=workers.free_port(settings.host))
        elif settings.grpc_port and workers.port_in_use(settings.host, settings.grpc_port):
            problem = (f"the gRPC port {settings.host}:{settings.grpc_port} is in use by another process "
                       "(choose another with --grpc-port, or -1 for no gRPC)")
    if problem is not None:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    settings = replace(settings, workers=count)
    configure_logging(settings.log_format, settings.log_level)
    # with workers, each configures its own tracer provider; the supervisor only reports whether they will
    tracing = configure_from_environment() if count == 1 else bool(configured_exporters())
    embedded: ThreadedServer | None = None
    store: Store | None = None
    if settings.upstream_url is None:  # one sandbox, whatever the number of workers
        store = Store(settings.sandbox_db)
        seed_demo_data(store)
        embedded = ThreadedServer(Sandbox(store)).start()
        settings = replace(settings, upstream_url=embedded.url, demo_api_key=DEMO_API_KEY,
                           demo_campaign_id=DEMO_CAMPAIGN_ID)
    try:
        try:
            supervisor = workers.Supervisor(settings, count) if count > 1 else None
        except OSError as error:  # the supervisor binds the HTTP port itself: say which, without a traceback
            print(f"error: cannot listen on {settings.host}:{settings.http_port} for HTTP ({error.strerror})",
                  file=sys.stderr)
            return 2
        if supervisor is not None:
            settings = supervisor.settings
        _print_banner(settings, tracing, embedded, count)
        if supervisor is not None:
            return supervisor.run()
        workers.serve_in_process(settings)
        return 0
    finally:
        if embedded is not None:
            embedded.stop()
        if store is not None:
            store.close()


def _print_banner(settings: Settings, tracing: bool, embedded: ThreadedServer | None, count: int) -> None:
    base = f"http://{settings.host}:{settings.http_port}"
    banner = [f"Umanize gateway: GraphQL (and GraphiQL) at {base}/graphql   health: {base}/healthz, {base}/readyz"]
    if settings.grpc_port is not None:
        banner.append(f"  gRPC: {settings.host}:{settings.grpc_port} (umanize.targets.v1.TargetsService, health, "
                      "reflection)")
    banner.append(f"  metrics: {base}/metrics   traces: {'on (OTEL_* variables)' if tracing else 'off'}   "
                  f"workers: {count}")
    if embedded is not None:
        banner += [f"  upstream: embedded sandbox at {embedded.url} (database: {settings.sandbox_db})",
                   f"  demo campaign: {DEMO_CAMPAIGN_ID}",
                   f"  demo API key: {DEMO_API_KEY}   (send it as the X-API-Key header)"]
    else:
        banner.append(f"  upstream: {_shown(settings.upstream_url or '')}")
    if resolved_format(settings.log_format) == "json":  # stdout carries one JSON object per line: the banner too
        logging.getLogger("gateway").info("started", extra={"banner": banner})
    else:
        print("\n".join(banner))
    sys.stdout.flush()


def export_schema(args: argparse.Namespace) -> int:
    from gateway.graphql_api.schema import schema

    text = schema.as_str() + "\n"
    if args.output == "-":
        sys.stdout.write(text)
    else:
        Path(args.output).write_text(text, encoding="utf-8")
    return 0


def export_persisted_documents(args: argparse.Namespace) -> int:
    from gateway.graphql_api.persisted import manifest_of

    text = json.dumps(manifest_of(Path(args.operations)), indent=2, ensure_ascii=False) + "\n"
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
    commands.add_parser("worker", help="(internal) one worker process of serve --workers N")
    schema_parser = commands.add_parser("export-schema", help="print the GraphQL schema (the committed contract)")
    schema_parser.add_argument("--output", default="-", help="file to write, or - for stdout")
    documents_parser = commands.add_parser(
        "export-persisted-documents", help="print the trusted-documents manifest of graphql/operations/")
    documents_parser.add_argument("--operations", default="graphql/operations", help="folder of *.graphql files")
    documents_parser.add_argument("--output", default="-", help="file to write, or - for stdout")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        return run_serve(args)
    if args.command == "sandbox":
        return run_sandbox(args)
    if args.command == "worker":
        from gateway.workers import worker_main

        return worker_main()
    if args.command == "export-schema":
        return export_schema(args)
    if args.command == "export-persisted-documents":
        return export_persisted_documents(args)
    raise AssertionError(f"unhandled command {args.command}")
