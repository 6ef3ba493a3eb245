"""The podman path's pod count without a podman run: the rendered Deployment leaves replicas to the
HPA (tests/k8s/test_manifests.py), so the revision podman plays must carry k8s_app_replicas itself.

A stub `podman` first on PATH answers the deployed-image lookup's `pod ps --filter status=running` with no
pods (a first deploy) and fails every other call: the apply's first `pod ps` stops the play right after the
revision is written (nothing is started). The real pods are counted by
test_podman_deploy.py, which needs the Docker engine and the registry."""

import json
import os
import stat
from pathlib import Path

import pytest
import yaml
from k8s_helpers import FAKE_ECR_REFERENCE, run_playbook, write_record

pytestmark = pytest.mark.ansible

STUB = """#!/bin/sh
echo "$*" >> "{log}"
case "$*" in *status=running*) echo '[]'; exit 0;; esac
exit 1
"""


@pytest.mark.parametrize("replicas", [2, 3])
def test_podman_revision_runs_k8s_app_replicas_pods(tmp_path: Path, replicas: int):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    stub = bin_dir / "podman"
    stub.write_text(STUB.format(log=tmp_path / "podman.log"))
    stub.chmod(stub.stat().st_mode | stat.S_IXUSR)
    repository, digest = FAKE_ECR_REFERENCE.split("@")
    record = write_record(tmp_path / "image.json", repository, "test", digest)
    run = run_playbook("playbooks/deploy.yml", "--tags", "k8s_app", extra_vars={
        "app_name": "banknote-revision-test", "app_replicas": replicas, "image_record_file": str(record),
        "k8s_app_podman_registry": "", "k8s_app_podman_work_dir": str(tmp_path / "k8s"),
        "k8s_app_manifest_dir": str(tmp_path / "manifests"),
    }, env={**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"})
    assert run.task_results("List the app's pods, every revision"), run.explain()
    assert "replicas" not in yaml.safe_load((tmp_path / "manifests" / "deployment.yaml").read_text())["spec"]
    (revision,) = (tmp_path / "k8s" / "revisions").glob("banknote-revision-test-*.yaml")
    played = yaml.safe_load(revision.read_text())
    assert played["spec"]["replicas"] == replicas, json.dumps(played["spec"])[:300]
