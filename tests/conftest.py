"""Fixtures shared by every test package: paths, the shared data set, one trained model per session."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
# Tests and CI read the shared copy; the project never commits the data set.
DEFAULT_DATASET = REPO_ROOT.parent / "shared" / "data" / "banknote_authentication.csv"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def dataset_path() -> Path:
    path = Path(os.environ.get("BANKNOTE_DATA", DEFAULT_DATASET))
    if not path.is_file():
        pytest.fail(f"data set not found at {path}: set BANKNOTE_DATA to the banknote CSV")
    return path


@pytest.fixture(scope="session")
def trained_model_dir(dataset_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Runs the real training CLI once per session (or reuses BANKNOTE_MODEL_DIR if set)."""
    if reuse := os.environ.get("BANKNOTE_MODEL_DIR"):
        return Path(reuse)
    out = tmp_path_factory.mktemp("model")
    subprocess.run(
        [sys.executable, "-m", "training", "--data", str(dataset_path), "--out", str(out), "--seed", "42"],
        cwd=REPO_ROOT, check=True,
    )
    return out


@pytest.fixture(scope="session")
def serving_dir(trained_model_dir: Path) -> Path:
    """The serving artifact directory: what MODEL_DIR points at."""
    return trained_model_dir / "serving"
