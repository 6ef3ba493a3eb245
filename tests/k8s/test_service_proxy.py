"""The loopback Service stand-in (roles/k8s_app/files/service_proxy.py) used by the podman method."""

import http.server
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.ansible import REPO_ROOT
from tests.support.http import request
from tests.support.ports import free_port, port_open

PROXY = REPO_ROOT / "roles" / "k8s_app" / "files" / "service_proxy.py"


def proxy(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(PROXY), *args], capture_output=True, text=True, timeout=30,
                          check=False)


def backend(name: str) -> tuple[http.server.ThreadingHTTPServer, int]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = name.encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1]


def get(port: int) -> str:
    reply = request("GET", f"http://127.0.0.1:{port}/", timeout=5)
    assert reply.status == 200, reply
    return reply.body.decode()


@pytest.fixture
def state_dir(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path
    proxy("stop", "--state-dir", str(tmp_path))


def test_routes_to_live_endpoints_follows_the_file_and_stops(state_dir: Path):
    blue, blue_port = backend("blue")
    green, green_port = backend("green")
    dead_port = free_port()  # nothing listens: a pod that just went away
    endpoints = state_dir / "endpoints.json"
    endpoints.write_text(json.dumps({"endpoints": [f"127.0.0.1:{dead_port}", f"127.0.0.1:{blue_port}"]}))
    port = free_port()
    args = ("ensure", "--listen", f"127.0.0.1:{port}", "--endpoints", str(endpoints),
            "--state-dir", str(state_dir))

    assert proxy(*args).stdout.strip() == "started"
    assert proxy(*args).stdout.strip() == "running"  # idempotent: Ansible reports changed only on start
    assert {get(port) for _ in range(10)} == {"blue"}  # the refused endpoint is skipped, never an error

    endpoints.write_text(json.dumps({"endpoints": [f"127.0.0.1:{green_port}"]}))
    assert {get(port) for _ in range(10)} == {"green"}

    endpoints.write_text("{not json")  # half-written: the last good list stays
    assert get(port) == "green"

    assert proxy("stop", "--state-dir", str(state_dir)).stdout.strip() == "stopped"
    assert not port_open(port)
    assert proxy("stop", "--state-dir", str(state_dir)).stdout.strip() == "absent"
    blue.shutdown()
    green.shutdown()


def test_refuses_to_listen_beyond_loopback(state_dir: Path):
    result = proxy("ensure", "--listen", f"0.0.0.0:{free_port()}", "--endpoints", str(state_dir / "e.json"),
                   "--state-dir", str(state_dir))
    assert result.returncode != 0
    assert "loopback only" in result.stderr


def test_reports_a_port_taken_by_someone_else(state_dir: Path):
    other, other_port = backend("other")
    result = proxy("ensure", "--listen", f"127.0.0.1:{other_port}", "--endpoints", str(state_dir / "e.json"),
                   "--state-dir", str(state_dir))
    assert result.returncode != 0
    assert "already in use" in result.stderr
    other.shutdown()
