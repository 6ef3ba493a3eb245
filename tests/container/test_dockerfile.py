"""The Dockerfile passes hadolint; .dockerignore lets exactly the image's inputs into the build context."""

import subprocess
from pathlib import Path

import pytest
from container_helpers import docker


def test_hadolint_reports_nothing(repo_root: Path) -> None:
    hadolint = repo_root / ".venv" / "bin" / "hadolint"
    result = subprocess.run([str(hadolint), "--no-color", str(repo_root / "Dockerfile")],
                            text=True, capture_output=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == ""


ALLOWED = ("app/", "requirements/serve.txt", "wheelhouse/", "build/model/serving/")


@pytest.mark.docker
def test_build_context_holds_only_the_image_inputs(
    repo_root: Path, base_image: str, wheelhouse: Path, tmp_path: Path
) -> None:
    """Docker itself applies .dockerignore: a throwaway build copies the whole context and lists it."""
    probe = tmp_path / "Dockerfile.context"
    probe.write_text(f"FROM {base_image}\nCOPY . /context/\n")
    tag = "banknote-context-probe:test"
    build = docker("build", "--network", "none", "--quiet", "--file", str(probe), "--tag", tag,
                   str(repo_root), check=False, timeout=300)
    assert build.returncode == 0, build.stderr
    try:
        listing = docker("run", "--rm", "--network", "none", "--entrypoint", "find", tag,
                         "/context", "-type", "f").stdout.split()
    finally:
        docker("rmi", tag, check=False)
    files = [path.removeprefix("/context/") for path in listing]
    assert files, "the build context is empty"
    stray = [path for path in files if not path.startswith(ALLOWED)]
    assert not stray, f"files in the build context that the image does not need: {stray[:20]}"
    assert not [path for path in files if "__pycache__" in path or path.endswith(".pyc")]
    assert "app/__init__.py" in files
    assert "app/gunicorn.conf.py" in files
    assert "requirements/serve.txt" in files
    assert any(path.startswith("wheelhouse/") and path.endswith(".whl") for path in files)
