#!/usr/bin/env bash
# The benchmark in one command (builds the image, measures, prints and writes build/bench/results.md):
#   bench/run.sh [--update-docs] [--duration 10] [--no-build --image TAG] ...
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
command -v wrk >/dev/null || { echo "bench: wrk is missing: run scripts/setup.sh" >&2; exit 1; }
docker info >/dev/null 2>&1 || { echo "bench: the Docker engine is not running: scripts/services.sh start dockerd" >&2; exit 1; }
exec "$ROOT/.venv/bin/python" -m bench "$@"
