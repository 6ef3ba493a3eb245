#!/bin/bash
# PID 1 of the build-host stand-in: what --privileged and cloud-init would do on a real host.
set -euo pipefail
# The engine runs its own dockerd: /sys and the cgroup controllers must be writable (what
# --privileged does; this host's dockerd cannot grant --privileged, see playbooks/build.yml).
mount -o remount,rw /sys 2>/dev/null || true
for d in /sys/fs/cgroup /sys/fs/cgroup/*; do
  mount -o remount,rw,bind "$d" 2>/dev/null || mount -o remount,rw "$d" 2>/dev/null || true
done
# The Engine API has no --security-opt systempaths=unconfined: undo the read-only /proc/sys (the
# nested dockerd sets forwarding and bridge sysctls in this container's network namespace).
mount -o remount,rw,bind /proc/sys 2>/dev/null || true
# The key pair's public half, as EC2 puts the key pair named at launch into authorized_keys.
install -d -m 0700 -o admin -g admin /home/admin/.ssh
printf '%s\n' "${SSH_AUTHORIZED_KEY:?SSH_AUTHORIZED_KEY must hold the public key to authorise}" \
  >/home/admin/.ssh/authorized_keys
chown admin:admin /home/admin/.ssh/authorized_keys
chmod 0600 /home/admin/.ssh/authorized_keys
install -d -m 0755 /run/sshd
# Fresh host keys per container, as per instance.
ssh-keygen -A >/dev/null
exec /usr/sbin/sshd -D -e
