#!/usr/bin/env bash
# Builds the service image offline, in one command: the local base image (if missing), the wheelhouse
# (if the lock changed), then `docker build --network none` with the revision and model labels.
#   scripts/build-image.sh [TAG]                 (default banknote:dev)
# Environment:
#   MODEL_DIR    serving artifact to bake in (default build/model/serving; any path works)
#   BASE_IMAGE   base for both stages (default banknote/python-base:3.11-bookworm, built here if missing;
#                set python:3.11-slim-bookworm where Docker Hub is reachable)
#   IIDFILE      if set, the image ID is written there
# The build context is staged in a temporary directory holding exactly what .dockerignore lets in,
# so a model outside the repository needs no copy into build/.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TAG=${1:-banknote:dev}
MODEL_DIR=${MODEL_DIR:-$ROOT/build/model/serving}
BASE_IMAGE=${BASE_IMAGE:-banknote/python-base:3.11-bookworm}

if [ ! -f "$MODEL_DIR/model.json" ]; then
  echo "build-image: no serving artifact at $MODEL_DIR (model.json missing):" \
       "run \`.venv/bin/python -m training --data CSV --out build/model\` or set MODEL_DIR" >&2
  exit 1
fi
case "$BASE_IMAGE" in
  banknote/python-base:*) "$ROOT/scripts/build-base-image.sh" "$BASE_IMAGE" ;;
esac
"$ROOT/scripts/wheelhouse.sh"

CONTEXT=$(mktemp -d "${TMPDIR:-/tmp}/banknote-context.XXXXXX")
trap 'rm -rf "$CONTEXT" "$CONTEXT.log"' EXIT
mkdir -p "$CONTEXT/requirements" "$CONTEXT/build/model"
cp -r "$ROOT/Dockerfile" "$ROOT/.dockerignore" "$ROOT/app" "$ROOT/wheelhouse" "$CONTEXT/"
cp "$ROOT/requirements/serve.txt" "$CONTEXT/requirements/"
cp -r "$MODEL_DIR" "$CONTEXT/build/model/serving"
# COPY keeps modes: files a restrictive umask made private would be unreadable by the image's user.
chmod -R a+rX "$CONTEXT"

revision=$(git -C "$ROOT" rev-parse HEAD 2>/dev/null || echo unknown)
# A dirty tree is not the committed revision: say so rather than mislabel the image.
if [ "$revision" != unknown ] && [ -n "$(git -C "$ROOT" status --porcelain -- app requirements/serve.txt Dockerfile)" ]; then
  revision="$revision-dirty"
fi
model_sha=$(sha256sum "$MODEL_DIR/model.json" | cut -d' ' -f1)
# The repository's URL for the source label, without any credentials an https remote may embed.
source_url=$(git -C "$ROOT" config --get remote.origin.url 2>/dev/null | sed -E 's#//[^/@]*@#//#' || true)

# The classic builder: BuildKit/buildx is not available with Debian's engine (and would want Docker Hub).
log=$CONTEXT.log
DOCKER_BUILDKIT=0 docker build --network none \
  ${IIDFILE:+--iidfile "$IIDFILE"} \
  --build-arg BASE_IMAGE="$BASE_IMAGE" \
  --build-arg GIT_REVISION="$revision" \
  --build-arg MODEL_SHA256="$model_sha" \
  --build-arg SOURCE_URL="${source_url:-unknown}" \
  -t "$TAG" "$CONTEXT" >"$log" 2>&1 || { cat "$log" >&2; rm -f "$log"; echo "build-image: docker build failed" >&2; exit 1; }
rm -f "$log"
echo "built $TAG ($(docker image inspect -f '{{.Size}}' "$TAG" | awk '{printf "%.1f MB", $1/1e6}')," \
     "revision $revision, model.json sha256 $model_sha)"
