"""Run ansible-playbook from the repository root and read its PLAY RECAP, per host."""

import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
RECAP = re.compile(
    r"^(?P<host>\S+)\s*:\s*ok=(?P<ok>\d+)\s+changed=(?P<changed>\d+)\s+unreachable=(?P<unreachable>\d+)"
    r"\s+failed=(?P<failed>\d+)\s+skipped=(?P<skipped>\d+)\s+rescued=(?P<rescued>\d+)\s+ignored=(?P<ignored>\d+)",
    re.MULTILINE,
)


@dataclass
class PlaybookRun:
    returncode: int
    output: str
    seconds: float

    @property
    def recaps(self) -> dict[str, dict[str, int]]:
        """The last PLAY RECAP, one entry per host."""
        found: dict[str, dict[str, int]] = {}
        for match in RECAP.finditer(self.output):
            fields = match.groupdict()
            host = fields.pop("host")
            found[host] = {k: int(v) for k, v in fields.items()}
        return found

    def total(self, field: str) -> int:
        return sum(recap[field] for recap in self.recaps.values())

    def changed_tasks(self) -> list[str]:
        """Names of the tasks that reported changed, for readable assertion messages."""
        names, current = [], None
        for line in self.output.splitlines():
            if line.startswith("TASK ["):
                current = line.split("[", 1)[1].rsplit("]", 1)[0]
            elif line.startswith("changed:") and current:
                names.append(current)
        return names

    def task_names(self) -> list[str]:
        return [line.split("[", 1)[1].rsplit("]", 1)[0] for line in self.output.splitlines()
                if line.startswith("TASK [")]

    def explain(self) -> str:
        return (f"rc={self.returncode} recaps={self.recaps} changed={self.changed_tasks()}\n"
                f"{self.output[-6000:]}")


def run_playbook(playbook: str, *args: str, extra_vars: dict[str, Any] | None = None,
                 inventory: str = "inventory/local", timeout: float = 1800) -> PlaybookRun:
    """ansible-playbook with the project's ansible.cfg; extra vars as JSON (they win over everything)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env.update(ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", PATH=f"{VENV_BIN}:{env.get('PATH', '')}")
    command = [str(VENV_BIN / "ansible-playbook"), "-i", inventory, playbook, *args]
    if extra_vars:
        command += ["-e", json.dumps(extra_vars)]
    start = time.monotonic()
    result = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=timeout,
                            env=env, check=False)
    return PlaybookRun(result.returncode, result.stdout + result.stderr, time.monotonic() - start)
