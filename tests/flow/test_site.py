"""The whole flow on the local target: site.yml from nothing to a verified HTTPS endpoint (HAProxy with a
CA made for the run, the verify role's count of its requests in the pods' log files), the no-op rerun,
a partial rerun by tag, a deploy of each deliberately bad image that rolls itself back while clients keep
getting answers, and a teardown that leaves nothing behind (AWS resources, pods, HAProxy, its certificates,
the pods' log files).

The tests run in order and share one moto of their own (the shared one on 4566 keeps its state), with IAM
enforced: the playbooks run as banknote-operator holding only docs/operator*.json. The
local stand-ins (build host container on 127.0.0.1:2222, pods, HAProxy on 127.0.0.1:8443)
are the machine's only ones, so this module starts and ends with a teardown.
"""

import json
import re
import ssl
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import bad_images
from tests.support.ansible import REPO_ROOT, PlaybookRun, run_playbook
from tests.support.clients import NOTES, Clients, post_note
from tests.support.iam_policy import assert_calls_allowed
from tests.support.leftovers import assert_nothing_left, leftovers
from tests.support.moto import moto_server

pytestmark = [pytest.mark.ansible, pytest.mark.docker, pytest.mark.slow]

PROJECT = "banknote"
# What the deploy leaves for the teardown to remove, at least (tests/support/leftovers.py's kinds).
DEPLOYED_KINDS = {"IAM role", "IAM instance profile", "OIDC provider", "EKS cluster", "Fargate profile",
                  "ECR repository", "CloudFormation stack", "VPC", "EC2 instance", "key pair",
                  "security group", "log group"}
# inventory/local: k8s_app's podman work dir; verify_ca_file is its tls/ca.crt (the CA made for the run).
WORK_DIR = REPO_ROOT / ".local" / "k8s"
CA_FILE = WORK_DIR / "tls" / "ca.crt"
ROLLOUT_TIMEOUT = 20  # k8s_app_rollout_timeout for the never-ready image: the attempt fails quickly



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


def site(flow: dict, *args: str, **extra_vars) -> PlaybookRun:
    return run_playbook("site.yml", *args, extra_vars={**flow["extra_vars"], **extra_vars})


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
    assert flow["url"] == "https://127.0.0.1:8443"
    # The verify role counted its own requests in the pods' log files: all of them, and not none.
    [count_line] = run.messages("verify : Report the log count")
    counted = re.search(r"verify: (\d+) of this run's requests .* of (\d+)(?: to \d+)? sent", count_line)
    assert counted, count_line
    found, sent = counted.groups()
    assert int(found) >= int(sent) > 0, count_line
    print(f"\n{' '.join(count_line.split())}")
    # The endpoint answers any HTTPS client that trusts the run's CA: a genuine row of the data set.
    answer = post_note(flow["url"], NOTES[1][0], CA_FILE)
    assert answer["label"] == 1
    assert answer["class"] == "genuine"
    # ...and only those: the system's trust store does not know that CA.
    system_trust = ssl.create_default_context()
    with pytest.raises(urllib.error.URLError, match="CERTIFICATE_VERIFY_FAILED"):
        urllib.request.urlopen(f"{flow['url']}/v2/health/live", timeout=5, context=system_trust)
    # What was deployed is the image the build recorded, pinned by digest.
    record = json.loads((REPO_ROOT / "build" / "image.json").read_text())
    deployment = (REPO_ROOT / "build" / "manifests" / "deployment.yaml").read_text()
    assert record["reference"] in deployment
    assert len(app_pods()) >= 2


def test_second_run_changes_nothing(flow: dict):
    run = site(flow)
    assert run.returncode == 0, run.explain()
    assert run.total("changed") == 0, run.explain()
    # A figure, not an assertion (no timed assertions in tests): the <= 60 s goal is docs/benchmark.md's.
    print(f"\nsite.yml first run {flow['first_run_seconds']:.0f} s, no-op rerun {run.seconds:.0f} s")


def test_tag_k8s_app_alone_rerenders_and_applies(flow: dict):
    pods = app_pods()
    subprocess.run(["podman", "pod", "rm", "--force", *pods], capture_output=True, check=True)
    manifest = REPO_ROOT / "build" / "manifests" / "deployment.yaml"
    manifest.unlink()

    run = site(flow, "--tags", "k8s_app")
    assert run.returncode == 0, run.explain()
    # Other roles appear only through what Ansible or the project always runs: argument validation,
    # and preflight's confirmation gate (which guards every partial run on the aws target); and the
    # two roles playbooks/deploy.yml tags k8s_app too (the Service's TLS certificate and its DNS alias,
    # which change nothing here).
    gate = "preflight : Require confirmation before spending money"
    with_k8s_app = ("k8s_app : ", "tls_certificate : ", "dns_record : ")
    other_roles = [name for name in run.task_names()
                   if " : " in name and not name.startswith(with_k8s_app) and name != gate
                   and not name.split(" : ", 1)[1].startswith("Validating arguments")]
    assert other_roles == [], other_roles
    assert all(name.startswith("k8s_app : ") for name in run.changed_tasks()), run.changed_tasks()
    assert "k8s_app : Render the manifests" in run.changed_tasks()
    assert manifest.is_file()
    assert len(app_pods()) >= 2
    answer = post_note(flow["url"], {"instances": [[3.6216, 8.6661, -2.8073, -0.44699]]}, CA_FILE)
    assert answer["predictions"][0]["label"] == 0


def deployed_record() -> dict:
    return json.loads((REPO_ROOT / "build" / "deployed.json").read_text())


@pytest.mark.parametrize("kind", ["never_ready", "wrong_answers"])
def test_bad_image_is_rolled_back_while_the_endpoint_answers(flow: dict, kind: str, tmp_path: Path):
    """The deploy + verify of a bad image record fails naming it, rolls back, and the endpoint never
    stops answering: a few clients post known notes through HAProxy the whole time."""
    good = json.loads((REPO_ROOT / "build" / "image.json").read_text())
    assert deployed_record()["current"] == good["reference"]
    bad = getattr(bad_images, kind)(good["reference"], tag=f"flow-{kind.replace('_', '-')}")
    record = bad_images.write_record(tmp_path / "image.json", bad)

    with Clients(flow["url"], CA_FILE, threads=3, pause=0.05, settle=0, max_seconds=600) as clients:
        run = site(flow, "--tags", "k8s_app,verify", image_record_file=str(record),
                   k8s_app_rollout_timeout=ROLLOUT_TIMEOUT)
    failed, wrong = clients.count("failed"), clients.count("wrong")
    print(f"\n{kind} attempt: {run.seconds:.0f} s, {len(clients.results)} requests, {failed} failed, "
          f"{wrong} answered wrongly" + (" (the bad image, until verification caught it)" if wrong else ""))

    assert run.returncode != 0, run.explain()
    message = " ".join(run.failure_messages[-1].split())
    why = (f"did not become ready within {ROLLOUT_TIMEOUT} s" if kind == "never_ready"
           else "failed verification (")
    assert message.startswith(f"Rolled back: image {bad['reference']} {why}"), message
    assert message.endswith(f"; {good['reference']} is serving again and passed verification."), message
    # The endpoint kept answering: not one request was refused or lost, and the load covered the attempt.
    assert failed == 0, clients.not_ok()[:3]
    assert len(clients.results) >= 20
    if kind == "never_ready":
        assert wrong == 0  # the old pods never left HAProxy's backend
    # Afterwards the good image serves again, and the record says what was rolled back.
    assert deployed_record()["current"] == good["reference"]
    assert deployed_record()["rolled_back_from"] == bad["reference"]
    for note, label in NOTES:
        assert post_note(flow["url"], note, CA_FILE)["label"] == label


def test_teardown_leaves_nothing_behind(flow: dict):
    # Something to remove: the deploy's resources are there (a teardown of nothing would pass the checks).
    deployed = {leftover.kind for leftover in leftovers(flow["moto"].client, PROJECT)}
    assert deployed >= DEPLOYED_KINDS, sorted(deployed)
    run = run_playbook("playbooks/teardown.yml", extra_vars=flow["extra_vars"])
    assert run.returncode == 0, run.explain()

    assert app_pods() == []
    with pytest.raises(urllib.error.URLError, match="refused"):
        urllib.request.urlopen(f"{flow['url']}/v2/health/live", timeout=3)
    # HAProxy is stopped (no process runs its config) and its files, the run's CA and certificate, and
    # the pods' log files (the local stand-in of the app's log group) are gone.
    haproxy_cfg = str(WORK_DIR / "haproxy" / "haproxy.cfg")
    running = [p for p in Path("/proc").glob("[0-9]*/cmdline") if haproxy_cfg in _cmdline(p)]
    assert running == []
    for leftover in ("haproxy", "tls", "logs"):
        assert not (WORK_DIR / leftover).exists() or not any((WORK_DIR / leftover).iterdir()), leftover
    build_host = subprocess.run(["docker", "ps", "-a", "-q", "--filter", f"name=^{PROJECT}-build-host$"],
                                capture_output=True, text=True, check=True).stdout.strip()
    assert build_host == ""

    assert_nothing_left(flow["moto"].client, PROJECT)

    again = run_playbook("playbooks/teardown.yml", extra_vars=flow["extra_vars"])
    assert again.returncode == 0, again.explain()
    assert again.total("changed") == 0, again.explain()
    assert_nothing_left(flow["moto"].client, PROJECT)


def _cmdline(path: Path) -> str:
    try:
        return path.read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:  # the process exited meanwhile
        return ""


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
