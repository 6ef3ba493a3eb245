"""Helpers for the k8s tests: run a playbook and read its recap, podman as JSON, a free port."""

import json
import os
import re
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
ANSIBLE_PLAYBOOK = Path(sys.executable).parent / "ansible-playbook"
RECAP = re.compile(
    r"^localhost\s*:\s*ok=(?P<ok>\d+)\s+changed=(?P<changed>\d+)\s+unreachable=(?P<unreachable>\d+)"
    r"\s+failed=(?P<failed>\d+)",
    re.MULTILINE,
)


@dataclass
class PlaybookRun:
    returncode: int
    output: str
    recap: dict[str, int]

    def explain(self) -> str:
        return f"rc={self.returncode} recap={self.recap}\n{self.output[-6000:]}"


def run_playbook(playbook: str, extra_vars: dict[str, Any], *args: str, inventory: str = "inventory/local",
                 timeout: float = 900) -> PlaybookRun:
    """ansible-playbook from the repository root; extra vars as JSON (they win over everything)."""
    env = {**os.environ, "ANSIBLE_NOCOLOR": "1", "ANSIBLE_FORCE_COLOR": "0", "PY_COLORS": "0"}
    result = subprocess.run(
        [str(ANSIBLE_PLAYBOOK), "-i", inventory, playbook, "-e", json.dumps(extra_vars), *args],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=timeout, env=env, check=False,
    )
    output = result.stdout + result.stderr
    recaps = list(RECAP.finditer(output))
    recap = {k: int(v) for k, v in recaps[-1].groupdict().items()} if recaps else {}
    # Several plays (site.yml) print one recap line; tests run one playbook.
    return PlaybookRun(result.returncode, output, recap)


def podman_json(*args: str, containers_conf: Path | None = None) -> Any:
    env = {**os.environ}
    if containers_conf is not None:
        env["CONTAINERS_CONF"] = str(containers_conf)
    result = subprocess.run(["podman", *args, "--format", "json"], capture_output=True, text=True,
                            check=True, timeout=60, env=env)
    return json.loads(result.stdout or "[]")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False
