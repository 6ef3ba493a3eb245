"""The whole flow on the local target: site.yml from nothing to a verified endpoint, the no-op rerun,
a partial rerun by tag, and a teardown that leaves nothing behind.

The tests run in order and share one moto of their own (the shared one on 4566 keeps its state), with IAM
enforced: the playbooks run as banknote-operator holding only docs/operator*.json. The
local stand-ins (build host container on 127.0.0.1:2222, pods, the Service stand-in on 127.0.0.1:8080)
are the machine's only ones, so this module starts and ends with a teardown.
"""

import json
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.ansible import REPO_ROOT, PlaybookRun, run_playbook
from tests.support.http import post_json
from tests.support.iam_policy import assert_calls_allowed
from tests.support.leftovers import assert_nothing_left, leftovers
from tests.support.moto import moto_server

pytestmark = [pytest.mark.ansible, pytest.mark.docker, pytest.mark.slow]

PROJECT = "banknote"
# What the deploy leaves for the teardown to remove, at least (tests/support/leftovers.py's kinds).
DEPLOYED_KINDS = {"IAM role", "IAM instance profile", "OIDC provider", "EKS cluster", "Fargate profile",
                  "ECR repository", "CloudFormation stack", "VPC", "EC2 instance", "key pair",
                  "security group"}


@pytest.fixture(scope="module")
def flow(dataset_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    with moto_server(tmp_path_factory.mktemp("moto") / "moto.log") as moto:
        extra_vars = {**moto.extra_vars, "training_data": str(dataset_path)}
        # moto.calls(): every request of the run (local/moto/README.md), for what the flow calls.
        state = {"endpoint": moto.endpoint, "moto": moto, "extra_vars": extra_vars}
        # From nothing: remove whatever earlier work left on this machine's local stand-ins.
        cleanup = run_playbook("playbooks/teardown.yml", extra_vars=extra_vars)
        assert cleanup.returncode == 0, cleanup.explain()
        assert_nothing_left(moto.client, PROJECT)
        yield state
        run_playbook("playbooks/teardown.yml", extra_vars=extra_vars)


def site(flow: dict, *args: str) -> PlaybookRun:
    return run_playbook("site.yml", *args, extra_vars=flow["extra_vars"])


def app_pods() -> list[str]:
    listed = subprocess.run(["podman", "pod", "ps", "--format", "{{.Name}}"], capture_output=True,
                            text=True, check=True).stdout.split()
    return [name for name in listed if name.startswith(f"{PROJECT}-")]


def test_site_deploys_from_nothing_and_verifies(flow: dict):
    run = site(flow)
    assert run.returncode == 0, run.explain()
    assert run.total("failed") == 0, run.explain()
    assert run.messages("verify : Report the endpoint"), run.explain()  # verify ran to its end
    flow["url"] = run.fact("verify_url")
    flow["first_run_seconds"] = run.seconds
    # The endpoint answers any HTTP client, not just the verify role: a genuine row of the data set.
    answer = post_json(f"{flow['url']}/predict",
                       {"variance": -1.3971, "skewness": 3.3191, "curtosis": -1.3927, "entropy": -1.9948})
    assert answer["label"] == 1
    assert answer["class"] == "genuine"
    # What was deployed is the image the build recorded, pinned by digest.
    record = json.loads((REPO_ROOT / "build" / "image.json").read_text())
    deployment = (REPO_ROOT / "build" / "manifests" / "deployment.yaml").read_text()
    assert record["reference"] in deployment
    assert len(app_pods()) >= 2


def test_second_run_changes_nothing(flow: dict):
    run = site(flow)
    assert run.returncode == 0, run.explain()
    assert run.total("changed") == 0, run.explain()
    print(f"site.yml first run {flow['first_run_seconds']:.0f} s, no-op rerun {run.seconds:.0f} s")


def test_tag_k8s_app_alone_rerenders_and_applies(flow: dict):
    pods = app_pods()
    subprocess.run(["podman", "pod", "rm", "--force", *pods], capture_output=True, check=True)
    manifest = REPO_ROOT / "build" / "manifests" / "deployment.yaml"
    manifest.unlink()

    run = site(flow, "--tags", "k8s_app")
    assert run.returncode == 0, run.explain()
    # Other roles appear only through what Ansible or the project always runs: argument validation,
    # and preflight's confirmation gate (which guards every partial run on the aws target).
    gate = "preflight : Require confirmation before spending money"
    other_roles = [name for name in run.task_names()
                   if " : " in name and not name.startswith("k8s_app : ") and name != gate
                   and not name.split(" : ", 1)[1].startswith("Validating arguments")]
    assert other_roles == [], other_roles
    assert all(name.startswith("k8s_app : ") for name in run.changed_tasks()), run.changed_tasks()
    assert "k8s_app : Render the manifests" in run.changed_tasks()
    assert manifest.is_file()
    assert len(app_pods()) >= 2
    answer = post_json(f"{flow['url']}/predict", {"instances": [[3.6216, 8.6661, -2.8073, -0.44699]]})
    assert answer["predictions"][0]["label"] == 0


def test_teardown_leaves_nothing_behind(flow: dict):
    # Something to remove: the deploy's resources are there (a teardown of nothing would pass the checks).
    deployed = {leftover.kind for leftover in leftovers(flow["moto"].client, PROJECT)}
    assert deployed >= DEPLOYED_KINDS, sorted(deployed)
    run = run_playbook("playbooks/teardown.yml", extra_vars=flow["extra_vars"])
    assert run.returncode == 0, run.explain()

    assert app_pods() == []
    with pytest.raises(urllib.error.URLError, match="refused"):
        urllib.request.urlopen(f"{flow['url']}/v2/health/live", timeout=3)
    build_host = subprocess.run(["docker", "ps", "-a", "-q", "--filter", f"name=^{PROJECT}-build-host$"],
                                capture_output=True, text=True, check=True).stdout.strip()
    assert build_host == ""

    assert_nothing_left(flow["moto"].client, PROJECT)

    again = run_playbook("playbooks/teardown.yml", extra_vars=flow["extra_vars"])
    assert again.returncode == 0, again.explain()
    assert again.total("changed") == 0, again.explain()
    assert_nothing_left(flow["moto"].client, PROJECT)


def test_moto_denied_the_operator_nothing(flow: dict):
    """Every request of the playbooks ran as banknote-operator and was allowed by docs/operator*.json.

    A module that swallows AccessDenied (aws_caller_info's ListAccountAliases did) passes its task, so
    the run alone does not show a missing action: the call log does."""
    calls = flow["moto"].calls()
    playbook_calls = [c for c in calls if c["user"] != "moto-admin"]
    assert {c["user"] for c in playbook_calls} == {"banknote-operator"}
    denied = sorted({f"{c['service']}:{c['action']}" for c in playbook_calls if not c["allowed"]})
    assert denied == [], f"add these to docs/operator*.json (or stop calling them): {denied}"
    actions = {f"{c['service']}:{c['action']}" for c in playbook_calls}
    print(f"the flow called {len(actions)} distinct AWS actions in {len(playbook_calls)} requests")


def test_every_call_is_within_the_scoped_operator_policies(flow: dict):
    """moto checked actions only; the recorded calls are evaluated against the real, scoped policies."""
    counts = assert_calls_allowed(flow["moto"].call_log)
    assert counts["checked_actions"] > 0, counts
    print(json.dumps(counts, indent=1))  # distinct/checked/unchecked actions, for the closing note
