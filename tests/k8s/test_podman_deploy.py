"""The local target end to end: the rendered Deployment under `podman kube play` with the real app image
from the registry, the verify role against it, idempotence, a rolling image change under load, removal.

What this proves locally: podman honours the manifest's securityContext and limits; the pods pull by
digest with credentials; the loopback Service stand-in only routes to pods that answered readiness;
a new revision starts before the old one stops, so requests never fail during the change. What it
cannot prove: the kubelet's probes, the NLB's health checks and deregistration timing, Fargate
scheduling across zones, the PDB and the HPA (podman ignores them)."""

import contextlib
import http.client
import json
import socket
import ssl
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from k8s_helpers import TEST_REPOSITORY, podman_json, push, run_playbook, write_record

from tests.support.docker import docker
from tests.support.ports import free_port, port_open

pytestmark = [pytest.mark.ansible, pytest.mark.docker, pytest.mark.slow]

APP = "banknote-k8s-test"
REPLICAS = 2
DRAIN_SECONDS = 3
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
        "k8s_app_podman_drain_seconds": DRAIN_SECONDS,
    }, port, work)
    yield deployed
    deployed.deploy(k8s_app_state="absent")


def test_deploy_runs_the_replicas_with_the_manifest_settings(target: Target, pushed_app_image: dict):
    run = target.deploy()
    assert run.returncode == 0, run.explain()
    pods = target.pods()
    assert len(pods) == REPLICAS, pods
    assert {pod["Status"] for pod in pods} == {"Running"}
    # Both pods of the revision log to its one file (k8s-file driver): each gunicorn says where it listens.
    revision = pods[0]["Name"].rsplit("-pod-", 1)[0]
    log = (target.work / "k8s" / "logs" / f"{revision}.log").read_text()
    assert log.count("Listening at: http://0.0.0.0:8080") == REPLICAS, log[-2000:]
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
    assert run.fact("verify_url") == f"https://127.0.0.1:{target.port}", run.explain()
    print("\n" + " ".join(" ".join(run.messages("verify : Report the endpoint")).split()))


def test_rerun_changes_nothing(target: Target):
    pods_before = {pod["Id"] for pod in target.pods()}
    run = target.deploy()
    assert run.returncode == 0, run.explain()
    assert run.recap["changed"] == 0, run.explain()
    assert {pod["Id"] for pod in target.pods()} == pods_before


def test_check_mode_changes_nothing(target: Target):
    """--check of apply and of absent against the running deployment: pods, HAProxy and its files stay."""
    pods_before = {pod["Id"] for pod in target.pods()}
    config = (target.work / "k8s" / "haproxy" / "haproxy.cfg").read_text()
    for state in ("present", "absent"):
        run = run_playbook("playbooks/deploy.yml", "--tags", "k8s_app", "--check",
                           extra_vars={**target.vars, "k8s_app_state": state})
        assert run.returncode == 0, run.explain()
    assert {pod["Id"] for pod in target.pods()} == pods_before
    assert port_open(target.port)
    assert (target.work / "k8s" / "haproxy" / "haproxy.cfg").read_text() == config
    assert (target.work / "k8s" / "tls" / "ca.crt").is_file()


@dataclass
class Load:
    """Predictions over HTTPS from several client threads, each request on a fresh connection; bounded in
    count and time. results: (start, end, error or "")."""

    port: int
    ca_file: Path
    threads: int = 4
    max_requests: int = 30000
    max_seconds: float = 300
    results: list[tuple[float, float, str]] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def client(self) -> None:
        context = ssl.create_default_context(cafile=str(self.ca_file))
        deadline = time.monotonic() + self.max_seconds
        while (not self.stop.is_set() and len(self.results) < self.max_requests
               and time.monotonic() < deadline):
            started = time.monotonic()
            connection = http.client.HTTPSConnection("127.0.0.1", self.port, context=context, timeout=10)
            try:
                connection.request("POST", "/predict", json.dumps(FORGED_NOTE),
                                   {"Content-Type": "application/json"})
                response = connection.getresponse()
                body = response.read()
                answer = json.loads(body) if response.status == 200 else None
                error = "" if answer and answer.get("label") == 0 else f"{response.status} {body!r}"
            except (OSError, ValueError, http.client.HTTPException) as exc:
                error = repr(exc)
            finally:
                connection.close()
            self.results.append((started, time.monotonic(), error))
            time.sleep(0.05)

    def start(self) -> list[threading.Thread]:
        workers = [threading.Thread(target=self.client) for _ in range(self.threads)]
        for worker in workers:
            worker.start()
        return workers


def slow_prediction(port: int, ca_file: Path, agent: str, release: threading.Event,
                    hold_seconds: float) -> tuple[int, dict]:
    """POST /predict with the headers (and Content-Length) sent at once, so the connection and the pod that
    serves it are chosen at the start, and the body trickled: all but its last byte over ~10 s, the last
    byte `hold_seconds` after `release` is set (bounded: 120 s at most)."""
    body = json.dumps(FORGED_NOTE).encode()
    context = ssl.create_default_context(cafile=str(ca_file))
    with socket.create_connection(("127.0.0.1", port), timeout=60) as raw, \
            context.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
        tls.sendall(f"POST /predict HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUser-Agent: {agent}\r\n"
                    f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
                    "Connection: close\r\n\r\n".encode())
        for byte in body[:-1]:
            tls.sendall(bytes([byte]))
            time.sleep(10 / len(body))
        release.wait(timeout=120)
        time.sleep(hold_seconds)
        tls.sendall(body[-1:])
        response = http.client.HTTPResponse(tls)
        response.begin()
        return response.status, json.loads(response.read())


def balancer_servers(work: Path) -> set[str]:
    """Names of the servers in HAProxy's pods backend (runtime API on its admin socket)."""
    with socket.socket(socket.AF_UNIX) as sock:
        sock.settimeout(5)
        sock.connect(str(work / "k8s" / "haproxy" / "admin.sock"))
        sock.sendall(b"show stat\n")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    names = {line.split(",")[1] for line in data.decode().splitlines() if line.startswith("pods,")}
    return names - {"BACKEND"}


def test_new_image_rolls_out_without_failed_requests(target: Target, tmp_path: Path):
    """Zero failures over the switch itself: from the moment HAProxy gets the new pods until the old pods are
    gone, with 4 clients on fresh connections, and one slow request held open on an old pod across it."""
    # A second image with another digest: the same app plus a label.
    (tmp_path / "Dockerfile").write_text(f"FROM {TEST_REPOSITORY}:v1\nLABEL org.banknote.test=rollout\n")
    image_id = docker("build", "-q", "--network", "none", str(tmp_path)).stdout.strip()
    digest = push(image_id, "v2")
    record = write_record(tmp_path / "image-v2.json", TEST_REPOSITORY, "v2", digest)
    old_pods = {pod["Name"] for pod in target.pods()}
    assert len(old_pods) == REPLICAS
    old_revision = next(iter(old_pods)).rsplit("-pod-", 1)[0]
    ca_file = target.work / "k8s" / "tls" / "ca.crt"

    # The switch window: opened when HAProxy lists a server that is not an old pod, closed when podman
    # runs none of the old pods. The slow request starts as the window opens (the new pods join with
    # weight 0, so it lands on an old pod) and its last byte goes out DRAIN_SECONDS + 2 s after the old
    # pods left HAProxy's rotation: it is still in flight when podman stops its pod.
    window: dict[str, float] = {}
    slow: dict = {}
    agent = f"rollout-slow/{uuid.uuid4().hex[:12]}"
    done, left = threading.Event(), threading.Event()

    def slow_request() -> None:
        try:
            slow["reply"] = slow_prediction(target.port, ca_file, agent, left, hold_seconds=DRAIN_SECONDS + 2)
        except (OSError, ValueError, http.client.HTTPException) as exc:
            slow["error"] = repr(exc)

    def watch() -> None:
        slow_thread = threading.Thread(target=slow_request, daemon=True)
        while not done.is_set():
            now = time.monotonic()
            with contextlib.suppress(OSError):  # the admin socket during a reload
                if "added" not in window:
                    if balancer_servers(target.work) - old_pods:
                        window["added"] = now
                        slow_thread.start()
                elif "left" not in window:
                    if not balancer_servers(target.work) & old_pods:
                        window["left"] = now
                        left.set()
                elif not old_pods & {pod["Name"] for pod in target.pods() if pod["Status"] == "Running"}:
                    window["gone"] = now
                    break
            time.sleep(0.2)
        left.set()
        if slow_thread.is_alive():
            slow_thread.join(timeout=150)

    load = Load(target.port, ca_file)
    clients = load.start()
    watcher = threading.Thread(target=watch)
    watcher.start()
    time.sleep(1)
    run = target.deploy(image_record_file=str(record))
    time.sleep(1)
    done.set()
    watcher.join(timeout=90)
    load.stop.set()
    for client in clients:
        client.join(timeout=30)

    assert run.returncode == 0, run.explain()
    assert {"added", "left", "gone"} <= set(window), f"switch not seen: {window}"
    in_window = [error for started, ended, error in load.results
                 if ended >= window["added"] and started <= window["gone"]]
    failed = [error for error in in_window if error]
    print(f"\nswitch window {window['gone'] - window['added']:.1f} s (old pods out of rotation after "
          f"{window['left'] - window['added']:.1f} s): {len(in_window)} requests, {len(failed)} failed; "
          f"slow request: {slow}; {len(load.results)} requests in all")
    assert failed == []
    assert [error for _, _, error in load.results if error] == []
    assert len(in_window) >= 40
    # The slow request got its answer, from an old pod (its revision's log has it; the new one's does not).
    assert "reply" in slow, f"the slow request held on an old pod got no answer: {slow}"
    status, answer = slow["reply"]
    assert status == 200, slow
    assert answer["label"] == 0, slow
    logs = target.work / "k8s" / "logs"
    assert agent in (logs / f"{old_revision}.log").read_text()
    new_pods = target.pods()
    assert len(new_pods) == REPLICAS
    assert not old_pods & {pod["Name"] for pod in new_pods}
    new_revision = new_pods[0]["Name"].rsplit("-pod-", 1)[0]
    assert agent not in (logs / f"{new_revision}.log").read_text()
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
