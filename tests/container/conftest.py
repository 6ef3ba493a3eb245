"""The real image, built once per session the way users build it, and containers run the way production
runs them: read-only root, every capability dropped, no privilege gain, published on 127.0.0.1 only.

Every container started here is removed by its ID; the image keeps a fixed tag (banknote:test) so the
next session's build reuses the layer cache, and the tests address it by the ID the build wrote.
"""

import hashlib
import json
import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from container_helpers import BASE_IMAGE, IMAGE_TAG, docker

from tests.support.docker import Container, engine_error, running_container
from tests.support.docker import start_container as start_production


@pytest.fixture(scope="session")
def docker_engine() -> None:
    if error := engine_error():
        pytest.fail(error)


@pytest.fixture(scope="session")
def base_image(repo_root: Path, docker_engine: None) -> str:
    subprocess.run([str(repo_root / "scripts" / "build-base-image.sh"), BASE_IMAGE], check=True, timeout=600)
    return BASE_IMAGE


@pytest.fixture(scope="session")
def wheelhouse(repo_root: Path) -> Path:
    subprocess.run([str(repo_root / "scripts" / "wheelhouse.sh")], check=True, timeout=600)
    return repo_root / "wheelhouse"


@pytest.fixture(scope="session")
def image(repo_root: Path, base_image: str, wheelhouse: Path, serving_dir: Path,
          tmp_path_factory: pytest.TempPathFactory) -> str:
    """The image ID, built with --network none from the session's freshly trained artifact."""
    iid_file = tmp_path_factory.mktemp("image") / "iid"
    env = {**os.environ, "MODEL_DIR": str(serving_dir), "BASE_IMAGE": base_image, "IIDFILE": str(iid_file)}
    build = repo_root / "scripts" / "build-image.sh"
    subprocess.run([str(build), IMAGE_TAG], env=env, check=True, timeout=900)
    return iid_file.read_text().strip()


@pytest.fixture(scope="session")
def image_config(image: str) -> dict[str, Any]:
    return json.loads(docker("image", "inspect", "-f", "{{json .Config}}", image).stdout)


@pytest.fixture(scope="session")
def exposed_port(image_config: dict[str, Any]) -> int:
    """The one port the image declares: containers are published on it, so it must be the listening one."""
    ports = list(image_config.get("ExposedPorts") or {})
    assert len(ports) == 1, f"expected one exposed port, got {ports}"
    assert ports[0].endswith("/tcp")
    return int(ports[0].split("/")[0])


StartContainer = Callable[..., Container]


@pytest.fixture
def start_container(image: str, exposed_port: int) -> Iterator[StartContainer]:
    """Starts containers with the production flags (plus any given); removes them by ID afterwards."""
    started: list[Container] = []

    def start(*docker_args: str, command: tuple[str, ...] = ()) -> Container:
        started.append(start_production(image, exposed_port, *docker_args, command=command))
        return started[-1]

    yield start
    for container in started:
        container.remove()


@pytest.fixture(scope="module")
def service(image: str, exposed_port: int) -> Iterator[Container]:
    """One ready service container shared by a module's read-only HTTP tests."""
    with running_container(image, exposed_port) as container:
        yield container


@pytest.fixture(scope="session")
def model_json_sha256(serving_dir: Path) -> str:
    return hashlib.sha256((serving_dir / "model.json").read_bytes()).hexdigest()
