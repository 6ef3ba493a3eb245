"""Fixtures for the k8s tests: manifests rendered from each inventory, and a real image in the local
registry (built from the session's trained model with scripts/build-image.sh, pushed under a test
repository so the project's own `banknote` repository and deploys are left alone)."""

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from k8s_helpers import run_playbook

from tests.support.ansible import REPO_ROOT
from tests.support.moto import MotoServer, moto_server

REGISTRY = "127.0.0.1:5443"
TEST_REPOSITORY = f"{REGISTRY}/banknote-k8s-test"
# A digest-pinned reference shaped like ECR's, for rendering only (nothing pulls it).
FAKE_ECR_REFERENCE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/banknote@sha256:" + "ab" * 32


def docker(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DOCKER_BUILDKIT": "0"}
    return subprocess.run(["docker", *args], check=True, text=True, capture_output=True, timeout=timeout,
                          env=env)


def write_record(path: Path, repository: str, tag: str, digest: str) -> Path:
    record = {"repository_uri": repository, "tag": tag, "digest": digest,
              "reference": f"{repository}@{digest}"}
    path.write_text(json.dumps(record))
    return path


def push(local_image: str, tag: str) -> str:
    """Pushes local_image as TEST_REPOSITORY:tag; returns the registry's digest."""
    password = (REPO_ROOT / ".local" / "registry" / "password").read_text().strip()
    subprocess.run(["docker", "login", "-u", "banknote", "--password-stdin", REGISTRY], input=password,
                   check=True, text=True, capture_output=True, timeout=60)
    docker("tag", local_image, f"{TEST_REPOSITORY}:{tag}")
    out = docker("push", f"{TEST_REPOSITORY}:{tag}").stdout
    digest = next(word for line in out.splitlines() if "digest:" in line for word in line.split()
                  if word.startswith("sha256:"))
    return digest


@pytest.fixture(scope="session")
def k8s_moto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    """A moto of the session's own (never the shared 4566), IAM enforced: playbooks get its extra_vars
    and run as banknote-operator; the tests' own setup uses k8s_moto.client(...) (moto-admin)."""
    with moto_server(tmp_path_factory.mktemp("moto") / "moto.log") as server:
        yield server


@pytest.fixture(scope="session")
def render_manifests(tmp_path_factory: pytest.TempPathFactory):
    """render(inventory) -> directory of manifests rendered by the k8s_app role (apply method none)."""
    cache: dict[str, Path] = {}

    def render(inventory: str) -> Path:
        if inventory not in cache:
            work = tmp_path_factory.mktemp(f"manifests-{inventory.replace('/', '-')}")
            repository, digest = FAKE_ECR_REFERENCE.split("@")
            record = write_record(work / "image.json", repository, "test", digest)
            run = run_playbook("playbooks/deploy.yml", "--tags", "k8s_app", extra_vars={
                "k8s_app_apply_method": "none", "k8s_app_cluster_auth": "none",
                "k8s_app_manifest_dir": str(work / "manifests"), "image_record_file": str(record),
            }, inventory=inventory, timeout=300)
            assert run.returncode == 0, run.explain()
            cache[inventory] = work / "manifests"
        return cache[inventory]

    return render


@pytest.fixture(scope="session")
def pushed_app_image(serving_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The real app image (scripts/build-image.sh on the session's model), pushed to the registry."""
    if subprocess.run(["docker", "info"], capture_output=True, timeout=30, check=False).returncode != 0:
        pytest.fail("the Docker engine is not reachable: run scripts/services.sh start")
    iid_file = tmp_path_factory.mktemp("k8s-image") / "iid"
    env = {**os.environ, "MODEL_DIR": str(serving_dir), "IIDFILE": str(iid_file)}
    subprocess.run([str(REPO_ROOT / "scripts" / "build-image.sh"), "banknote:k8s-test"], env=env, check=True,
                   timeout=900, capture_output=True)
    image_id = iid_file.read_text().strip()
    digest = push(image_id, "v1")
    return {"image_id": image_id, "digest": digest, "reference": f"{TEST_REPOSITORY}@{digest}"}
