#!/usr/bin/env bash
# Builds the local base image the Dockerfile uses where no image registry is reachable:
# Debian bookworm (minbase) + python3 + python3-venv, made with debootstrap and `docker import`.
# Python 3.11 and glibc 2.36, the same as the Dockerfile's default python:3.11-slim-bookworm.
#   scripts/build-base-image.sh [IMAGE_NAME]      (default banknote/python-base:3.11-bookworm)
# Idempotent: does nothing when the image exists; FORCE=1 rebuilds. Needs root and the Debian
# archive (MIRROR overrides it). Prints "built IMAGE" when it changed something.
set -euo pipefail

IMAGE=${1:-${BASE_IMAGE:-banknote/python-base:3.11-bookworm}}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
SUITE=bookworm

if [ "${FORCE:-0}" != 1 ] && docker image inspect "$IMAGE" >/dev/null 2>&1; then
  echo "base image $IMAGE present"
  exit 0
fi
[ "$(id -u)" = 0 ] || { echo "build-base-image: debootstrap needs root" >&2; exit 1; }
command -v debootstrap >/dev/null || { echo "build-base-image: debootstrap missing: run scripts/setup.sh" >&2; exit 1; }

# A fresh root fs each time: a cached tree could carry stale packages, and debootstrap is ~1 min.
ROOTFS=$(mktemp -d "${TMPDIR:-/tmp}/banknote-rootfs.XXXXXX")
trap 'rm -rf "$ROOTFS"' EXIT

debootstrap --variant=minbase --include=python3,python3-venv "$SUITE" "$ROOTFS" "$MIRROR" \
  >"$ROOTFS.log" 2>&1 || { echo "debootstrap failed; see $ROOTFS.log" >&2; exit 1; }
rm -f "$ROOTFS.log"

# Trim what a server image never reads; keep copyright files (licences travel with the binaries).
rm -rf "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/var/cache/apt/* "$ROOTFS"/var/cache/debconf/*-old \
  "$ROOTFS"/var/log/* "$ROOTFS"/usr/share/man "$ROOTFS"/usr/share/info "$ROOTFS"/usr/share/locale \
  "$ROOTFS"/usr/share/lintian "$ROOTFS"/usr/share/i18n/locales "$ROOTFS"/tmp/*
find "$ROOTFS/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
find "$ROOTFS/usr/share/doc" -mindepth 1 -type d -empty -delete
find "$ROOTFS" -xdev -name __pycache__ -type d -prune -exec rm -rf {} +
# Images have no hostname or resolv.conf of their own: the engine provides them at run time.
: >"$ROOTFS/etc/resolv.conf"
: >"$ROOTFS/etc/hostname"

tar --numeric-owner -C "$ROOTFS" -c . |
  docker import \
    --change 'ENV LANG=C.UTF-8' \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["/usr/bin/python3"]' \
    - "$IMAGE" >/dev/null
echo "built $IMAGE ($(docker image inspect -f '{{.Size}}' "$IMAGE" | awk '{printf "%.0f MB", $1/1e6}'))"
