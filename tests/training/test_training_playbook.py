"""playbooks/train.yml: trains once, then reports ok (not changed) until data, code or artifact change."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.forest import ForestModel
from tests.support.ansible import run_playbook

pytestmark = [pytest.mark.ansible, pytest.mark.slow]


def train(model_dir: Path, dataset_path: Path) -> tuple[int, str]:
    """playbooks/train.yml; (tasks changed, what `python -m training` printed)."""
    run = run_playbook("playbooks/train.yml", extra_vars={"model_dir": str(model_dir),
                                                          "training_data": str(dataset_path)}, timeout=600)
    assert run.returncode == 0, run.explain()
    (trained,) = run.results_of("Train the model")
    return run.recaps["localhost"]["changed"], trained["stdout"]


def test_train_playbook_is_idempotent(trained_model_dir: Path, dataset_path: Path, tmp_path: Path) -> None:
    model_dir = tmp_path / "model"
    shutil.copytree(trained_model_dir, model_dir)  # the session's run left its stamp there
    train(model_dir, dataset_path)  # trains only if the stamp does not match
    changed, output = train(model_dir, dataset_path)
    assert changed == 0
    assert "up to date" in output

    # A damaged artifact is retrained, then left alone again.
    (model_dir / "serving" / "forest.npz").write_bytes(b"damaged")
    changed, output = train(model_dir, dataset_path)
    assert changed == 1
    assert "held-out test" in output
    assert ForestModel.load(model_dir / "serving").metadata["n_trees"] >= 1
    changed, _ = train(model_dir, dataset_path)
    assert changed == 0
