"""A moto server of the test session's own on a free 127.0.0.1 port (never the shared one on 4566)."""

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.ansible import VENV_BIN
from tests.support.network import free_port, port_open


@contextmanager
def moto_server(log_path: Path, start_timeout: float = 60) -> Iterator[str]:
    """Starts moto with the AWS managed policies loaded; yields its endpoint URL; stops it by PID."""
    port = free_port()
    env = {**os.environ, "MOTO_IAM_LOAD_MANAGED_POLICIES": "true"}
    with log_path.open("w") as log:
        process = subprocess.Popen([str(VENV_BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
                                   stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + start_timeout
        while not port_open(port):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"moto did not start on 127.0.0.1:{port}; see {log_path}")
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
