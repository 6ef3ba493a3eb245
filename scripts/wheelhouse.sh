#!/usr/bin/env bash
# Downloads the serving wheels (requirements/serve.txt, hashed pins) for the image's platform and
# Python (CPython 3.11, glibc 2.36 x86_64) into wheelhouse/, so `docker build --network none` can
# install them with --no-index. The host's Python and pip config do not matter.
#   scripts/wheelhouse.sh [LOCK_FILE] [DEST]     (defaults requirements/serve.txt, wheelhouse/)
# Idempotent: skips when DEST/.lock.sha256 matches the lock file. Prints "downloaded" when it changed.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LOCK=${1:-$ROOT/requirements/serve.txt}
DEST=${2:-$ROOT/wheelhouse}
PIP=${PIP:-$ROOT/.venv/bin/pip}

lock_sum=$(sha256sum "$LOCK" | cut -d' ' -f1)
if [ "$(cat "$DEST/.lock.sha256" 2>/dev/null)" = "$lock_sum" ]; then
  echo "wheelhouse up to date"
  exit 0
fi

# A clean directory: wheels of an older lock must not be offered to the image build.
rm -rf "$DEST"
mkdir -p "$DEST"
# The host's pip config adds a local find-links folder and extra indexes; ignore them so the
# wheels come only from the index the lock was made against. Both manylinux tags are needed:
# with manylinux2014 alone pip silently picks an older numpy.
env -u PIP_FIND_LINKS PIP_CONFIG_FILE=/dev/null "$PIP" download -q \
  --only-binary=:all: --implementation cp --python-version 3.11 --abi cp311 \
  --platform manylinux_2_28_x86_64 --platform manylinux2014_x86_64 \
  --require-hashes -r "$LOCK" -d "$DEST"
echo "$lock_sum" >"$DEST/.lock.sha256"
echo "downloaded $(find "$DEST" -name '*.whl' | wc -l) wheels into $DEST"
