"""The operations both transports call: lists, lookups, writes, exports, and the per-request context and loaders."""
