"""playbooks/train.yml: trains once, then reports ok (not changed) until data, code or artifact change."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.forest import ForestModel

pytestmark = [pytest.mark.ansible, pytest.mark.slow]


def run_playbook(repo_root: Path, model_dir: Path, dataset_path: Path) -> tuple[int, str]:
    result = subprocess.run(
        [str(Path(sys.executable).parent / "ansible-playbook"), "playbooks/train.yml",
         "-e", f"model_dir={model_dir}", "-e", f"training_data={dataset_path}"],
        cwd=repo_root, capture_output=True, text=True, timeout=600, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    changed = re.search(r"localhost\s+:.*changed=(\d+)", result.stdout)
    assert changed, result.stdout
    return int(changed.group(1)), result.stdout


def test_train_playbook_is_idempotent(repo_root: Path, trained_model_dir: Path, dataset_path: Path,
                                      tmp_path: Path) -> None:
    model_dir = tmp_path / "model"
    shutil.copytree(trained_model_dir, model_dir)  # the session's run left its stamp there
    run_playbook(repo_root, model_dir, dataset_path)  # trains only if the stamp does not match
    changed, output = run_playbook(repo_root, model_dir, dataset_path)
    assert changed == 0
    assert "up to date" in output

    # A damaged artifact is retrained, then left alone again.
    (model_dir / "serving" / "forest.npz").write_bytes(b"damaged")
    changed, output = run_playbook(repo_root, model_dir, dataset_path)
    assert changed == 1
    assert "held-out test" in output
    assert ForestModel.load(model_dir / "serving").metadata["n_trees"] >= 1
    changed, _ = run_playbook(repo_root, model_dir, dataset_path)
    assert changed == 0
