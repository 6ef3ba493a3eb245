#!/usr/bin/env bash
# Sets the machine up (idempotent) and runs the full deploy on the local target:
#   scripts/deploy.sh [ansible-playbook options...]
# BANKNOTE_DATA=PATH uses a local copy of the data set instead of downloading the UCI original.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
scripts/setup.sh
extra=()
[ -n "${BANKNOTE_DATA:-}" ] && extra+=(-e "training_data=$(realpath "$BANKNOTE_DATA")")
exec .venv/bin/ansible-playbook site.yml "${extra[@]}" "$@"
