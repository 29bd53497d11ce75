"""The ``umanize-gateway`` command line: ``serve`` (the gateway) and ``sandbox`` (the embedded upstream)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

import uvicorn

from sandbox import DEMO_API_KEY, DEMO_CAMPAIGN_ID, DEMO_TENANT, FaultConfig, Sandbox, SandboxSettings, Store
from sandbox import seed_demo as seed_demo_data

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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="umanize-gateway", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    _add_sandbox_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "sandbox":
        return run_sandbox(args)
    raise AssertionError(f"unhandled command {args.command}")
