#!/usr/bin/env bash
# The test command: setup of the deploy and test tools (idempotent), local services, linters, then the
# whole test suite.
#   scripts/test.sh [pytest options...]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
scripts/setup.sh test
scripts/services.sh start
export PATH="$ROOT/.venv/bin:$PATH"
echo "== ruff";        ruff check .
echo "== yamllint";    yamllint -s .
echo "== ansible-lint"; ansible-lint --profile production -q
echo "== pytest";      exec pytest "$@"
