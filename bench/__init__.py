"""Benchmark harness: `bench/run.sh` or `python -m bench` (see bench/__main__.py)."""
