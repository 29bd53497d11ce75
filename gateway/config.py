"""Gateway settings, from command-line flags or ``UMANIZE_*`` environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from resolvers.upstream.resilience import ResilienceSettings

ENV_PREFIX = "UMANIZE_"


def env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(ENV_PREFIX + name, default)


@dataclass(frozen=True)
class OperationLimits:
    """What one operation may ask for (graphql_api/limits.py checks them); the defaults are the CLI's (README,
    Limits). ``max_upstream_calls`` applies to gRPC calls too."""

    max_tokens: int = 5000
    max_depth: int = 10
    max_aliases: int = 30
    max_root_fields: int = 10
    max_upstream_calls: int = 30
    max_result_objects: int = 10_000


@dataclass(frozen=True)
class Settings:
    """Everything ``umanize-gateway serve`` can be told; ``upstream_url=None`` means the embedded sandbox."""

    upstream_url: str | None = None
    host: str = "127.0.0.1"
    http_port: int = 8000
    grpc_port: int | None = 50051  # None: no gRPC server; 0: any free port
    shutdown_grace_seconds: float = 10.0
    workers: int = 1  # worker processes (gateway/workers.py); 0: one per available CPU
    upstream_timeout: float = 10.0
    upstream_concurrency: int = 8
    upstream_max_connections: int = 100
    share_reads: bool = True  # identical upstream reads in flight at once share one call (shared_reads.py)
    fast_path: bool = True  # GraphQL operations over plain data run on compiled plans (graphql_api/fast_path.py)
    max_upload_bytes: int = 50 * 1024 * 1024
    max_request_bytes: int = 1024 * 1024  # JSON bodies and GET query strings
    client_body_timeout: float = 30.0  # seconds for a whole request body to arrive
    max_connections: int = 1024  # HTTP connections served at once; past it, 503
    cors_origins: tuple[str, ...] = ()
    expose_upstream_errors: bool = False  # pass the upstream's error text to clients (trusted deployments only)
    service_api_key: str | None = None
    sandbox_db: str = ".sandbox/demo.db"
    operation_limits: OperationLimits = field(default_factory=OperationLimits)
    resilience: ResilienceSettings = field(default_factory=ResilienceSettings)
    operation_timeout: float = 30.0  # seconds for a whole GraphQL operation; caps a gRPC caller's deadline
    introspection: bool = True
    log_format: str = "auto"  # json, text, or auto: JSON unless stdout is a terminal
    log_level: str = "info"
    persisted_queries: bool = True  # Automatic Persisted Queries (graphql_api/persisted.py)
    persisted_documents: str | None = None  # a trusted-documents manifest
    require_persisted_documents: bool = False  # only the manifest's documents run
    compression_min_bytes: int = 1024  # GraphQL bodies this large are compressed when the client accepts; -1: never
    demo_api_key: str | None = None  # set by serve over the embedded sandbox: GraphiQL starts with it
    demo_campaign_id: str | None = None  # and with the web list of this campaign
    grpc_compression: str = "none"  # the gRPC server's default response compression: none, gzip or deflate

    def problem(self) -> str | None:
        """Why these settings cannot serve, or None. Never echoes a secret."""
        if self.log_format not in ("auto", "json", "text"):
            return "--log-format must be auto, json or text"
        if self.log_level.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            return "--log-level must be debug, info, warning, error or critical"
        if self.require_persisted_documents and not self.persisted_documents:
            return "--require-persisted-documents needs --persisted-documents FILE"
        if self.grpc_compression not in ("none", "gzip", "deflate"):
            return "--grpc-compression must be none, gzip or deflate"
        if self.upstream_url is not None:
            parts = urlsplit(self.upstream_url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                return "--upstream-url must be an http(s) URL with a host"
            if parts.username is not None or parts.password is not None:
                return ("--upstream-url must not carry credentials (user:password@host): callers' own credentials "
                        "are forwarded, and --service-api-key covers callers without any")
        return None
