"""Benchmarks: each module runs with ``python -m benchmarks.NAME`` and prints one JSON object."""
