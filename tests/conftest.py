"""Fixtures shared by every test package: paths, the shipped data set, one trained model per session."""

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
# The tests read the copy the project ships (data/README.md), checked against the sha256 given there,
# written out here rather than read from training/data.py so a wrong pin in the code cannot pass.
DATASET = REPO_ROOT / "data" / "banknote_authentication.csv"
DATASET_SHA256 = "0787e50299c198e919276660edf98dd5dcb94951ad81435b3ab61afb666936c9"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def dataset_path() -> Path:
    if not DATASET.is_file():
        pytest.fail(f"data set not found at {DATASET}: restore it with git checkout -- data/{DATASET.name}")
    actual = hashlib.sha256(DATASET.read_bytes()).hexdigest()
    if actual != DATASET_SHA256:
        pytest.fail(f"{DATASET} has sha256 {actual}, expected {DATASET_SHA256}: "
                    f"restore it with git checkout -- data/{DATASET.name}")
    return DATASET


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
