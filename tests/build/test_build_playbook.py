"""playbooks/build.yml on the local target: the stand-in build host over SSH, Docker installed by the
docker_engine role, the context copied, the image built there and pushed to the local registry.

Wall times of the runs are printed (pytest -s shows them); nothing asserts on them.
"""

import hashlib
import json
import subprocess
from pathlib import Path

import pytest
from build_helpers import SourceCopy, delete_manifest, manifest_digest

from tests.support.ansible import REPO_ROOT, run_molecule
from tests.support.docker import docker, login_local_registry, running_container
from tests.support.http import request

pytestmark = [pytest.mark.ansible, pytest.mark.docker, pytest.mark.slow]

BUILD_TASK = "image : Build the image"
PUSH_TASK = "image : Push the image"


def read_record(path: Path) -> dict[str, str]:
    record = json.loads(path.read_text())
    assert set(record) == {"repository_uri", "tag", "digest", "reference"}, record
    assert record["reference"] == f"{record['repository_uri']}@{record['digest']}"
    return record


@pytest.fixture(scope="module")
def frozen_source(tmp_path_factory) -> dict[str, str]:
    """Extra vars building from a committed snapshot of the build context: other work on this machine
    commits to the repository meanwhile, and a new commit rightly means a new tag."""
    root = tmp_path_factory.mktemp("frozen")
    subprocess.run([str(REPO_ROOT / "scripts" / "wheelhouse.sh")], check=True, timeout=600,
                   capture_output=True)
    SourceCopy.of_repository(root / "source").commit("snapshot of the build context")
    return {"project_sync_source_dir": str(root / "source"), "project_sync_wheelhouse_command": "",
            "project_sync_archive": str(root / "context.tar")}


@pytest.fixture(scope="module")
def first_build(run_build, build_record_dir, frozen_source):
    run = run_build(**frozen_source)
    print(f"\nbuild.yml first run: {run.seconds:.1f} s, recap {run.recap}")
    assert run.returncode == 0, run.explain()
    record = read_record(build_record_dir / "image.json")
    yield record
    # The snapshot's commit exists only in this session: its image goes with it.
    delete_manifest(record["digest"])


def test_rerun_changes_nothing_and_rebuilds_nothing(first_build, run_build, build_record_dir, frozen_source):
    again = run_build(**frozen_source)
    print(f"\nbuild.yml no-op rerun: {again.seconds:.1f} s")
    assert again.returncode == 0, again.explain()
    assert again.recap["changed"] == 0, again.explain()
    assert set(again.task_results(BUILD_TASK)) <= {"skipped"}, again.explain()
    assert set(again.task_results(PUSH_TASK)) <= {"skipped"}, again.explain()
    assert read_record(build_record_dir / "image.json") == first_build


def test_recorded_digest_is_in_the_registry(first_build, frozen_source, trained_model_dir: Path):
    assert first_build["repository_uri"] == "127.0.0.1:5443/banknote"
    assert manifest_digest(first_build["tag"]) == first_build["digest"]
    # <source revision>-<first 12 hex of the serving artifact's sha256>, each derived here from its source:
    # the snapshot's one commit (git), the model.json the build was given (hashlib).
    commit = subprocess.run(["git", "-C", frozen_source["project_sync_source_dir"], "rev-parse", "--short=7",
                             "HEAD"], check=True, capture_output=True, text=True).stdout.strip()
    model = hashlib.sha256((trained_model_dir / "serving" / "model.json").read_bytes()).hexdigest()
    assert first_build["tag"] == f"{commit}-{model[:12]}"


def test_pushed_digest_pulled_back_answers_ready(first_build):
    login_local_registry()
    reference = first_build["reference"]
    docker("pull", reference, timeout=300)
    # The image's own port, published on 127.0.0.1 only; running_container waits for the ready answer.
    with running_container(reference, 8080) as container:
        assert request("GET", f"{container.url}/v2/health/ready").status == 200, container.logs(tail=50)


def test_app_change_builds_a_new_tag_and_an_interrupted_push_converges(
        first_build, run_build, source_copy: SourceCopy):
    pushed: list[str] = []
    source = {"project_sync_source_dir": str(source_copy.path), "project_sync_wheelhouse_command": "",
              "project_sync_archive": str(source_copy.path.parent / "context.tar")}
    record = source_copy.path.parent / "image.json"
    try:
        first_commit = source_copy.commit("copy of the build context")
        before = run_build(record=str(record), **source)
        assert before.returncode == 0, before.explain()
        old = read_record(record)
        pushed.append(old["digest"])
        assert old["tag"].startswith(f"{first_commit}-")

        change = {"app/__init__.py": "\n# build test change\n"}
        changed_commit = source_copy.commit("change the app", append=change)
        # Stopped after the build, before the push: nothing in the registry, the record unchanged.
        interrupted = run_build(record=str(record), image_push=False, **source)
        assert interrupted.returncode == 0, interrupted.explain()
        assert interrupted.task_results(BUILD_TASK) == ["changed"], interrupted.explain()
        new_tag = f"{changed_commit}-{old['tag'].rsplit('-', 1)[1]}"
        assert manifest_digest(new_tag) is None
        assert read_record(record) == old

        resumed = run_build(record=str(record), **source)
        assert resumed.returncode == 0, resumed.explain()
        # The image built before the interruption is pushed as it is, not rebuilt.
        assert resumed.task_results(BUILD_TASK) == ["ok"], resumed.explain()
        assert resumed.task_results(PUSH_TASK) == ["changed"], resumed.explain()
        new = read_record(record)
        pushed.append(new["digest"])
        assert new["tag"] == new_tag
        assert new["digest"] != old["digest"]
        assert manifest_digest(new_tag) == new["digest"]
        # The old tag is untouched.
        assert manifest_digest(old["tag"]) == old["digest"]
    finally:
        # Images of this test's throw-away commits (not first_build's, which other tests use).
        for digest in pushed:
            if digest != first_build["digest"]:
                delete_manifest(digest)


def test_molecule_docker_engine_passes():
    done = run_molecule("test", cwd=REPO_ROOT / "roles" / "docker_engine", timeout=900)
    assert done.returncode == 0, (done.stdout + done.stderr)[-5000:]
