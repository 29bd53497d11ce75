"""A gRPC load generator: N concurrent grpc.aio callers in one pinned process; prints one JSON line."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time

import grpc
from google.protobuf.field_mask_pb2 import FieldMask

from gateway.grpc_api.generated import targets_pb2 as pb
from gateway.grpc_api.generated import targets_pb2_grpc as pb_grpc
from sandbox import DEMO_API_KEY

METADATA = (("x-api-key", DEMO_API_KEY),)
# What a service that routes targets might ask for: ids, stages, the customer's email and the AI's label.
READ_MASK = FieldMask(paths=["id", "stage", "customer.email", "ai_analysis.label"])


def varied_requests(campaign: str) -> list[pb.ListTargetsRequest]:
    """Distinct list requests, as many users send them: page sizes, sort orders and quick filters cycled."""
    requests = []
    for size in (10, 20, 25, 30, 40, 50):
        for field in (pb.TARGET_SORT_FIELD_CREATED_AT, pb.TARGET_SORT_FIELD_LAST_CONTACTED_AT):
            for label in (pb.AI_LABEL_UNSPECIFIED, pb.AI_LABEL_POSITIVE, pb.AI_LABEL_NEGATIVE, pb.AI_LABEL_NEUTRAL):
                requests.append(pb.ListTargetsRequest(
                    campaign_id=campaign, page_size=size, order=pb.TargetOrder(field=field),
                    filter=pb.TargetFilter(ai_label=label)))
    return requests


async def run(address: str, scenario: str, campaign: str, concurrency: int, duration: float,
              channels: int = 1) -> dict[str, object]:
    """``channels`` connections (each its own, not grpc's shared one), callers spread over them: the way a
    client reaches several workers or pods behind one port."""
    latencies: list[float] = []
    errors = 0
    items = 0
    varied = varied_requests(campaign)
    cursor = 0
    opened = [grpc.aio.insecure_channel(address, options=[("grpc.use_local_subchannel_pool", 1)])
              for _ in range(channels)]
    try:
        channel = opened[0]
        stubs = [pb_grpc.TargetsServiceStub(c) for c in opened]
        stub = stubs[0]

        forward = channel.unary_unary("/bench.Passthrough/Forward")

        async def one(stub: pb_grpc.TargetsServiceStub = stub) -> int:
            nonlocal cursor
            if scenario == "list-varied":
                cursor += 1
                response = await stub.ListTargets(varied[cursor % len(varied)], metadata=METADATA)
                return len(response.targets)
            if scenario == "passthrough":  # the REST page through tests/bench/grpc_passthrough.py, bytes unparsed
                body = await forward(f"/campaigns/{campaign}/targets?limit=50&offset=0&sort_field=created_at"
                                     "&sort_dir=desc".encode(), metadata=METADATA)
                return len(body)
            if scenario in ("list50", "list50-mask"):
                mask = READ_MASK if scenario == "list50-mask" else None
                response = await stub.ListTargets(pb.ListTargetsRequest(campaign_id=campaign, page_size=50,
                                                                        read_mask=mask), metadata=METADATA)
                return len(response.targets)
            count = 0
            async for message in stub.ExportTargets(pb.ExportTargetsRequest(campaign_id=campaign), metadata=METADATA):
                count += len(message.targets)
            return count

        for warming in stubs:
            await one(warming)  # warm the channels
        stop = time.monotonic() + duration

        async def worker(number: int) -> None:
            nonlocal errors, items
            mine = stubs[number % len(stubs)]
            while time.monotonic() < stop:
                started = time.perf_counter()
                try:
                    received = await one(mine)  # not ``items += await one()``: that reads items before the await
                except grpc.RpcError:
                    errors += 1
                    continue
                items += received
                latencies.append(time.perf_counter() - started)

        began = time.monotonic()
        await asyncio.gather(*(worker(n) for n in range(concurrency)))
        elapsed = time.monotonic() - began
    finally:
        for connection in opened:
            await connection.close()
    latencies.sort()

    def percentile(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000 if latencies else 0.0

    return {"requests": len(latencies), "errors": errors, "rps": len(latencies) / elapsed,
            "p50_ms": percentile(0.50), "p99_ms": percentile(0.99), "items": items}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--address", required=True)
    parser.add_argument("--scenario", choices=["list50", "list50-mask", "list-varied", "export", "passthrough"],
                        required=True)
    parser.add_argument("--channels", type=int, default=1)
    parser.add_argument("--campaign", required=True)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--cpu", type=int, default=None)
    args = parser.parse_args()
    if args.cpu is not None:
        os.sched_setaffinity(0, {args.cpu})
    print(json.dumps(asyncio.run(run(args.address, args.scenario, args.campaign, args.concurrency, args.duration,
                                     args.channels))))
