"""Fixtures for the build tests: a moto of their own with the infra playbook applied, and a runner of
playbooks/build.yml against it with the session's trained model and a private image record.

The build host stand-in container (banknote-build-host on 127.0.0.1:2222) and the local registry are
the ones the local target uses: the tests exercise them as a user's run would.
"""

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from build_helpers import SourceCopy

from tests.support.ansible import REPO_ROOT, PlaybookRun, run_playbook
from tests.support.moto import MotoServer, moto_server


@pytest.fixture(scope="session")
def build_moto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    """A fresh moto on a free loopback port (never the shared 4566, whose state others use), IAM enforced."""
    with moto_server(tmp_path_factory.mktemp("moto") / "moto.log") as server:
        yield server


@pytest.fixture(scope="session")
def build_infra(build_moto: MotoServer) -> MotoServer:
    """playbooks/infra.yml on the test moto: network stack, ECR repository, build-host instance profile."""
    run = run_playbook("playbooks/infra.yml", extra_vars=build_moto.extra_vars, timeout=900)
    assert run.returncode == 0, f"infra.yml failed (the build needs it):\n{run.explain()}"
    return build_moto


@pytest.fixture(scope="session")
def build_record_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("image-record")


@pytest.fixture(scope="session")
def run_build(build_infra: MotoServer, trained_model_dir: Path,
              build_record_dir: Path) -> Callable[..., PlaybookRun]:
    """Runs playbooks/build.yml; keyword arguments become extra vars (JSON)."""

    def run(record: str = "image.json", **extra_vars: object) -> PlaybookRun:
        variables = {
            **build_infra.extra_vars,
            "model_dir": str(trained_model_dir),
            "image_record_file": str(build_record_dir / record),
            **extra_vars,
        }
        return run_playbook("playbooks/build.yml", extra_vars=variables, timeout=900)

    return run


@pytest.fixture
def source_copy(tmp_path: Path) -> SourceCopy:
    """A git work tree holding a copy of the build context (the repository's own tree stays untouched)."""
    subprocess.run([str(REPO_ROOT / "scripts" / "wheelhouse.sh")], check=True, timeout=600,
                   capture_output=True)
    return SourceCopy.of_repository(tmp_path / "source")
