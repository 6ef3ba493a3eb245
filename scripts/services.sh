#!/usr/bin/env bash
# Starts (or stops) the local services the local target and the tests need, idempotently:
#   dockerd   the Docker engine (published ports bind to 127.0.0.1 by default)
#   registry  Debian's docker-registry on 127.0.0.1, TLS + htpasswd, standing in for ECR's endpoint
#   moto      the AWS API emulator on 127.0.0.1, IAM enforced (local/moto/server.py; profiles in .local/aws/)
# Usage: scripts/services.sh start|stop|status [dockerd|registry|moto ...]
# Prints "started NAME" / "stopped NAME" for each change, so callers (Ansible) can report changed.
# State (pid files, logs, TLS material, htpasswd) lives in $STATE_DIR (default .local/, git-ignored).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE_DIR=${STATE_DIR:-$ROOT/.local}
MOTO_PORT=${MOTO_PORT:-4566}
REGISTRY_PORT=${REGISTRY_PORT:-5443}
REGISTRY_USER=${REGISTRY_USER:-banknote}
VENV=${VENV:-$ROOT/.venv}
mkdir -p "$STATE_DIR"

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_for() { # wait_for SECONDS COMMAND...
  local deadline=$((SECONDS + $1)); shift
  until "$@"; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.2
  done
}

start_dockerd() {
  if docker info >/dev/null 2>&1; then return 0; fi
  command -v dockerd >/dev/null || { echo "dockerd is missing: run scripts/setup.sh" >&2; exit 1; }
  # --ip 127.0.0.1: a published port without an address binds to loopback, never to 0.0.0.0.
  dockerd --ip 127.0.0.1 --pidfile "$STATE_DIR/dockerd.pid" >"$STATE_DIR/dockerd.log" 2>&1 &
  wait_for 30 docker info >/dev/null 2>&1 || { echo "dockerd did not start; see $STATE_DIR/dockerd.log" >&2; exit 1; }
  echo "started dockerd"
}

registry_material() {
  local d=$STATE_DIR/registry
  mkdir -p "$d/data"
  if [ ! -f "$d/tls.crt" ]; then
    openssl req -x509 -newkey rsa:2048 -nodes -days 825 -subj /CN=localhost \
      -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
      -keyout "$d/tls.key" -out "$d/tls.crt" 2>/dev/null
  fi
  if [ ! -f "$d/password" ]; then
    (umask 077; openssl rand -hex 16 >"$d/password")
  fi
  if [ ! -f "$d/htpasswd" ]; then
    htpasswd -Bbc "$d/htpasswd" "$REGISTRY_USER" "$(cat "$d/password")" 2>/dev/null
  fi
  cat >"$d/config.yml" <<YAML
version: 0.1
log: {level: warn}
storage:
  filesystem: {rootdirectory: $d/data}
  delete: {enabled: true}
http:
  addr: 127.0.0.1:$REGISTRY_PORT
  tls: {certificate: $d/tls.crt, key: $d/tls.key}
auth:
  htpasswd: {realm: banknote, path: $d/htpasswd}
YAML
  # Podman verifies registry certificates (Docker does not for 127.0.0.0/8).
  mkdir -p "/etc/containers/certs.d/127.0.0.1:$REGISTRY_PORT"
  cp "$d/tls.crt" "/etc/containers/certs.d/127.0.0.1:$REGISTRY_PORT/ca.crt"
}

start_registry() {
  registry_material
  if pid_alive "$STATE_DIR/registry.pid" && port_open "$REGISTRY_PORT"; then return 0; fi
  command -v docker-registry >/dev/null || { echo "docker-registry is missing: run scripts/setup.sh" >&2; exit 1; }
  docker-registry serve "$STATE_DIR/registry/config.yml" >"$STATE_DIR/registry.log" 2>&1 &
  echo $! >"$STATE_DIR/registry.pid"
  wait_for 15 port_open "$REGISTRY_PORT" || { echo "registry did not start; see $STATE_DIR/registry.log" >&2; exit 1; }
  echo "started registry"
}

start_moto() {
  if pid_alive "$STATE_DIR/moto.pid" && port_open "$MOTO_PORT"; then
    [ -s "$STATE_DIR/aws/credentials" ] && return 0
    echo "the moto on port $MOTO_PORT predates IAM enforcement (no $STATE_DIR/aws/credentials): run $0 stop moto, then start" >&2
    exit 1
  fi
  "$VENV/bin/python" -c 'import moto.server' 2>/dev/null || { echo "moto is missing: run scripts/setup.sh" >&2; exit 1; }
  # local/moto/server.py: IAM enforced, the operator's profile and every call recorded in $STATE_DIR/aws
  # (see local/moto/README.md). It writes the credentials file once it serves: wait for that file.
  rm -f "$STATE_DIR/aws/credentials"
  # setsid: its own session, so the server outlives the terminal or Ansible task that started it.
  setsid "$VENV/bin/python" "$ROOT/local/moto/server.py" --port "$MOTO_PORT" --state-dir "$STATE_DIR/aws" \
    --call-log "$STATE_DIR/aws/calls.jsonl" >"$STATE_DIR/moto.log" 2>&1 &
  echo $! >"$STATE_DIR/moto.pid"
  wait_for 60 test -s "$STATE_DIR/aws/credentials" || { echo "moto did not start; see $STATE_DIR/moto.log" >&2; exit 1; }
  echo "started moto"
}

stop_pidfile() { # stop_pidfile NAME
  local f=$STATE_DIR/$1.pid
  if pid_alive "$f"; then
    kill "$(cat "$f")"
    wait_for 20 bash -c "! kill -0 $(cat "$f") 2>/dev/null" || true
    echo "stopped $1"
  fi
  rm -f "$f"
}

status() {
  docker info >/dev/null 2>&1 && echo "dockerd: running" || echo "dockerd: stopped"
  for s in registry moto; do
    pid_alive "$STATE_DIR/$s.pid" && echo "$s: running (pid $(cat "$STATE_DIR/$s.pid"))" || echo "$s: stopped"
  done
}

action=${1:-status}; shift || true
names=("$@"); [ ${#names[@]} -gt 0 ] || names=(dockerd registry moto)
case "$action" in
  start) for n in "${names[@]}"; do "start_$n"; done ;;
  # dockerd is stopped only when named: other work on the machine may use it.
  stop) for n in "${names[@]}"; do [ "$n" = dockerd ] && [ $# -eq 0 ] && continue; stop_pidfile "$n"; done ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status [dockerd|registry|moto ...]" >&2; exit 2 ;;
esac
