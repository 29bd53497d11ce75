"""Test scaffolding shared across files: loopback servers, gRPC call helpers, counting upstream transports."""
