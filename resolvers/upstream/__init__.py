"""The upstream REST client: one pooled httpx.AsyncClient, credentials forwarding, error mapping."""

from resolvers.upstream.client import Caller, UpstreamClient, mapped_transport_errors

__all__ = ["Caller", "UpstreamClient", "mapped_transport_errors"]
