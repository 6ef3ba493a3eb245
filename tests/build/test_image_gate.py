"""The image role's scan gate and record (issue 9, defect 8): image_record_file is what `--tags k8s_app`
deploys, so it is written only after the gate passes, and a record naming an image that fails the gate
is removed. Runs roles/image/tasks/record.yml on the control node with the scan module replaced by
the stand-in collection in gate/ (its banknote.deploy.ecr_image_scan_findings answers what the test wrote;
the real module's statuses and severities are tested against Stubbers in
tests/modules/test_build_modules.py). No moto, no registry,
no build host: the gate runs on the control node (delegate_to: localhost) as in the build.
"""

import json
import os
from pathlib import Path

import pytest

from tests.support.ansible import REPO_ROOT, run_playbook

pytestmark = [pytest.mark.ansible]

GATE = Path(__file__).parent / "gate"
URI = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/banknote"
IMAGE = {"tag": "1a2b3c4-0123456789ab", "digest": "sha256:" + "b" * 64}
OLDER = {"tag": "0f0f0f0-0123456789ab", "digest": "sha256:" + "a" * 64}


def record_of(image: dict[str, str]) -> dict[str, str]:
    return {"repository_uri": URI, "tag": image["tag"], "digest": image["digest"],
            "reference": f"{URI}@{image['digest']}"}


def run_gate(tmp_path: Path, severity_counts: dict[str, int], status: str = "COMPLETE"):
    result = tmp_path / "scan.json"
    result.write_text(json.dumps({"status": status, "severity_counts": severity_counts}))
    variables = {
        "image_record_file": str(tmp_path / "image.json"),
        "image_repository_uri": URI,
        "image_repository_name": "banknote",
        "image_region": "eu-west-1",
        "image_tag": IMAGE["tag"],
        "image_digest": IMAGE["digest"],
        "image_scan_gate": True,
    }
    # The stand-in collection is the only banknote.deploy in collections_path for this run (the venv's
    # collections are still found after it), so the role's FQCN reaches the stand-in module.
    return run_playbook("tests/build/playbooks/image_record.yml", extra_vars=variables,
                        env={**os.environ, "BANKNOTE_FAKE_SCAN_RESULT": str(result)},
                        config={"collections_path": str(GATE)}, timeout=300)


def test_passing_gate_records_the_image(tmp_path):
    run = run_gate(tmp_path, {"HIGH": 2, "MEDIUM": 5})
    assert run.returncode == 0, run.explain()
    assert json.loads((tmp_path / "image.json").read_text()) == record_of(IMAGE)


def test_failing_gate_records_nothing(tmp_path):
    run = run_gate(tmp_path, {"CRITICAL": 1, "HIGH": 2})
    assert run.returncode != 0, run.explain()
    assert not (tmp_path / "image.json").exists()
    assert any("CRITICAL" in message for message in run.failure_messages), run.explain()


def test_failing_gate_removes_a_record_naming_the_image(tmp_path):
    # An earlier run recorded this image (gate off, or before the finding was published).
    (tmp_path / "image.json").write_text(json.dumps(record_of(IMAGE)))
    run = run_gate(tmp_path, {"CRITICAL": 1}, status="ACTIVE")
    assert run.returncode != 0, run.explain()
    assert not (tmp_path / "image.json").exists()


def test_failing_gate_keeps_the_record_of_an_earlier_image(tmp_path):
    # The last image that passed stays what the deploy roles use.
    (tmp_path / "image.json").write_text(json.dumps(record_of(OLDER)))
    run = run_gate(tmp_path, {"CRITICAL": 3})
    assert run.returncode != 0, run.explain()
    assert json.loads((tmp_path / "image.json").read_text()) == record_of(OLDER)


def test_the_role_records_only_through_the_gate():
    # present.yml must not write image_record_file itself (that was the bypass): only record.yml does.
    tasks = (REPO_ROOT / "roles" / "image" / "tasks")
    writers = [p.name for p in tasks.glob("*.yml") if "image_record_file" in p.read_text()
               and "ansible.builtin.copy" in p.read_text()]
    assert writers == ["record.yml"]
