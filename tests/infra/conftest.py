"""Fixtures for the infra tests: a moto server of their own and an ansible-playbook runner.

Each test session starts a fresh moto on a free 127.0.0.1 port (never the shared one on 4566, so other
work on the machine keeps its state) and points the local inventory at it with -e aws_endpoint_url.
"""

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator

import boto3
import pytest
from infra_helpers import VENV_BIN, PlaybookRun, run_playbook


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def moto_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = _free_port()
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    env = {**os.environ, "MOTO_IAM_LOAD_MANAGED_POLICIES": "true"}
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(VENV_BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"moto did not start on 127.0.0.1:{port}; see {log}")
            time.sleep(0.2)
    yield f"http://127.0.0.1:{port}"
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="session")
def aws(moto_endpoint: str):
    """boto3 clients on the test's moto: aws('eks').list_clusters()."""
    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )
    return lambda service: session.client(service, endpoint_url=moto_endpoint)


@pytest.fixture(scope="session")
def playbook(moto_endpoint: str):
    """Runs a playbook on the local inventory against the test's own moto."""

    def run(*args: str, **kwargs) -> PlaybookRun:
        return run_playbook(*args, "-e", f"aws_endpoint_url={moto_endpoint}", **kwargs)

    return run
