"""Where the training data comes from: the shipped copy by default, checked by its sha256 before use, and
errors that say how to pass other data to the command the user ran (python -m training, the playbook,
./scripts/deploy.sh)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from training_helpers import REPO_ROOT

from training import data

# Written out here (as in data/README.md and tests/conftest.py), not read from training/data.py.
SHIPPED = REPO_ROOT / "data" / "banknote_authentication.csv"
SHIPPED_SHA256 = "0787e50299c198e919276660edf98dd5dcb94951ad81435b3ab61afb666936c9"
CONTENT_SHA256 = "50573e4d341c0c211668136a8b83b592b8dda436520785c3cc3d536fe407a157"
DEPLOY_HINT = "BANKNOTE_DATA=PATH_OR_URL ./scripts/deploy.sh"


def test_the_data_set_ships_tracked_and_documented() -> None:
    assert hashlib.sha256(SHIPPED.read_bytes()).hexdigest() == SHIPPED_SHA256
    tracked = subprocess.run(["git", "ls-files", "--error-unmatch", "data/banknote_authentication.csv"],
                             cwd=REPO_ROOT, capture_output=True, text=True, check=False)
    assert tracked.returncode == 0, "data/banknote_authentication.csv is not committed (.gitignore has *.csv)"
    readme = (REPO_ROOT / "data" / "README.md").read_text()
    for needed in (SHIPPED_SHA256, "CC BY 4.0", "Lohweg", "Doerksen",
                   "archive.ics.uci.edu/ml/machine-learning-databases/00267/data_banknote_authentication.txt",
                   "--data PATH_OR_URL", "BANKNOTE_DATA=PATH_OR_URL ./scripts/deploy.sh"):
        assert needed in readme, needed


def test_no_source_means_the_shipped_copy() -> None:
    dataset = data.load()
    assert Path(dataset.source) == SHIPPED
    assert dataset.file_sha256 == SHIPPED_SHA256
    assert dataset.content_sha256 == CONTENT_SHA256  # the same rows as the UCI original
    assert len(dataset.y) == 1372


def _changed_copy(tmp_path: Path) -> Path:
    """A copy of the shipped file with one value changed: still valid data, so only the sha256 catches it."""
    copy = tmp_path / "banknote_authentication.csv"
    copy.write_bytes(SHIPPED.read_bytes().replace(b"3.6216,", b"3.6217,", 1))
    return copy


def _train_with_shipped_path(shipped: Path, *args: str) -> subprocess.CompletedProcess:
    """`python -m training ARGS` with SHIPPED_PATH pointing at `shipped` (the real file is never touched)."""
    code = ("import sys; from pathlib import Path; from training import cli, data; "
            "data.SHIPPED_PATH = Path(sys.argv[1]).resolve(); sys.exit(cli.main(sys.argv[2:]))")
    return subprocess.run([sys.executable, "-c", code, str(shipped), *args], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize("hint", [None, "rerun as " + DEPLOY_HINT])
def test_a_changed_shipped_copy_stops_with_one_line(tmp_path: Path, hint: str | None) -> None:
    copy = _changed_copy(tmp_path)
    actual = hashlib.sha256(copy.read_bytes()).hexdigest()
    out = tmp_path / "out"
    result = _train_with_shipped_path(copy, "--out", str(out), *(["--data-hint", hint] if hint else []))
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    line = lines[0]
    assert line.startswith(f"error: {copy} has sha256 {actual}, expected {SHIPPED_SHA256}"), line
    assert "git checkout -- data/banknote_authentication.csv" in line
    if hint:
        assert line.endswith(hint), line
        assert "--data" not in line, line
    else:
        assert "pass --data PATH_OR_URL" in line
    assert not out.exists(), "a rejected data set must not leave an output directory"


def test_the_shipped_copy_is_checked_when_named_explicitly(tmp_path: Path) -> None:
    # The playbook passes the shipped path with --data: the check must hold there too.
    copy = _changed_copy(tmp_path)
    result = _train_with_shipped_path(copy, "--data", str(copy), "--out", str(tmp_path / "out"))
    assert result.returncode == 1
    assert f"expected {SHIPPED_SHA256}" in result.stderr


def _failure_messages(stdout: str) -> list[str]:
    """The msg of every failed task in the ansible.posix.json callback's document (printed last)."""
    start = stdout.find("\n{\n")
    report = json.loads(stdout[start:] if start >= 0 else stdout)
    return [result.get("msg", "") for play in report["plays"] for task in play["tasks"]
            for result in task["hosts"].values() if result.get("failed")]


def _run(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    env = {**os.environ, "ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json", **env}
    return subprocess.run(argv, cwd=REPO_ROOT, capture_output=True, text=True, timeout=600, env=env,
                          check=False)


@pytest.mark.ansible
@pytest.mark.slow
def test_the_playbook_says_how_to_pass_data_to_the_playbook(tmp_path: Path) -> None:
    missing = tmp_path / "missing.csv"
    result = _run([str(Path(sys.executable).parent / "ansible-playbook"), "playbooks/train.yml",
                   "-e", f"training_data={missing}", "-e", f"model_dir={tmp_path / 'model'}"], env={})
    assert result.returncode != 0
    (message,) = _failure_messages(result.stdout)
    assert message == f"error: data file {missing} does not exist; to use another copy, " \
                      "rerun with -e training_data=PATH_OR_URL", message


@pytest.mark.ansible
@pytest.mark.slow
def test_deploy_sh_says_how_to_pass_data_to_deploy_sh(tmp_path: Path) -> None:
    # Only the train play: --skip-tags always keeps the local services play (and the shared moto) out of it.
    missing = tmp_path / "missing.csv"
    result = _run(["./scripts/deploy.sh", "--tags", "train", "--skip-tags", "always",
                   "-e", f"model_dir={tmp_path / 'model'}"], env={"BANKNOTE_DATA": str(missing)})
    assert result.returncode != 0, result.stdout[-3000:] + result.stderr[-3000:]
    (message,) = _failure_messages(result.stdout)
    expected = f"error: data file {missing} does not exist; to use another copy, rerun as {DEPLOY_HINT}"
    assert message == expected, message
    assert "--data" not in message
    assert "python -m training" not in message
