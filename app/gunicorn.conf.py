"""Gunicorn settings for the bank-note service. Run from the project (or image) root:

    gunicorn -c app/gunicorn.conf.py            # serves app:create_app() (wsgi_app below)

Environment: MODEL_DIR (required), BIND (default 0.0.0.0:8080, the container port) or PORT,
WORKERS, THREADS, GRACEFUL_TIMEOUT, KEEPALIVE, PROMETHEUS_MULTIPROC_DIR (default
/dev/shm/banknote-metrics-<master pid>); MAX_BATCH_ROWS and MAX_BODY_BYTES are read by the app.
Command-line flags still override everything here.
"""

import contextlib
import glob
import json
import math
import os
import time

from gunicorn.glogging import Logger


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "")
    if raw == "":
        return default
    # SystemExit: gunicorn would print any other exception from this file with a traceback.
    try:
        value = int(raw)
    except ValueError:
        raise SystemExit(f"Error: {name} must be a whole number, got {raw!r}") from None
    if value < 1:
        raise SystemExit(f"Error: {name} must be at least 1, got {raw!r}")
    return value


def _usable_cpus() -> int:
    """CPUs this container may use: the affinity mask, capped by a cgroup v2 CPU quota (k8s limits)."""
    cpus = len(os.sched_getaffinity(0))
    try:
        quota, period = open("/sys/fs/cgroup/cpu.max").read().split()  # noqa: SIM115 - one short read
        if quota != "max":
            cpus = min(cpus, max(1, math.ceil(int(quota) / int(period))))
    except (OSError, ValueError):
        pass
    return cpus


wsgi_app = "app:create_app()"
# 0.0.0.0 inside the container (its own network namespace); tests and local runs set BIND=127.0.0.1:PORT.
bind = [os.environ.get("BIND") or f"0.0.0.0:{_env_int('PORT', 8080)}"]

# Prediction is CPU-bound: one process per usable CPU, but at least two so that a slow request
# never leaves the health probes unanswered. Threads serve keep-alive clients and slow uploads.
workers = _env_int("WORKERS", max(2, _usable_cpus()))
worker_class = "gthread"
threads = _env_int("THREADS", 4)

# Load the model once in the master before forking: a missing or corrupt artifact stops start-up
# with one "Error: ..." line (create_app raises a RuntimeError), and workers share the arrays
# copy-on-write.
preload_app = True

timeout = 30
# SIGTERM: stop accepting, let in-flight requests finish for up to this long. Below Kubernetes'
# default terminationGracePeriodSeconds (30 s) so gunicorn, not SIGKILL, ends the pod.
graceful_timeout = _env_int("GRACEFUL_TIMEOUT", 25)
# Longer than an AWS load balancer's 60 s idle timeout, so the balancer, not gunicorn, closes
# idle connections (otherwise it may reuse one gunicorn just closed and answer 502).
keepalive = _env_int("KEEPALIVE", 75)

# No runtime control socket (gunicorn would put it in $HOME/.gunicorn, which the read-only root
# refuses): the container runtime manages the server with signals.
control_socket_disable = True

# The heartbeat files must live on a writable tmpfs: the root filesystem is read-only.
worker_tmp_dir = "/dev/shm"  # noqa: S108 - a private tmpfs in the container, not a shared /tmp

# /metrics counts for every worker (prometheus_client's multiprocess mode, see app/metrics.py): each
# process writes its counts to files in this directory, on the same tmpfs. prometheus_client reads
# the variable when first imported, so it is set here, before the app is loaded. The image sets one
# fixed directory (Dockerfile); elsewhere the default is named after this master's pid, so that two
# servers on one machine never count into each other.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = f"{worker_tmp_dir}/banknote-metrics-{os.getpid()}"

accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info")


class JsonAccessLogger(Logger):
    """One JSON object per request on stdout; json.dumps escapes what clients send (paths, agents)."""

    def access(self, resp, req, environ, request_time):
        if not self.access_log_enabled:
            return
        status = resp.status.split(None, 1)[0] if isinstance(resp.status, str) else resp.status
        record = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "remote_addr": environ.get("REMOTE_ADDR"),
            "method": environ.get("REQUEST_METHOD"),
            "path": environ.get("PATH_INFO"),
            "query": environ.get("QUERY_STRING") or None,
            "status": int(status),
            "bytes": getattr(resp, "sent", None),
            "duration_ms": round(request_time.total_seconds() * 1000, 3),
            "user_agent": environ.get("HTTP_USER_AGENT"),
            "pid": os.getpid(),
        }
        self.access_log.info(json.dumps(record))


logger_class = JsonAccessLogger


def _remove_metrics_files() -> str:
    directory = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    for path in glob.glob(os.path.join(directory, "*.db")):
        os.remove(path)
    return directory


def on_starting(server):
    """In the master, once, before any worker exists: counts start from zero, not from files a
    previous run left on the tmpfs (a container restarted in its pod keeps the pod's /dev/shm)."""
    os.makedirs(_remove_metrics_files(), exist_ok=True)


def child_exit(server, worker):
    """In the master, after a worker exited: its counter files stay (sums never go down);
    prometheus_client drops only the live-gauge files of the dead pid (we have no gauges today)."""
    # Imported late: gunicorn puts the working directory on sys.path only after reading this file,
    # and prometheus_client must be imported after PROMETHEUS_MULTIPROC_DIR is set.
    from prometheus_client.multiprocess import mark_process_dead  # noqa: PLC0415

    mark_process_dead(worker.pid)


def on_exit(server):
    """In the master, at shutdown: the counts end with the server, so the directory goes too."""
    with contextlib.suppress(OSError):  # not empty or not ours to remove (e.g. a mount point)
        os.rmdir(_remove_metrics_files())
