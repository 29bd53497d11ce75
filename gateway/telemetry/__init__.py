"""Observability: Prometheus metrics, OpenTelemetry traces and the access log, shared by both transports."""
