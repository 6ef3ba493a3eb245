"""banknote.deploy.endpoint_latency (the verify role's latency probe) against a real HTTP server on 127.0.0.1.

The figure it reports is the endpoint's latency, so nothing per request may be the client's own set-up:
ansible-core's open_url makes a TLS context per call (ssl.create_default_context loads the CA bundle, about
20 ms), which once showed up as a tenfold p50 in the verify summary.
"""

import json
import ssl
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from tests.support.http import serve_in_thread
from tests.support.tls import make_certificates

MODULE = "banknote.deploy.endpoint_latency"


class _Handler(BaseHTTPRequestHandler):
    status = 200
    bodies: ClassVar[list] = []

    agents: ClassVar[list] = []

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        type(self).bodies.append((self.headers.get("Content-Type"), json.loads(self.rfile.read(length))))
        type(self).agents.append(self.headers.get("User-Agent"))
        self.send_response(type(self).status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"label": 1}')

    def log_message(self, *_args):
        pass


@pytest.fixture
def endpoint():
    _Handler.status, _Handler.bodies, _Handler.agents = 200, [], []
    with serve_in_thread(ThreadingHTTPServer(("127.0.0.1", 0), _Handler)) as url:
        yield url


@pytest.fixture
def tls_contexts(monkeypatch):
    made = []
    real = ssl.create_default_context

    def counting(*args, **kwargs):
        made.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(ssl, "create_default_context", counting)
    return made


def test_sends_count_requests_and_reports_their_percentiles(run_module, endpoint, tls_contexts):
    body = {"variance": 3.6216, "skewness": 8.6661, "curtosis": -2.8073, "entropy": -0.44699}
    args = {"url": f"{endpoint}/predict", "method": "POST", "body": body, "count": 7}
    result = run_module(MODULE, args, {})
    assert not result.get("failed"), result
    assert (result["sent"], result["failures"], result["first_error"]) == (7, 0, "")
    assert _Handler.bodies == [("application/json", body)] * 7
    assert 0 < result["p50_ms"] <= result["p95_ms"] <= result["max_ms"]
    # One TLS context for the whole run, not one per timed request.
    assert len(tls_contexts) == 1


def test_a_wrong_status_is_a_failure_not_a_latency(run_module, endpoint, tls_contexts):
    _Handler.status = 500
    result = run_module(MODULE, {"url": f"{endpoint}/predict", "method": "POST", "body": {}, "count": 3}, {})
    assert (result["sent"], result["failures"]) == (3, 3)
    assert result["first_error"] == "status 500, expected 200"
    assert (result["p50_ms"], result["p95_ms"], result["max_ms"]) == (0.0, 0.0, 0.0)


@pytest.fixture
def tls_endpoint(tmp_path):
    """(URL, CA file): an HTTPS server on 127.0.0.1, its certificate (SAN IP:127.0.0.1) from a private CA."""
    make_certificates(tmp_path)
    _Handler.status, _Handler.bodies, _Handler.agents = 200, [], []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "server.crt", tmp_path / "server.crt.key")
    server.socket = context.wrap_socket(server.socket, server_side=True)
    with serve_in_thread(server) as url:
        yield url.replace("http://", "https://"), tmp_path / "ca.crt"


def test_https_trusting_ca_path_with_the_given_agent(run_module, tls_endpoint, tls_contexts):
    url, ca_file = tls_endpoint
    args = {"url": f"{url}/predict", "method": "POST", "body": {}, "count": 3, "ca_path": str(ca_file),
            "http_agent": "banknote-verify/run42"}
    result = run_module(MODULE, args, {})
    assert (result["sent"], result["failures"], result["first_error"]) == (3, 0, ""), result
    assert _Handler.agents == ["banknote-verify/run42"] * 3
    assert len(tls_contexts) == 1


def test_https_without_the_ca_fails_verification(run_module, tls_endpoint):
    url, _ca_file = tls_endpoint
    result = run_module(MODULE, {"url": f"{url}/predict", "method": "POST", "body": {}, "count": 2}, {})
    assert (result["sent"], result["failures"]) == (2, 2)
    assert "CERTIFICATE_VERIFY_FAILED" in result["first_error"]
    assert _Handler.bodies == []
