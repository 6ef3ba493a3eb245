"""roles/project_sync/files/build_context.py: the deterministic context tar and the source revision."""

import json
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from build_helpers import SourceCopy

from tests.support.ansible import REPO_ROOT

SCRIPT = REPO_ROOT / "roles" / "project_sync" / "files" / "build_context.py"


@pytest.fixture
def tree(tmp_path: Path) -> tuple[SourceCopy, Path]:
    source = SourceCopy(tmp_path / "source")
    (source.path / "app" / "__pycache__").mkdir(parents=True)
    (source.path / "app" / "main.py").write_text("print('hi')\n")
    (source.path / "app" / "__pycache__" / "main.cpython-311.pyc").write_bytes(b"\0")
    (source.path / "app" / ".main.py.swp").write_text("x")
    (source.path / "Dockerfile").write_text("FROM scratch\n")
    (source.path / "notes.txt").write_text("not in the context\n")
    serving = tmp_path / "serving"
    serving.mkdir()
    (serving / "model.json").write_text("{}\n")
    source.git("init", "-q")
    return source, serving


def pack(source: SourceCopy, serving: Path, out: Path) -> dict:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--source", str(source.path), "--serving", str(serving),
         "--out", str(out), "--path", "app", "--path", "Dockerfile"],
        capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def test_tar_holds_exactly_the_context(tree, tmp_path):
    source, serving = tree
    commit = source.commit("first")
    result = pack(source, serving, tmp_path / "ctx.tar")
    with tarfile.open(tmp_path / "ctx.tar") as tar:
        names = sorted(tar.getnames())
        assert {member.mtime for member in tar.getmembers()} == {0}
    assert names == ["Dockerfile", "app/main.py", "build/model/serving/model.json"]
    assert result["revision"] == commit
    assert result["dirty"] is False
    assert result["files"] == 3


def test_unchanged_tree_is_not_rewritten_and_a_change_is(tree, tmp_path):
    source, serving = tree
    source.commit("first")
    out = tmp_path / "ctx.tar"
    first = pack(source, serving, out)
    again = pack(source, serving, out)
    assert first["changed"] is True
    assert again["changed"] is False
    assert again["sha256"] == first["sha256"]
    (serving / "model.json").write_text('{"changed": true}\n')
    assert pack(source, serving, out)["sha256"] != first["sha256"]


def test_uncommitted_context_change_marks_the_revision_dirty(tree, tmp_path):
    source, serving = tree
    commit = source.commit("first")
    (source.path / "notes.txt").write_text("outside the context: still clean\n")
    assert pack(source, serving, tmp_path / "a.tar")["revision"] == commit
    (source.path / "app" / "main.py").write_text("print('changed')\n")
    result = pack(source, serving, tmp_path / "b.tar")
    assert result["dirty"] is True
    assert result["revision"] == f"{commit}-dirty{result['sha256'][:8]}"


def test_commits_outside_the_context_keep_the_revision(tree, tmp_path):
    source, serving = tree
    commit = source.commit("first")
    source.commit("docs only", append={"notes.txt": "more\n"})
    assert pack(source, serving, tmp_path / "ctx.tar")["revision"] == commit


def test_not_a_git_tree_fails_with_a_clear_message(tmp_path):
    (tmp_path / "app").mkdir()
    (tmp_path / "serving").mkdir()
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--source", str(tmp_path), "--serving", str(tmp_path / "serving"),
         "--out", str(tmp_path / "x.tar"), "--path", "app"], capture_output=True, text=True, check=False)
    assert done.returncode != 0
    assert "must be a git work tree" in done.stderr
