"""The local target's load balancer: the k8s_app role's HAProxy configuration (templates/haproxy.cfg.j2)
run by the real haproxy (Debian's package) in front of small HTTP servers on 127.0.0.1 standing in for pods.

What it proves: TLS is terminated with the run's certificate (a client trusting the run's CA gets through,
one trusting only the system store is refused); health checks on the readiness path take a pod that
starts answering 503 out of rotation while a request already on it completes (the drain); the source
ranges are enforced (a configuration that excludes 127.0.0.1 refuses the connection). The rollout through
it, with the real app in podman pods, is tests/k8s/test_podman_deploy.py."""

import csv
import http.client
import http.server
import io
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import jinja2
import pytest

from tests.support.ansible import REPO_ROOT
from tests.support.ports import free_port
from tests.support.tls import make_certificates
from tests.support.wait import wait_until

TEMPLATE = REPO_ROOT / "roles" / "k8s_app" / "templates" / "haproxy.cfg.j2"
READY_PATH = "/v2/health/ready"


class Pod(http.server.ThreadingHTTPServer):
    """An HTTP server on 127.0.0.1: its name on GET /, 200 or 503 on the readiness path, /slow delayed."""

    daemon_threads = True

    def __init__(self, name: str):
        self.name, self.ready, self.slow_seconds = name, True, 4.0
        super().__init__(("127.0.0.1", 0), _PodHandler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.server_address[1]}"


class _PodHandler(http.server.BaseHTTPRequestHandler):
    server: Pod

    def do_GET(self):
        if self.path == READY_PATH:
            status, body = (200, b"ready") if self.server.ready else (503, b"draining")
        else:
            if self.path == "/slow":
                time.sleep(self.server.slow_seconds)
            status, body = 200, self.server.name.encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args):
        pass


@dataclass
class Balancer:
    port: int
    ca_file: Path
    directory: Path

    def stats(self) -> dict[str, dict[str, str]]:
        """The pods backend's servers as HAProxy reports them (runtime API: show stat)."""
        with socket.socket(socket.AF_UNIX) as sock:
            sock.settimeout(5)
            sock.connect(str(self.directory / "haproxy" / "admin.sock"))
            sock.sendall(b"show stat\n")
            data = b""
            while chunk := sock.recv(65536):
                data += chunk
        rows = csv.DictReader(io.StringIO(data.decode().removeprefix("# ")))
        return {row["svname"]: row for row in rows if row["pxname"] == "pods" and row["svname"] != "BACKEND"}

    def context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.ca_file))

    def get(self, path: str = "/", context: ssl.SSLContext | None = None,
            timeout: float = 10) -> tuple[int, str]:
        connection = http.client.HTTPSConnection("127.0.0.1", self.port, context=context or self.context(),
                                                 timeout=timeout)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            return response.status, response.read().decode()
        finally:
            connection.close()


@pytest.fixture
def run_balancer(tmp_path: Path) -> Iterator:
    """run_balancer(pods, source_ranges) -> Balancer: the role's template rendered and run by haproxy."""
    processes: list[subprocess.Popen] = []
    ca_file = make_certificates(tmp_path)

    def run(pods: list[Pod], source_ranges: tuple[str, ...] = ("0.0.0.0/0",)) -> Balancer:
        haproxy_dir = tmp_path / "haproxy"
        haproxy_dir.mkdir()
        port = free_port()
        # As Ansible's template module renders (trim_blocks, the trailing newline kept).
        environment = jinja2.Environment(undefined=jinja2.StrictUndefined, trim_blocks=True,
                                         keep_trailing_newline=True)
        config = environment.from_string(TEMPLATE.read_text()).render(
            ansible_managed="test", k8s_app_name="lb-test", k8s_app_podman_haproxy_dir=str(haproxy_dir),
            k8s_app_podman_tls_dir=str(tmp_path), k8s_app_podman_service_address="127.0.0.1",
            k8s_app_podman_service_port=port, k8s_app_load_balancer_source_ranges=list(source_ranges),
            k8s_app_ready_path=READY_PATH, k8s_app_termination_grace_seconds=30,
            k8s_app_podman_health_check_interval_seconds=1, k8s_app_podman_healthy_threshold=2,
            k8s_app_podman_unhealthy_threshold=2,
            k8s_app_podman_servers=[{"name": pod.name, "address": pod.address} for pod in pods])
        (haproxy_dir / "haproxy.cfg").write_text(config)
        subprocess.run(["haproxy", "-c", "-q", "-f", str(haproxy_dir / "haproxy.cfg")], check=True,
                       timeout=30)
        # In the foreground (master-worker), stopped by its PID below.
        processes.append(subprocess.Popen(["haproxy", "-W", "-f", str(haproxy_dir / "haproxy.cfg")],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        balancer = Balancer(port, ca_file, tmp_path)
        wait_until(lambda: set(balancer.stats()) == {pod.name for pod in pods}, 10, what="HAProxy's stats",
                   ignore=(OSError,))
        return balancer

    yield run
    for process in processes:
        process.terminate()
        process.wait(timeout=10)


def test_tls_with_the_run_ca_and_an_untrusted_client_is_refused(run_balancer):
    balancer = run_balancer([Pod("pod-a")])
    assert balancer.get("/") == (200, "pod-a")
    with pytest.raises(ssl.SSLCertVerificationError):
        balancer.get("/", context=ssl.create_default_context())  # the system's trust store only
    # The certificate names the address clients use.
    hostname_check = balancer.context()
    with socket.create_connection(("127.0.0.1", balancer.port), timeout=5) as raw, \
            hostname_check.wrap_socket(raw, server_hostname="localhost") as tls:
        assert tls.version() in {"TLSv1.2", "TLSv1.3"}


def test_a_pod_that_stops_being_ready_is_drained(run_balancer):
    pods = [Pod("pod-a"), Pod("pod-b")]
    balancer = run_balancer(pods)
    wait_until(lambda: all(row["check_status"] == "L7OK" for row in balancer.stats().values()), 10,
               what="both pods passing their checks")
    assert {balancer.get("/")[1] for _ in range(6)} == {"pod-a", "pod-b"}

    # A slow request in flight on one pod, which then stops being ready.
    slow: dict = {}
    thread = threading.Thread(target=lambda: slow.update(reply=balancer.get("/slow", timeout=30)))
    thread.start()
    victim = wait_until(lambda: next((pod for pod in pods if balancer.stats()[pod.name]["scur"] == "1"),
                                     None), 5, what="the slow request reaching a pod")
    victim.slow_seconds = 0  # later /slow requests answer at once
    victim.ready = False
    wait_until(lambda: balancer.stats()[victim.name]["status"] == "DOWN", 10,
               what=f"{victim.name} marked DOWN")
    survivor = next(pod for pod in pods if pod is not victim)
    assert {balancer.get("/")[1] for _ in range(6)} == {survivor.name}  # no new connection to the drained pod
    thread.join(timeout=30)
    assert slow["reply"] == (200, victim.name)  # the request already on it completed


def test_source_ranges_that_exclude_the_client_refuse_the_connection(run_balancer):
    balancer = run_balancer([Pod("pod-a")], source_ranges=("10.0.0.0/8", "192.0.2.0/24"))
    with pytest.raises((ssl.SSLError, ConnectionError)):
        balancer.get("/")
    assert balancer.stats()["pod-a"]["stot"] == "0"  # nothing reached the pod
