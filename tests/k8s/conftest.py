"""Fixtures for the k8s tests: manifests rendered from each inventory, and a real image in the local
registry (built from the session's trained model with scripts/build-image.sh, pushed under a test
repository so the project's own `banknote` repository and deploys are left alone)."""

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from k8s_helpers import FAKE_ECR_REFERENCE, TEST_REPOSITORY, push, run_playbook, write_record

from tests.support.ansible import REPO_ROOT
from tests.support.docker import engine_error
from tests.support.moto import MotoServer, moto_server


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
    if error := engine_error():
        pytest.fail(error)
    iid_file = tmp_path_factory.mktemp("k8s-image") / "iid"
    env = {**os.environ, "MODEL_DIR": str(serving_dir), "IIDFILE": str(iid_file)}
    subprocess.run([str(REPO_ROOT / "scripts" / "build-image.sh"), "banknote:k8s-test"], env=env, check=True,
                   timeout=900, capture_output=True)
    image_id = iid_file.read_text().strip()
    digest = push(image_id, "v1")
    return {"image_id": image_id, "digest": digest, "reference": f"{TEST_REPOSITORY}@{digest}"}
