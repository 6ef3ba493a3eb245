"""Helpers for the k8s tests: playbooks under this package's time bound, podman as JSON."""

import functools
import json
import os
import subprocess
from pathlib import Path
from typing import Any

from tests.support import ansible

run_playbook = functools.partial(ansible.run_playbook, timeout=900)


def podman_json(*args: str, containers_conf: Path | None = None) -> Any:
    env = {**os.environ}
    if containers_conf is not None:
        env["CONTAINERS_CONF"] = str(containers_conf)
    result = subprocess.run(["podman", *args, "--format", "json"], capture_output=True, text=True,
                            check=True, timeout=60, env=env)
    return json.loads(result.stdout or "[]")
