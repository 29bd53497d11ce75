"""Persisted operations: Automatic Persisted Queries (Apollo's protocol) and trusted documents from a manifest.

A request names its document by ``extensions.persistedQuery.sha256Hash`` (APQ) or by ``documentId`` (the
GraphQL-over-HTTP persisted-documents proposal, ``sha256:<hash>``). ``resolve`` turns either into a request that
carries its document, or refuses it with one of the codes below, before anything is parsed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graphql import OperationDefinitionNode, parse

from gateway.graphql_api.documents import BoundedCache, DocumentCache, document_digest

NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"  # unknown hash: the client sends the document with it (APQ's retry)
NOT_SUPPORTED = "PERSISTED_QUERY_NOT_SUPPORTED"  # APQ off, or a protocol version other than 1
HASH_MISMATCH = "PERSISTED_QUERY_HASH_MISMATCH"  # the document sent is not the one the hash names
NOT_IN_LIST = "PERSISTED_QUERY_NOT_IN_LIST"  # --require-persisted-documents: not in the trusted manifest
BAD_REQUEST = "BAD_REQUEST"  # a request parameter of the wrong type

_SHA256 = re.compile(r"[0-9a-fA-F]{64}")
APQ_STORE_BYTES = 16 * 1024 * 1024


@dataclass
class Refusal(Exception):
    """A request persisted operations cannot serve: the HTTP status and the GraphQL error's code."""

    status: int
    code: str
    message: str


def load_manifest(path: Path) -> dict[str, str]:
    """Documents by id from Apollo's persisted query manifest (``{"format": "apollo-persisted-query-manifest",
    "operations": [{"id", "body"}, ...]}``) or a plain ``{"<id>": "<document>"}`` map (GraphQL Code Generator's
    client preset, Relay). ValueError says what is wrong with the file."""
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"cannot read persisted documents from {path}: {error}") from error
    if isinstance(data, dict) and data.get("format") == "apollo-persisted-query-manifest":
        operations = data.get("operations")
        if not isinstance(operations, list) or not all(
                isinstance(o, dict) and isinstance(o.get("id"), str) and isinstance(o.get("body"), str)
                for o in operations):
            raise ValueError(f"{path}: an Apollo manifest's operations are objects with a string id and body")
        return {o["id"].lower() if _SHA256.fullmatch(o["id"]) else o["id"]: o["body"] for o in operations}
    if isinstance(data, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
        return {k.lower() if _SHA256.fullmatch(k) else k: v for k, v in data.items()}
    raise ValueError(f"{path}: neither an Apollo persisted query manifest nor a {{id: document}} map")


def manifest_of(operations: Path) -> dict[str, Any]:
    """Apollo's persisted query manifest of the operations in ``operations`` (one per ``*.graphql`` file, sent as
    the file's text): what ``make generate`` writes to graphql/persisted-documents.json."""
    entries = []
    for path in sorted(operations.glob("*.graphql")):
        body = path.read_text(encoding="utf-8")
        operation = next(d for d in parse(body).definitions if isinstance(d, OperationDefinitionNode))
        entries.append({"id": document_digest(body), "name": operation.name.value if operation.name else path.stem,
                        "type": operation.operation.value, "body": body})
    return {"format": "apollo-persisted-query-manifest", "version": 1, "operations": entries}


def check_parameters(payload: dict[str, Any]) -> None:
    """The request parameters' types (GraphQL over HTTP): a Refusal (400) for any that is wrong."""
    for name, kinds in (("query", str), ("operationName", str), ("variables", dict), ("extensions", dict),
                        ("documentId", str)):
        value = payload.get(name)
        if value is not None and not isinstance(value, kinds):
            raise Refusal(400, BAD_REQUEST, f"The request parameter {name!r} must be "
                                            f"{'a string' if kinds is str else 'an object'} or null")


class PersistedOperations:
    """The trusted manifest, the APQ store (bounded in bytes), and the rules between them."""

    def __init__(self, documents: DocumentCache, *, manifest: dict[str, str] | None = None, apq: bool = True,
                 require: bool = False, store_bytes: int = APQ_STORE_BYTES) -> None:
        self.documents = documents
        self.manifest = manifest or {}
        self.apq = apq and not require  # trusted documents only: nothing registers at run time
        self.require = require
        self.store: BoundedCache[str] = BoundedCache(store_bytes)
        self.trusted = {document_digest(body): body for body in self.manifest.values()}  # ids may be md5

    def is_trusted(self, query: str) -> bool:
        return document_digest(query) in self.trusted

    def resolve(self, payload: dict[str, Any]) -> dict[str, Any]:
        """``payload`` with its document (a new dict when it was named by hash or id); Refusal otherwise."""
        check_parameters(payload)
        query: str | None = payload.get("query")
        extensions = payload.get("extensions") or {}
        persisted = extensions.get("persistedQuery")
        if payload.get("documentId") is not None:
            document_id: str = payload["documentId"]
            key = document_id.removeprefix("sha256:")
            found = self.manifest.get(key.lower() if _SHA256.fullmatch(key) else key) or (
                self.store.get(key.lower(), None) if self.apq else None)
            if found is None:
                raise Refusal(200, NOT_FOUND, f"No persisted document has the id {document_id[:80]!r}")
            return {**payload, "query": found}
        if persisted is not None:
            return self._automatic(payload, query, persisted)
        if self.require and (query is None or not self.is_trusted(query)):
            raise Refusal(400, NOT_IN_LIST, "This gateway runs only its trusted documents: send one by its id")
        return payload

    def _automatic(self, payload: dict[str, Any], query: str | None, persisted: Any) -> dict[str, Any]:
        """Apollo's APQ: a hash alone is looked up; a hash with its document registers the document."""
        if not isinstance(persisted, dict) or not isinstance(persisted.get("sha256Hash"), str) \
                or not _SHA256.fullmatch(persisted["sha256Hash"]):
            raise Refusal(400, BAD_REQUEST, "extensions.persistedQuery needs a sha256Hash of 64 hex digits")
        if persisted.get("version") != 1:
            raise Refusal(400, NOT_SUPPORTED, "Only version 1 of persisted queries is supported")
        digest = persisted["sha256Hash"].lower()
        if not self.apq and not self.manifest:
            raise Refusal(200, NOT_SUPPORTED, "Persisted queries are not supported by this gateway")
        if query is None:
            found = self.trusted.get(digest) or (self.store.get(digest, None) if self.apq else None)
            if found is None:
                raise Refusal(200, NOT_FOUND, "PersistedQueryNotFound")
            return {**payload, "query": found}
        if document_digest(query) != digest:
            raise Refusal(400, HASH_MISMATCH, "The document's SHA-256 is not the persistedQuery hash sent")
        if digest in self.trusted:
            return payload
        if self.require:
            raise Refusal(400, NOT_IN_LIST, "This gateway runs only its trusted documents: send one by its id")
        if self.apq and self.documents.is_valid(query):
            self.store.put(digest, query, len(query))
        return payload
