"""Run ansible-playbook from the repository root and read its results as data.

Every run uses the ansible.posix.json stdout callback (ANSIBLE_STDOUT_CALLBACK=json): stdout is one JSON
document, {"plays": [{"play": ..., "tasks": [{"task": {"name": ...}, "hosts": {host: result}}]}],
"stats": {host: {"ok", "changed", "failures", ...}}} (ansible_collections/ansible/posix/plugins/callback/
json.py, CallbackModule.v2_playbook_on_stats). PlaybookRun reads that document; warnings and errors stay on
stderr. PlaybookRun.log() renders the results one line a task and host, for people reading a failure.
"""

import functools
import json
import os
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent

# The stats of one host as the json callback names them (ansible.executor.stats.AggregateStats.summarize),
# renamed to the words of the PLAY RECAP people know.
STATS_FIELDS = {"ok": "ok", "changed": "changed", "unreachable": "unreachable", "failures": "failed",
                "skipped": "skipped", "rescued": "rescued", "ignored": "ignored"}


@dataclass(frozen=True)
class TaskResult:
    """One task's (or handler's) result on one host, in the order the play ran them."""

    play: str
    task: str  # as ansible names it: "role : task name" for a role's tasks
    host: str
    result: dict[str, Any]

    @property
    def status(self) -> str:
        """ok, changed, skipped, failed or unreachable (a failed loop item makes the task failed)."""
        for status in ("unreachable", "failed", "skipped"):
            if self.result.get(status):
                return status
        return "changed" if self.result.get("changed") else "ok"

    @property
    def msg(self) -> str:
        """The result's msg (a debug task's text, a failure's reason); a failed loop's item messages."""
        messages = [_text(self.result.get("msg"))]
        messages += [_text(item.get("msg")) for item in self.result.get("results") or []
                     if isinstance(item, dict) and item.get("failed")]
        return "\n".join(message for message in messages if message)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "\n".join(_text(item) for item in value)
    return value if isinstance(value, str) else json.dumps(value)


@dataclass
class PlaybookRun:
    returncode: int
    stdout: str  # the json callback's document
    stderr: str  # warnings, errors before the first play, tracebacks
    seconds: float

    @property
    def raw(self) -> str:
        """Everything ansible-playbook printed (the JSON document, then stderr): for checks that a secret
        appears nowhere, not for reading results."""
        return self.stdout + self.stderr

    @functools.cached_property
    def report(self) -> dict[str, Any]:
        """The json callback's document; empty when ansible-playbook stopped before printing it."""
        start = self.stdout.find("{")
        try:
            return json.loads(self.stdout[start:]) if start >= 0 else {}
        except json.JSONDecodeError:
            return {}

    @functools.cached_property
    def results(self) -> list[TaskResult]:
        return [TaskResult(play["play"]["name"], task["task"]["name"], host, result)
                for play in self.report.get("plays", []) for task in play["tasks"]
                for host, result in task["hosts"].items()]

    @property
    def recaps(self) -> dict[str, dict[str, int]]:
        """The PLAY RECAP, one entry per host: ok, changed, unreachable, failed, skipped, rescued, ignored."""
        return {host: {name: stats.get(key, 0) for key, name in STATS_FIELDS.items()}
                for host, stats in self.report.get("stats", {}).items()}

    @property
    def recap(self) -> dict[str, int]:
        """Counts summed over the hosts; fails the test when the run printed no stats."""
        recaps = self.recaps
        assert recaps, f"no results from ansible-playbook:\n{self.explain()}"
        return {name: sum(recap[name] for recap in recaps.values()) for name in STATS_FIELDS.values()}

    def total(self, field: str) -> int:
        return self.recap[field]

    def task_names(self) -> list[str]:
        """Names of the tasks and handlers that ran (or were skipped) on some host, in order, once each."""
        return list(dict.fromkeys(result.task for result in self.results))

    def changed_tasks(self) -> list[str]:
        """Names of the tasks and handlers that reported changed on some host."""
        return list(dict.fromkeys(r.task for r in self.results if r.status == "changed"))

    def task_results(self, task: str) -> list[str]:
        """Statuses (ok/changed/skipped/failed/unreachable) of the tasks and handlers named like `task`."""
        return [result.status for result in self.results if task in result.task]

    def results_of(self, task: str) -> list[dict[str, Any]]:
        """The result dicts (one per host) of the tasks and handlers whose name holds `task`."""
        return [result.result for result in self.results if task in result.task]

    def messages(self, task: str = "") -> list[str]:
        """The msg of every result (debug output, failures), of tasks whose name holds `task`."""
        return [result.msg for result in self.results if task in result.task and result.msg]

    def changed_items(self, task: str = "") -> list[Any]:
        """The loop items that reported changed, of tasks whose name holds `task`: each item's
        loop_control label where the task sets one, else the item itself."""
        return [item.get("_ansible_item_label", item.get("item"))
                for result in self.results_of(task) for item in result.get("results") or []
                if isinstance(item, dict) and item.get("changed")]

    def fact(self, name: str) -> Any:
        """The value the run's last setter of fact `name` gave it (set_fact, a module's ansible_facts)."""
        values = [r.result["ansible_facts"][name] for r in self.results
                  if name in (r.result.get("ansible_facts") or {})]
        assert values, f"no task set the fact {name!r}:\n{self.explain()}"
        return values[-1]

    @property
    def failure_messages(self) -> list[str]:
        """The msg of every failed task (ignored and rescued failures included)."""
        return [result.msg for result in self.results if result.status in ("failed", "unreachable")]

    def log(self) -> str:
        """The results for people: one line a task and host, a failure's or debug task's msg below it."""
        lines, play = [], None
        for result in self.results:
            if result.play != play:
                play = result.play
                lines.append(f"PLAY [{play}]")
            lines.append(f"  {result.status}: [{result.host}] {result.task}")
            if result.msg and (result.status in ("failed", "unreachable") or result.result.get("action") in
                               ("debug", "ansible.builtin.debug")):
                lines += [f"      {line}" for line in result.msg.splitlines()]
        return "\n".join(lines)

    def explain(self) -> str:
        """For assertion messages: return code, recap, changed tasks, failures, the ends of log and stderr."""
        failures = "\n".join(f"  {r.task} [{r.host}]: {r.msg}" for r in self.results
                             if r.status in ("failed", "unreachable"))
        stdout = "" if self.report else f"\nstdout (no JSON results):\n{self.stdout[-3000:]}"
        return (f"rc={self.returncode} recaps={self.recaps} changed={self.changed_tasks()}\n"
                f"failed tasks:\n{failures or '  none'}\n"
                f"log:\n{self.log()[-6000:]}{stdout}\nstderr:\n{self.stderr[-3000:]}")


# Where AWS credentials and the region could come from outside the inventory. run_playbook drops them, so
# that a playbook gets both only from the inventory (aws_environment, region:), as on the aws target: a
# task that forgets `region:` fails with NoRegionError here too.
AWS_AMBIENT = ("AWS_DEFAULT_REGION", "AWS_REGION", "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ACCESS_KEY_ID",
               "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE")

# inventory/local's endpoint is the shared moto on 127.0.0.1:4566, whose state other work on the machine
# uses. A run given no endpoint of its own (a test moto's extra_vars) gets one where nothing listens (the
# discard port), so a playbook that calls AWS without the test's moto fails instead of changing it.
NO_SHARED_MOTO = {"aws_endpoint_url": "http://127.0.0.1:9"}

# The results as one JSON document on stdout (what PlaybookRun reads); a run's `config` cannot change it.
JSON_CALLBACK = {"ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json", "ANSIBLE_JSON_INDENT": "0"}


def run_playbook(playbook: str, *args: str, extra_vars: dict[str, Any] | None = None,
                 inventory: str = "inventory/local", env: Mapping[str, str] | None = None,
                 config: Mapping[str, str] | None = None, timeout: float = 1800) -> PlaybookRun:
    """ansible-playbook with the project's ansible.cfg; extra vars as JSON (they win over everything).

    env: the environment to run in (default: this process's); its ANSIBLE_* variables are dropped so
    that ansible.cfg decides, overridden only by `config` (ansible.cfg keys, e.g. {"library": ...}); and
    so are AWS_AMBIENT: credentials and region come from the inventory only.
    """
    base = os.environ if env is None else env
    run_env = {k: v for k, v in base.items() if not k.startswith("ANSIBLE_") and k not in AWS_AMBIENT}
    run_env.update(ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", PATH=f"{VENV_BIN}:{run_env.get('PATH', '')}")
    run_env.update({f"ANSIBLE_{key.upper()}": value for key, value in (config or {}).items()})
    run_env.update(JSON_CALLBACK)
    command = [str(VENV_BIN / "ansible-playbook"), "-i", inventory, playbook]
    if inventory == "inventory/local":
        command += ["-e", json.dumps(NO_SHARED_MOTO)]  # first: a test moto's -e in args or extra_vars wins
    command += args
    if extra_vars:
        command += ["-e", json.dumps(extra_vars)]
    start = time.monotonic()
    result = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=timeout,
                            env=run_env, check=False)
    return PlaybookRun(result.returncode, result.stdout, result.stderr, time.monotonic() - start)


def run_molecule(*args: str, cwd: Path = REPO_ROOT,
                 timeout: float = 1200) -> subprocess.CompletedProcess[str]:
    """`molecule ARGS` in cwd; molecule runs ansible-playbook and friends from PATH: the venv's first."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("ANSIBLE_", "MOLECULE_")) and k not in AWS_AMBIENT}
    env["PATH"] = f"{VENV_BIN}:{env.get('PATH', '')}"
    return subprocess.run([str(VENV_BIN / "molecule"), *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout, check=False)
