"""HTTP content negotiation for GraphQL answers: the media type (Accept) and the content coding (Accept-Encoding)."""

from __future__ import annotations

JSON = "application/json"
GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
ENCODINGS = ("zstd", "br", "gzip")  # the gateway's preference among equally weighted codings


def weights(header: str) -> dict[str, float]:
    """An Accept or Accept-Encoding header's items and their q-values (1 when absent, 0 when unreadable);
    an item named twice keeps its highest weight."""
    found: dict[str, float] = {}
    for item in header.split(","):
        name, _, parameters = item.strip().partition(";")
        weight = 1.0
        for parameter in parameters.split(";"):
            key, _, value = parameter.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        name = name.strip().lower()
        found[name] = max(weight, found.get(name, 0.0))
    return found


def response_media_type(accept: str | None) -> str:
    """GraphQL over HTTP's negotiation: application/graphql-response+json when the client takes it at least as
    readily as application/json; application/json otherwise (and when it sends no Accept, as older clients)."""
    if not accept:
        return JSON
    given = weights(accept)
    graphql_weight = given.get(GRAPHQL_RESPONSE_JSON, 0.0)
    json_weight = max(given.get(JSON, 0.0), given.get("application/*", 0.0), given.get("*/*", 0.0))
    return GRAPHQL_RESPONSE_JSON if graphql_weight > 0 and graphql_weight >= json_weight else JSON


def response_encoding(accept_encoding: str | None) -> str | None:
    """The coding to send for an ``Accept-Encoding`` header (q-values, ``*``), or None for identity."""
    if not accept_encoding:
        return None
    given = weights(accept_encoding)
    wildcard = given.get("*", 0.0)
    best, best_weight = None, 0.0
    for name in ENCODINGS:
        weight = given.get(name, wildcard)
        if weight > best_weight:
            best, best_weight = name, weight
    return best
