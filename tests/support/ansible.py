"""Run ansible-playbook from the repository root and read its PLAY RECAP, per host."""

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Mapping
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


TASK_HEADERS = ("TASK [", "RUNNING HANDLER [")
RESULT_LINE = re.compile(r"^(ok|changed|skipping|fatal|failed):")


def _header_name(line: str) -> str:
    return line.split("[", 1)[1].rsplit("]", 1)[0]


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

    @property
    def recap(self) -> dict[str, int]:
        """Counts summed over the hosts of the last PLAY RECAP; fails the test when there is none."""
        recaps = self.recaps
        assert recaps, f"no PLAY RECAP in the output:\n{self.output[-3000:]}"
        fields = next(iter(recaps.values()))
        return {field: sum(recap[field] for recap in recaps.values()) for field in fields}

    def total(self, field: str) -> int:
        return self.recap[field]

    def changed_tasks(self) -> list[str]:
        """Names of the tasks and handlers that reported changed, for readable assertion messages."""
        names, current = [], None
        for line in self.output.splitlines():
            if line.startswith(TASK_HEADERS):
                current = _header_name(line)
            elif line.startswith("changed:") and current:
                names.append(current)
        return names

    def task_names(self) -> list[str]:
        return [_header_name(line) for line in self.output.splitlines() if line.startswith("TASK [")]

    def task_results(self, task: str) -> list[str]:
        """Result words (ok/changed/skipping/fatal/failed) of the tasks and handlers named like `task`."""
        results, inside = [], False
        for line in self.output.splitlines():
            if line.startswith(TASK_HEADERS):
                inside = task in line
            elif inside and RESULT_LINE.match(line):
                results.append(line.split(":", 1)[0])
        return results

    @property
    def failure_messages(self) -> list[str]:
        """The msg of every failed task; needs results as one JSON line each (config=JSON_RESULTS)."""
        return [json.loads(line.split("FAILED! =>", 1)[1]).get("msg", "")
                for line in self.output.splitlines() if "FAILED! =>" in line]

    def explain(self) -> str:
        return (f"rc={self.returncode} recaps={self.recaps} changed={self.changed_tasks()}\n"
                f"{self.output[-6000:]}")


# Where AWS credentials and the region could come from outside the inventory. run_playbook drops them, so
# that a playbook gets both only from the inventory (aws_environment, region:), as on the aws target: a
# task that forgets `region:` fails with NoRegionError here too.
AWS_AMBIENT = ("AWS_DEFAULT_REGION", "AWS_REGION", "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ACCESS_KEY_ID",
               "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE")

# ansible.cfg settings that make each result one JSON line (what PlaybookRun.failure_messages reads).
JSON_RESULTS = {"callback_result_format": "json"}


def run_playbook(playbook: str, *args: str, extra_vars: dict[str, Any] | None = None,
                 inventory: str = "inventory/local", env: Mapping[str, str] | None = None,
                 config: Mapping[str, str] | None = None, timeout: float = 1800) -> PlaybookRun:
    """ansible-playbook with the project's ansible.cfg; extra vars as JSON (they win over everything).

    env: the environment to run in (default: this process's); its ANSIBLE_* variables are dropped so
    that ansible.cfg decides, overridden only by `config` (ansible.cfg keys, e.g. JSON_RESULTS); and
    so are AWS_AMBIENT: credentials and region come from the inventory only.
    """
    base = os.environ if env is None else env
    run_env = {k: v for k, v in base.items() if not k.startswith("ANSIBLE_") and k not in AWS_AMBIENT}
    run_env.update(ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", PATH=f"{VENV_BIN}:{run_env.get('PATH', '')}")
    run_env.update({f"ANSIBLE_{key.upper()}": value for key, value in (config or {}).items()})
    command = [str(VENV_BIN / "ansible-playbook"), "-i", inventory, playbook, *args]
    if extra_vars:
        command += ["-e", json.dumps(extra_vars)]
    start = time.monotonic()
    result = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=timeout,
                            env=run_env, check=False)
    return PlaybookRun(result.returncode, result.stdout + result.stderr, time.monotonic() - start)


def run_molecule(*args: str, cwd: Path = REPO_ROOT,
                 timeout: float = 1200) -> subprocess.CompletedProcess[str]:
    """`molecule ARGS` in cwd; molecule runs ansible-playbook and friends from PATH: the venv's first."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("ANSIBLE_", "MOLECULE_")) and k not in AWS_AMBIENT}
    env["PATH"] = f"{VENV_BIN}:{env.get('PATH', '')}"
    return subprocess.run([str(VENV_BIN / "molecule"), *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout, check=False)
