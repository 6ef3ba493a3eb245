"""The docker CLI for tests and the benchmark: run a command, start a container the way production runs it
(published on 127.0.0.1 only), read its state and logs, wait until it is ready, remove it by ID; log in to
and push to the local registry."""

import datetime
import json
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.http import wait_http
from tests.support.ports import free_port

# Read-only root, every capability dropped, no privilege gain: how production runs the image.
PRODUCTION_FLAGS = ("--read-only", "--cap-drop", "ALL", "--security-opt", "no-new-privileges")
READY_PATH = "/v2/health/ready"
LOCAL_REGISTRY = "127.0.0.1:5443"
LOCAL_REGISTRY_STATE = Path(__file__).resolve().parents[2] / ".local" / "registry"


def docker(*args: str, check: bool = True, timeout: float = 120,
           input: str | None = None) -> subprocess.CompletedProcess[str]:
    # The classic builder: Debian's engine has no BuildKit/buildx here (see ENVIRONMENT.md).
    env = {**os.environ, "DOCKER_BUILDKIT": "0"}
    return subprocess.run(["docker", *args], check=check, text=True, capture_output=True, timeout=timeout,
                          env=env, input=input)


def engine_error() -> str | None:
    """None when the Docker engine answers; else what to do about it."""
    if docker("info", check=False, timeout=30).returncode != 0:
        return "the Docker engine is not reachable: run scripts/services.sh start dockerd"
    return None


@dataclass
class Container:
    id: str
    port: int  # host port on 127.0.0.1

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def logs(self, tail: int | None = None) -> str:
        result = docker("logs", *(["--tail", str(tail)] if tail else []), self.id, check=False)
        return result.stdout + result.stderr

    def state(self) -> dict[str, Any]:
        return json.loads(docker("inspect", "-f", "{{json .State}}", self.id).stdout)

    def exited(self) -> str | None:
        """None while the container runs; else a message with its last logs."""
        if self.state()["Running"]:
            return None
        return f"container {self.id[:12]} exited:\n{self.logs(tail=30)}"

    def started_at(self) -> float:
        """State.StartedAt as a Unix time (the engine's clock is the host's)."""
        seconds, _, fraction = self.state()["StartedAt"].rstrip("Z").partition(".")
        stamp = datetime.datetime.fromisoformat(seconds).replace(tzinfo=datetime.UTC).timestamp()
        return stamp + float(f"0.{fraction or 0}")

    def wait_ready(self, timeout: float = 60, path: str = READY_PATH, status: int | None = 200,
                   interval: float = 0.05) -> float:
        """Until GET path answers `status` (None: anything); returns when (time.monotonic()). Fails at once
        if the container exits, and with its logs on timeout."""
        return wait_http(f"{self.url}{path}", timeout, status=status, interval=interval, failed=self.exited,
                         details=lambda: self.logs(tail=50))

    def wait_exit(self, timeout: float = 60) -> int:
        return int(docker("wait", self.id, timeout=timeout).stdout.strip())

    def remove(self) -> None:
        docker("rm", "--force", self.id, check=False)


def start_container(image: str, container_port: int, *docker_args: str, command: tuple[str, ...] = (),
                    flags: tuple[str, ...] = PRODUCTION_FLAGS) -> Container:
    """`docker run --detach` with the production flags, container_port published on a free 127.0.0.1 port."""
    port = free_port()
    container_id = docker("run", "--detach", *flags, "--publish", f"127.0.0.1:{port}:{container_port}",
                          *docker_args, image, *command).stdout.strip()
    return Container(container_id, port)


@contextmanager
def running_container(image: str, container_port: int, *docker_args: str, command: tuple[str, ...] = (),
                      ready_path: str | None = READY_PATH, timeout: float = 60) -> Iterator[Container]:
    """A started container, ready (GET ready_path answers 200; ready_path None: any HTTP answer on /),
    removed by ID afterwards."""
    container = start_container(image, container_port, *docker_args, command=command)
    try:
        if ready_path is None:
            container.wait_ready(timeout, path="/", status=None)
        else:
            container.wait_ready(timeout, path=ready_path)
        yield container
    finally:
        container.remove()


def registry_password() -> str:
    return (LOCAL_REGISTRY_STATE / "password").read_text().strip()


def login_local_registry() -> None:
    """docker login to the local registry (scripts/services.sh keeps its password in .local/registry)."""
    docker("login", "-u", "banknote", "--password-stdin", LOCAL_REGISTRY, input=registry_password(),
           timeout=60)
