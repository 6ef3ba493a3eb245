"""Helpers for the infra tests: run ansible-playbook, read its recap and failure messages."""

import json
import os
import re
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = REPO_ROOT / ".venv" / "bin"
RECAP = re.compile(
    r"^(?P<host>\S+)\s*:\s*ok=(?P<ok>\d+)\s+changed=(?P<changed>\d+)\s+unreachable=(?P<unreachable>\d+)"
    r"\s+failed=(?P<failed>\d+)\s+skipped=(?P<skipped>\d+)\s+rescued=(?P<rescued>\d+)\s+ignored=(?P<ignored>\d+)",
    re.M,
)
# The steps of the infra roles only: the k8s and build_host steps act on local state other work on this
# machine uses (podman pods, the build host stand-in); their own tests cover them.
INFRA_TEARDOWN_STEPS = ["fargate_profile", "eks_cluster", "ecr", "network", "iam"]


@dataclass
class PlaybookRun:
    rc: int
    output: str
    seconds: float

    @property
    def recap(self) -> dict[str, int]:
        matches = list(RECAP.finditer(self.output))
        assert matches, f"no PLAY RECAP in the output:\n{self.output[-3000:]}"
        return {k: int(v) for k, v in matches[-1].groupdict().items() if k != "host"}

    @property
    def failure_messages(self) -> list[str]:
        """The msg of every failed task (the runner asks for JSON results, one line each)."""
        messages = []
        for line in self.output.splitlines():
            if "FAILED! =>" in line:
                messages.append(json.loads(line.split("FAILED! =>", 1)[1]).get("msg", ""))
        return messages

    def changed_tasks(self) -> list[str]:
        """Names of tasks that reported changed (for readable assertion messages)."""
        names, current = [], None
        for line in self.output.splitlines():
            if line.startswith("TASK ["):
                current = line.split("[", 1)[1].rsplit("]", 1)[0]
            elif line.startswith("changed:") and current:
                names.append(current)
        return names


def run_playbook(*args: str, env: dict[str, str] | None = None, timeout: int = 900) -> PlaybookRun:
    """ansible-playbook from the repository root; results as one JSON line each (failure messages)."""
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    run_env = {
        **base_env,
        "ANSIBLE_CALLBACK_RESULT_FORMAT": "json",
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_DEPRECATION_WARNINGS": "false",
        **(env or {}),
    }
    start = time.monotonic()
    completed = subprocess.run(
        [str(VENV_BIN / "ansible-playbook"), *args],
        cwd=REPO_ROOT,
        env=run_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return PlaybookRun(completed.returncode, completed.stdout + completed.stderr, time.monotonic() - start)
