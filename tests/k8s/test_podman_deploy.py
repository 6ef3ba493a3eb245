"""The local target end to end: the rendered Deployment under `podman kube play` with the real app image
from the registry, the verify role against it, idempotence, a rolling image change under load, removal.

What this proves locally: podman honours the manifest's securityContext and limits; the pods pull by
digest with credentials; the loopback Service stand-in only routes to pods that answered readiness;
a new revision starts before the old one stops, so requests never fail during the change. What it
cannot prove: the kubelet's probes, the NLB's health checks and deregistration timing, Fargate
scheduling across zones, the PDB and the HPA (podman ignores them)."""

import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from k8s_helpers import TEST_REPOSITORY, podman_json, push, run_playbook, write_record

from tests.support.docker import docker
from tests.support.http import request
from tests.support.ports import free_port, port_open

pytestmark = [pytest.mark.ansible, pytest.mark.docker, pytest.mark.slow]

APP = "banknote-k8s-test"
REPLICAS = 2
FORGED_NOTE = {"variance": 3.6216, "skewness": 8.6661, "curtosis": -2.8073, "entropy": -0.44699}


@dataclass
class Target:
    vars: dict
    port: int
    work: Path

    def deploy(self, **extra) -> object:
        return run_playbook("playbooks/deploy.yml", "--tags", "k8s_app", extra_vars={**self.vars, **extra})

    def pods(self) -> list[dict]:
        return podman_json("pod", "ps", "--filter", f"name=^{APP}-")

    def app_containers(self) -> list[dict]:
        names = [f"{pod['Name']}-app" for pod in self.pods()]
        return podman_json("inspect", *names) if names else []


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory, pushed_app_image: dict):
    work = tmp_path_factory.mktemp("podman-target")
    record = write_record(work / "image-v1.json", TEST_REPOSITORY, "v1", pushed_app_image["digest"])
    port = free_port()
    deployed = Target({
        "app_name": APP, "image_record_file": str(record), "k8s_app_podman_service_port": port,
        "k8s_app_podman_work_dir": str(work / "k8s"), "k8s_app_manifest_dir": str(work / "manifests"),
    }, port, work)
    yield deployed
    deployed.deploy(k8s_app_state="absent")


def test_deploy_runs_the_replicas_with_the_manifest_settings(target: Target, pushed_app_image: dict):
    run = target.deploy()
    assert run.returncode == 0, run.explain()
    pods = target.pods()
    assert len(pods) == REPLICAS, pods
    assert {pod["Status"] for pod in pods} == {"Running"}
    containers = target.app_containers()
    assert len(containers) == REPLICAS, [container["Name"] for container in containers]
    for container in containers:
        host = container["HostConfig"]
        assert container["ImageDigest"] == pushed_app_image["digest"]
        assert container["Config"]["User"].split(":")[0] == "10001"
        assert host["ReadonlyRootfs"] is True
        assert not container["EffectiveCaps"]
        assert "no-new-privileges" in host["SecurityOpt"]
        assert host["Memory"] == 512 * 1024 * 1024
        assert host["CpuQuota"] / host["CpuPeriod"] == 0.25
        # Read-only root, writable /tmp (the emptyDir), as the app runs on Fargate.
        name = container["Name"]
        assert subprocess.run(["podman", "exec", name, "touch", "/probe"], capture_output=True,
                              check=False).returncode != 0
        subprocess.run(["podman", "exec", name, "touch", "/tmp/probe"], check=True, capture_output=True)


def test_nothing_is_published_beyond_loopback(target: Target):
    pods = target.pods()
    assert pods, "no pod deployed: nothing to check"
    for pod in pods:
        infra = podman_json("inspect", pod["InfraId"])[0]
        assert not infra["HostConfig"]["PortBindings"], infra["HostConfig"]["PortBindings"]
    listening = subprocess.run(["ss", "-ltnH"], capture_output=True, text=True, check=True).stdout
    local_addresses = [line.split()[3] for line in listening.splitlines()]
    addresses = {address for address in local_addresses if address.endswith(f":{target.port}")}
    assert addresses == {f"127.0.0.1:{target.port}"}


def test_verify_role_passes_against_the_pods(target: Target):
    run = run_playbook("playbooks/verify.yml", extra_vars=target.vars)
    assert run.returncode == 0, run.explain()
    assert run.recap["failed"] == 0
    assert run.fact("verify_url") == f"http://127.0.0.1:{target.port}", run.explain()
    print("\n" + " ".join(" ".join(run.messages("verify : Report the endpoint")).split()))


def test_rerun_changes_nothing(target: Target):
    pods_before = {pod["Id"] for pod in target.pods()}
    run = target.deploy()
    assert run.returncode == 0, run.explain()
    assert run.recap["changed"] == 0, run.explain()
    assert {pod["Id"] for pod in target.pods()} == pods_before


@dataclass
class Load:
    """Sequential predictions on fresh connections, bounded in count and time."""

    url: str
    max_requests: int = 6000
    max_seconds: float = 300
    results: list[tuple[float, str]] = field(default_factory=list)  # (time, "" or error)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        deadline = time.monotonic() + self.max_seconds
        while (not self.stop.is_set() and len(self.results) < self.max_requests
               and time.monotonic() < deadline):
            try:
                reply = request("POST", self.url, FORGED_NOTE)
                answer = reply.json() if reply.status == 200 else None
                error = "" if answer and answer.get("label") == 0 else f"{reply.status} {reply.body!r}"
            except (OSError, ValueError) as exc:
                error = repr(exc)
            self.results.append((time.monotonic(), error))
            time.sleep(0.01)


def test_new_image_rolls_out_without_failed_requests(target: Target, tmp_path: Path):
    # A second image with another digest: the same app plus a label.
    (tmp_path / "Dockerfile").write_text(f"FROM {TEST_REPOSITORY}:v1\nLABEL org.banknote.test=rollout\n")
    image_id = docker("build", "-q", "--network", "none", str(tmp_path)).stdout.strip()
    digest = push(image_id, "v2")
    record = write_record(tmp_path / "image-v2.json", TEST_REPOSITORY, "v2", digest)
    old_pods = {pod["Name"] for pod in target.pods()}

    load = Load(f"http://127.0.0.1:{target.port}/predict")
    thread = threading.Thread(target=load.run)
    thread.start()
    time.sleep(1)
    started = time.monotonic()
    run = target.deploy(image_record_file=str(record))
    finished = time.monotonic()
    time.sleep(1)
    load.stop.set()
    thread.join()

    assert run.returncode == 0, run.explain()
    failures = [error for _, error in load.results if error]
    during = [t for t, _ in load.results if started <= t <= finished]
    print(f"\nrollout: {finished - started:.1f} s, {len(during)} requests during it, {len(failures)} failed")
    assert failures == []
    assert len(during) >= 50
    assert max(t for t, _ in load.results) > finished  # the load outlived the rollout
    new_pods = target.pods()
    assert len(new_pods) == REPLICAS
    assert not old_pods & {pod["Name"] for pod in new_pods}
    assert {c["ImageDigest"] for c in target.app_containers()} == {digest}


def test_absent_removes_pods_and_the_stand_in(target: Target):
    # Something to remove (this test alone deploys first): removing nothing would pass every check below.
    if not target.pods():
        deployed = target.deploy()
        assert deployed.returncode == 0, deployed.explain()
    assert len(target.pods()) == REPLICAS
    assert port_open(target.port)
    run = target.deploy(k8s_app_state="absent")
    assert run.returncode == 0, run.explain()
    assert target.pods() == []
    assert not port_open(target.port)
    assert not list((target.work / "k8s" / "revisions").glob("*.yaml"))
    again = target.deploy(k8s_app_state="absent")
    assert again.returncode == 0, again.explain()
    assert again.recap["changed"] == 0, again.explain()
