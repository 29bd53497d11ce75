"""The upstream REST client: one pooled httpx.AsyncClient, credentials forwarding, error mapping."""

from gateway.upstream.client import Caller, UpstreamClient, error_from_response, mapped_transport_errors

__all__ = ["Caller", "UpstreamClient", "error_from_response", "mapped_transport_errors"]
