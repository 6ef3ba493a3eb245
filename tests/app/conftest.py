"""Fixtures for the service's tests: the app from its factory on the real trained artifact, and data rows."""

import csv
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from app import create_app
from tests.support.http import serve_in_thread, wait_http
from tests.support.ports import free_port
from tests.support.wait import WaitTimeout, exited, stop_process
from training.schema import FEATURES, LABEL


@pytest.fixture
def app(serving_dir: Path) -> Flask:
    return create_app({"TESTING": True, "MODEL_DIR": str(serving_dir)})


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture(scope="session")
def data_rows(dataset_path: Path) -> list[tuple[dict[str, float], int]]:
    """Every row of the data set as ({feature: value}, label)."""
    with dataset_path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        return [({name: float(row[name]) for name in FEATURES}, int(row[LABEL])) for row in reader]


@pytest.fixture(scope="session")
def genuine_row(data_rows) -> dict[str, float]:
    """The data set's first genuine note (label 1)."""
    return next(features for features, label in data_rows if label == 1)


@pytest.fixture(scope="session")
def forged_row(data_rows) -> dict[str, float]:
    """The data set's first forged note (label 0)."""
    return next(features for features, label in data_rows if label == 0)


@pytest.fixture(scope="module")
def live_server(serving_dir: Path) -> Iterator[str]:
    """The app served by werkzeug in a thread on 127.0.0.1; yields its base URL."""
    server = make_server("127.0.0.1", 0, create_app({"MODEL_DIR": str(serving_dir)}), threaded=True)
    with serve_in_thread(server) as url:
        yield url


GUNICORN = Path(sys.executable).with_name("gunicorn")  # the console script, as the image runs it


@dataclass
class Gunicorn:
    """A gunicorn master started with the real config; logs go to files to never block on a pipe."""

    process: subprocess.Popen
    url: str
    stdout: Path
    stderr: Path

    def logs(self) -> tuple[str, str]:
        return self.stdout.read_text(), self.stderr.read_text()

    def wait_ready(self, timeout: float = 30) -> None:
        """Until /v2/health/ready answers 200; fails at once if gunicorn exits, with its error log."""
        wait_http(f"{self.url}/v2/health/ready", timeout, interval=0.1, failed=lambda: exited(self.process),
                  details=lambda: self.logs()[1])

    def stop(self, timeout: float = 40) -> int:
        """SIGTERM (graceful), then the exit code; SIGKILL only if it hangs, which fails the caller."""
        code = stop_process(self.process, timeout)
        if code is None:
            raise WaitTimeout(f"gunicorn still ran {timeout:g} s after SIGTERM (killed): {self.logs()[1]}")
        return code


def start_gunicorn(repo_root: Path, log_dir: Path, env: dict[str, str], workers: int = 1) -> Gunicorn:
    port = free_port()
    full_env = {
        **{k: v for k, v in os.environ.items() if k not in ("MODEL_DIR", "BIND", "PORT", "WORKERS")},
        "BIND": f"127.0.0.1:{port}",
        "WORKERS": str(workers),
        **env,
    }
    stdout, stderr = log_dir / "gunicorn.out", log_dir / "gunicorn.err"
    with stdout.open("w") as out, stderr.open("w") as err:
        process = subprocess.Popen(
            [str(GUNICORN), "-c", "app/gunicorn.conf.py"],
            cwd=repo_root, env=full_env, stdout=out, stderr=err,
        )
    return Gunicorn(process, f"http://127.0.0.1:{port}", stdout, stderr)


@pytest.fixture
def gunicorn_factory(repo_root: Path, tmp_path: Path) -> Callable[..., Gunicorn]:
    """Starts gunicorn (logs in this test's tmp_path) with extra environment; the test stops it."""
    return lambda env, workers=1: start_gunicorn(repo_root, tmp_path, env, workers)


@pytest.fixture(scope="module")
def gunicorn_server(repo_root: Path, serving_dir: Path, tmp_path_factory) -> Iterator[Gunicorn]:
    """The service as production runs it (gunicorn, real config, two workers) on 127.0.0.1."""
    server = start_gunicorn(repo_root, tmp_path_factory.mktemp("gunicorn"), {"MODEL_DIR": str(serving_dir)},
                            workers=2)
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()
