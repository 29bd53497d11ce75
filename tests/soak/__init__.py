"""make soak: the gateway under rotating upstream faults, with a ledger of every write."""
