"""Generated protobuf and gRPC modules for umanize.targets.v1 (``make generate``; do not edit)."""
