"""gRPC call helpers for end-to-end tests: credentials, a failed call's rich details, streamed imports."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from gateway.grpc_api.generated import targets_pb2 as pb
from sandbox import DEMO_API_KEY
from sandbox.store import CustomerFields
from tests.support.servers import SandboxHandle

AUTH = [("x-api-key", DEMO_API_KEY)]


def details(error: grpc.RpcError) -> dict[str, Any]:
    """The google.rpc details of a failed call, by type name."""
    status = rpc_status.from_call(error)  # type: ignore[arg-type]
    assert status is not None, "every error carries google.rpc.Status details"
    found: dict[str, Any] = {}
    for detail in status.details:
        for kind in (error_details_pb2.ErrorInfo, error_details_pb2.BadRequest, error_details_pb2.RetryInfo):
            if detail.Is(kind.DESCRIPTOR):
                message = kind()
                detail.Unpack(message)
                assert kind.__name__ not in found, f"more than one {kind.__name__}"
                found[kind.__name__] = message
    return found


def fails(call: Any, *args: Any, **kwargs: Any) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as caught:
        call(*args, **kwargs)
    error = caught.value
    assert isinstance(error, grpc.RpcError)
    return error


def import_messages(campaign: str, data: bytes, chunk: int = 256 * 1024) -> Iterator[pb.ImportTargetsRequest]:
    yield pb.ImportTargetsRequest(metadata=pb.ImportTargetsMetadata(
        campaign_id=campaign, file_name="people.csv", content_type="text/csv"))
    for start in range(0, len(data), chunk):
        yield pb.ImportTargetsRequest(chunk=data[start:start + chunk])


def large_campaign(sandbox: SandboxHandle, size: int, prefix: str) -> str:
    campaign = sandbox.new_campaign(0)
    with sandbox.store.transaction() as db:
        for n in range(size):
            customer = sandbox.store.insert_customer(db, "demo", CustomerFields(customer_id=f"{prefix}-{n}",
                                                                                 email=f"{prefix}{n}@example.com"))
            sandbox.store.insert_target(db, campaign, customer, None)
    return campaign
