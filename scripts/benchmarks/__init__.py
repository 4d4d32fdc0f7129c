"""The parts of `make bench`: scripts/bench.py is the entry point, docs/benchmarks.md the report."""
