"""Helpers for the build tests: run ansible-playbook and read its recap, ask the local registry."""

import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import requests

REPO_ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = REPO_ROOT / ".venv" / "bin"
REGISTRY = "127.0.0.1:5443"
REGISTRY_STATE = REPO_ROOT / ".local" / "registry"
REPOSITORY = "banknote"
RECAP = re.compile(
    r"^(?P<host>\S+)\s*:\s*ok=(?P<ok>\d+)\s+changed=(?P<changed>\d+)\s+unreachable=(?P<unreachable>\d+)"
    r"\s+failed=(?P<failed>\d+)\s+skipped=(?P<skipped>\d+)",
    re.M,
)
MANIFEST_V2 = "application/vnd.docker.distribution.manifest.v2+json"


@dataclass
class PlaybookRun:
    returncode: int
    output: str
    seconds: float

    @property
    def recap(self) -> dict[str, int]:
        """Counts summed over the hosts of the last PLAY RECAP."""
        totals: dict[str, int] = {}
        for match in RECAP.finditer(self.output.rsplit("PLAY RECAP", 1)[-1]):
            for key, value in match.groupdict().items():
                if key != "host":
                    totals[key] = totals.get(key, 0) + int(value)
        assert totals, f"no PLAY RECAP in the output:\n{self.output[-3000:]}"
        return totals

    def task_results(self, task: str) -> list[str]:
        """Result lines (ok/changed/skipping/fatal) of the task whose header contains `task`."""
        results, inside = [], False
        for line in self.output.splitlines():
            if line.startswith(("TASK [", "RUNNING HANDLER [")):
                inside = task in line
            elif inside and re.match(r"^(ok|changed|skipping|fatal|failed):", line):
                results.append(line.split(":", 1)[0])
        return results

    def changed_tasks(self) -> list[str]:
        names, current = [], None
        for line in self.output.splitlines():
            if line.startswith(("TASK [", "RUNNING HANDLER [")):
                current = line.split("[", 1)[1].rsplit("]", 1)[0]
            elif line.startswith("changed:") and current:
                names.append(current)
        return names

    def explain(self) -> str:
        summary = f"rc={self.returncode} recap={self.recap} changed={self.changed_tasks()}"
        return f"{summary}\n{self.output[-5000:]}"


def run_playbook(playbook: str, *args: str, timeout: int = 900) -> PlaybookRun:
    """ansible-playbook from the repository root, default (text) output."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env.update({"ANSIBLE_FORCE_COLOR": "0", "ANSIBLE_NOCOLOR": "1", "PATH": f"{VENV_BIN}:{env['PATH']}"})
    started = time.monotonic()
    done = subprocess.run([str(VENV_BIN / "ansible-playbook"), playbook, *args], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout, check=False)
    return PlaybookRun(done.returncode, done.stdout + done.stderr, time.monotonic() - started)


def registry_request(method: str, path: str, **kwargs: object) -> requests.Response:
    """A request to the local registry's API. `verify` per request: a session's verify loses to
    REQUESTS_CA_BUNDLE from the environment."""
    return requests.request(method, f"https://{REGISTRY}/v2/{REPOSITORY}/{path}", timeout=10,
                            auth=("banknote", (REGISTRY_STATE / "password").read_text().strip()),
                            verify=str(REGISTRY_STATE / "tls.crt"), **kwargs)


def manifest_digest(tag: str) -> str | None:
    """The digest `docker push` printed for the tag, or None when the registry does not have it."""
    response = registry_request("HEAD", f"manifests/{tag}", headers={"Accept": MANIFEST_V2})
    if response.status_code == 404:
        return None
    response.raise_for_status()
    return response.headers["Docker-Content-Digest"]


def delete_manifest(digest: str) -> None:
    registry_request("DELETE", f"manifests/{digest}")


def docker(*args: str, check: bool = True, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["docker", *args], capture_output=True, text=True, check=check, timeout=timeout)


CONTEXT_PATHS = ("app", "Dockerfile", ".dockerignore", "requirements/serve.txt", "wheelhouse")


@dataclass
class SourceCopy:
    """A git work tree with a copy of the build context, for changes the real tree must not see."""

    path: Path

    @classmethod
    def of_repository(cls, path: Path) -> "SourceCopy":
        for relative in CONTEXT_PATHS:
            origin, target = REPO_ROOT / relative, path / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            if origin.is_dir():
                shutil.copytree(origin, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
            else:
                shutil.copy2(origin, target)
        copy = cls(path)
        copy.git("init", "-q")
        return copy

    def git(self, *args: str) -> str:
        identity = ["-c", "user.name=build test", "-c", "user.email=build@localhost"]
        command = ["git", "-C", str(self.path), *identity]
        return subprocess.run([*command, *args], check=True, capture_output=True, text=True).stdout.strip()

    def commit(self, message: str, append: dict[str, str] | None = None) -> str:
        """Appends text to files, commits everything, returns the short commit hash."""
        for relative, text in (append or {}).items():
            with (self.path / relative).open("a") as handle:
                handle.write(text)
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)
        return self.git("rev-parse", "--short=7", "HEAD")
