"""The gRPC facade: the umanize.targets.v1 TargetsService, health and reflection, served by grpc.aio."""
