"""Transport-free operations on campaign targets, shared by the GraphQL and gRPC facades."""
