"""`make bench`: every contender on one machine in one run; writes docs/benchmarks.md and docs/benchmarks.json."""
