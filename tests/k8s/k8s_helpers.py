"""Helpers for the k8s tests: playbooks under this package's time bound, podman as JSON, image records and
the test repository in the local registry."""

import functools
import json
import os
import subprocess
from pathlib import Path
from typing import Any

from tests.support import ansible
from tests.support.docker import LOCAL_REGISTRY, docker, login_local_registry

run_playbook = functools.partial(ansible.run_playbook, timeout=900)


def podman_json(*args: str, containers_conf: Path | None = None) -> Any:
    env = {**os.environ}
    if containers_conf is not None:
        env["CONTAINERS_CONF"] = str(containers_conf)
    result = subprocess.run(["podman", *args, "--format", "json"], capture_output=True, text=True,
                            check=True, timeout=60, env=env)
    return json.loads(result.stdout or "[]")


TEST_REPOSITORY = f"{LOCAL_REGISTRY}/banknote-k8s-test"
# A digest-pinned reference shaped like ECR's, for rendering only (nothing pulls it).
FAKE_ECR_REFERENCE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/banknote@sha256:" + "ab" * 32


def write_record(path: Path, repository: str, tag: str, digest: str) -> Path:
    record = {"repository_uri": repository, "tag": tag, "digest": digest,
              "reference": f"{repository}@{digest}"}
    path.write_text(json.dumps(record))
    return path


def push(local_image: str, tag: str) -> str:
    """Pushes local_image as TEST_REPOSITORY:tag; returns the registry's digest."""
    login_local_registry()
    docker("tag", local_image, f"{TEST_REPOSITORY}:{tag}")
    out = docker("push", f"{TEST_REPOSITORY}:{tag}", timeout=600).stdout
    digest = next(word for line in out.splitlines() if "digest:" in line for word in line.split()
                  if word.startswith("sha256:"))
    return digest
