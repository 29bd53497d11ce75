"""The Umanize targets gateway: GraphQL and gRPC facades over the campaign-targets REST API."""
