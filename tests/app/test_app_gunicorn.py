"""The service under gunicorn with the real config: start-up failures, JSON logs, SIGTERM (metrics summed
over workers: test_app_metrics.py)."""

import json
import signal
import socket
import time

import pytest

from tests.support.http import post_json, request
from tests.support.wait import wait_until

pytestmark = pytest.mark.slow


def run_to_exit(gunicorn_factory, env, timeout=60):
    server = gunicorn_factory(env)
    try:
        code = server.process.wait(timeout=timeout)
    finally:
        if server.process.poll() is None:
            server.stop()
    stdout, stderr = server.logs()
    return code, stdout + stderr


@pytest.mark.parametrize(("model_dir", "words"), [
    (None, "Error: MODEL_DIR is not set"),
    ("/nonexistent/serving", "Error: cannot load the model from MODEL_DIR=/nonexistent/serving"),
])
def test_bad_model_dir_stops_start_up_with_one_message(gunicorn_factory, model_dir, words):
    env = {} if model_dir is None else {"MODEL_DIR": model_dir}
    code, output = run_to_exit(gunicorn_factory, env)
    assert code != 0
    assert words in output
    assert "Traceback" not in output
    assert output.count("Error:") == 1


def test_bad_worker_count_stops_start_up_with_one_message(gunicorn_factory, serving_dir):
    code, output = run_to_exit(gunicorn_factory, {"MODEL_DIR": str(serving_dir), "WORKERS": "lots"})
    assert code != 0
    assert "WORKERS must be a whole number, got 'lots'" in output
    assert "Traceback" not in output


def test_serves_predictions_and_health(gunicorn_server, genuine_row, forged_row):
    ready = request("GET", f"{gunicorn_server.url}/v2/health/ready")
    assert (ready.status, ready.body) == (200, b'{"ready":true}\n')
    assert post_json(f"{gunicorn_server.url}/predict", genuine_row)["label"] == 1
    assert post_json(f"{gunicorn_server.url}/predict", forged_row)["label"] == 0


def access_records(server, until, timeout=10.0):
    """The access log as parsed JSON lines, once a record satisfying `until` is there (logged after the
    response is sent, so it can lag the client by a moment)."""
    def records():
        return [json.loads(line) for line in server.logs()[0].splitlines()]  # every line is JSON

    wait_until(lambda: any(until(record) for record in records()), timeout,
               what="the access log record", details=lambda: server.logs()[0][-2000:])
    return records()


def test_access_log_is_one_json_object_per_request(gunicorn_server, genuine_row):
    """Client-controlled text (quotes, backslashes) cannot break the JSON lines."""
    post_json(f"{gunicorn_server.url}/predict", genuine_row)
    assert request("GET", f'{gunicorn_server.url}/no%22such%5Cpage?x="y"').status == 404
    records = access_records(gunicorn_server, lambda r: r["status"] == 404)
    predict = next(r for r in records if r["path"] == "/predict")
    assert predict["method"] == "POST"
    assert predict["status"] == 200
    assert predict["duration_ms"] >= 0
    assert predict["remote_addr"] == "127.0.0.1"
    missing = next(r for r in records if r["status"] == 404)
    assert missing["path"] == '/no"such\\page'
    assert missing["query"] == 'x="y"'


def test_sigterm_lets_an_in_flight_request_finish(gunicorn_factory, serving_dir, genuine_row):
    server = gunicorn_factory({"MODEL_DIR": str(serving_dir)}, workers=1)
    try:
        server.wait_ready()
        body = json.dumps(genuine_row).encode()
        host, port = server.url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=20) as conn:
            conn.sendall(b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                         b"Connection: close\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n"
                         + body[:10])
            time.sleep(0.5)  # the worker is now inside the request, waiting for the rest of the body
            server.process.send_signal(signal.SIGTERM)
            # Shutdown has begun once gunicorn's master says so in its error log (stderr).
            wait_until(lambda: "Handling signal: term" in server.logs()[1], 10,
                       what="gunicorn's 'Handling signal: term' line",
                       details=lambda: server.logs()[1][-2000:])
            conn.sendall(body[10:])
            response = b""
            while chunk := conn.recv(65536):
                response += chunk
        head, _, payload = response.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200"), response
        assert json.loads(payload)["label"] == 1
        assert server.process.wait(timeout=30) == 0
    finally:
        server.stop()
