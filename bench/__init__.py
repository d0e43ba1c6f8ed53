"""Benchmarks: each bench_*.py module has ``main() -> int`` and prints a table with a ratio to a
baseline measured in the same run. `make bench` (``python -m bench``) runs them all."""
