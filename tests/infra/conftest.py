"""Fixtures for the infra tests: a moto server of their own and an ansible-playbook runner.

Each test session starts a fresh moto on a free 127.0.0.1 port (never the shared one on 4566, so other
work on the machine keeps its state) and points the local inventory at it with -e aws_endpoint_url.
"""

from collections.abc import Iterator

import boto3
import pytest
from infra_helpers import run_playbook

from tests.support.ansible import PlaybookRun
from tests.support.moto import moto_server


@pytest.fixture(scope="session")
def moto_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with moto_server(tmp_path_factory.mktemp("moto") / "moto.log") as endpoint:
        yield endpoint


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

    def run(path: str, *args: str, **kwargs) -> PlaybookRun:
        return run_playbook(path, *args, "-e", f"aws_endpoint_url={moto_endpoint}", **kwargs)

    return run
