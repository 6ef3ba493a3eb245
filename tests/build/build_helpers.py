"""Helpers for the build tests: ask the local registry's API, a copy of the build context."""

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import requests

from tests.support.ansible import REPO_ROOT
from tests.support.docker import LOCAL_REGISTRY, LOCAL_REGISTRY_STATE, registry_password

REPOSITORY = "banknote"
MANIFEST_V2 = "application/vnd.docker.distribution.manifest.v2+json"


def registry_request(method: str, path: str, **kwargs: object) -> requests.Response:
    """A request to the local registry's API. `verify` per request: a session's verify loses to
    REQUESTS_CA_BUNDLE from the environment."""
    return requests.request(method, f"https://{LOCAL_REGISTRY}/v2/{REPOSITORY}/{path}", timeout=10,
                            auth=("banknote", registry_password()),
                            verify=str(LOCAL_REGISTRY_STATE / "tls.crt"), **kwargs)


def manifest_digest(tag: str) -> str | None:
    """The digest `docker push` printed for the tag, or None when the registry does not have it."""
    response = registry_request("HEAD", f"manifests/{tag}", headers={"Accept": MANIFEST_V2})
    if response.status_code == 404:
        return None
    response.raise_for_status()
    return response.headers["Docker-Content-Digest"]


def delete_manifest(digest: str) -> None:
    registry_request("DELETE", f"manifests/{digest}")


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
