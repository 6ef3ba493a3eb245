"""Helpers shared by the container tests: the docker CLI, loopback HTTP, and a started container."""

import json
import os
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

import pytest

IMAGE_TAG = "banknote:test"
BASE_IMAGE = "banknote/python-base:3.11-bookworm"
PRODUCTION_FLAGS = ("--read-only", "--cap-drop", "ALL", "--security-opt", "no-new-privileges")


def docker(*args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    # The classic builder: Debian's engine has no BuildKit/buildx here (see ENVIRONMENT.md).
    env = {**os.environ, "DOCKER_BUILDKIT": "0"}
    return subprocess.run(["docker", *args], check=check, text=True, capture_output=True,
                          timeout=timeout, env=env)


def http(method: str, url: str, body: Any = None, *, raw: bytes | None = None,
         content_type: str = "application/json", timeout: float = 10) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, body) for any status: 4xx/5xx are answers here, not exceptions."""
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    headers = {"Content-Type": content_type} if data is not None else {}
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@dataclass
class Container:
    id: str
    port: int  # host port on 127.0.0.1

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def logs(self) -> str:
        result = docker("logs", self.id, check=False)
        return result.stdout + result.stderr

    def state(self) -> dict[str, Any]:
        return json.loads(docker("inspect", "-f", "{{json .State}}", self.id).stdout)

    def wait_ready(self, deadline_s: float = 60) -> None:
        deadline = time.monotonic() + deadline_s
        while time.monotonic() < deadline:
            try:
                if http("GET", f"{self.url}/v2/health/ready", timeout=1)[0] == 200:
                    return
            except OSError:
                pass  # not listening yet: docker-proxy accepts, then drops the connection
            if not self.state()["Running"]:
                pytest.fail(f"container {self.id[:12]} exited before it was ready:\n{self.logs()}")
            time.sleep(0.05)
        pytest.fail(f"container {self.id[:12]} not ready within {deadline_s} s:\n{self.logs()}")

    def wait_exit(self, timeout: float = 60) -> int:
        return int(docker("wait", self.id, timeout=timeout).stdout.strip())
