"""Fixtures for the infra tests: a moto server of their own and an ansible-playbook runner.

Each test session starts a fresh moto on a free 127.0.0.1 port (never the shared one on 4566, so other
work on the machine keeps its state) and points the local inventory at it with -e (endpoint, credentials
and config files). IAM is enforced there: the playbooks run as banknote-operator, the tests' own boto3
clients as moto-admin.
"""

import json
from collections.abc import Iterator

import pytest
from infra_helpers import run_playbook

from tests.support.ansible import PlaybookRun
from tests.support.moto import MotoServer, moto_server


@pytest.fixture(scope="session")
def moto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    with moto_server(tmp_path_factory.mktemp("moto") / "moto.log") as server:
        yield server


@pytest.fixture(scope="session")
def aws(moto: MotoServer):
    """boto3 clients on the test's moto, as its admin: aws('eks').list_clusters()."""
    return moto.client


@pytest.fixture(scope="session")
def playbook(moto: MotoServer):
    """Runs a playbook on the local inventory against the test's own moto, as banknote-operator."""

    def run(path: str, *args: str, **kwargs) -> PlaybookRun:
        return run_playbook(path, *args, "-e", json.dumps(moto.extra_vars), **kwargs)

    return run
