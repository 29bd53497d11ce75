"""The GraphQL facade: strawberry types and root fields, the compiled fast path, error formatting and the HTTP view."""
