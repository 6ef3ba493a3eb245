"""A moto server of the test session's own on a free 127.0.0.1 port (never the shared one on 4566).

It is the launcher the local target uses (local/moto/server.py): IAM enforced, the playbooks run as the
IAM user `banknote-operator` holding only docs/operator*.json, every request in a call log. The tests'
own setup and checks use the `moto-admin` profile (AdministratorAccess).
"""

import configparser
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

from tests.support.ansible import REPO_ROOT, VENV_BIN
from tests.support.iam_policy import read_call_log
from tests.support.ports import free_port
from tests.support.wait import exited, stop_process, wait_until

LAUNCHER = REPO_ROOT / "local" / "moto" / "server.py"
OPERATOR = "banknote-operator"
ADMIN = "moto-admin"
REGION = "us-east-1"


@dataclass(frozen=True)
class MotoServer:
    endpoint: str
    credentials_file: Path
    config_file: Path
    call_log: Path

    def __str__(self) -> str:
        return self.endpoint

    @property
    def extra_vars(self) -> dict[str, str]:
        """What points the local inventory at this server (-e): endpoint, credentials and config files."""
        return {"aws_endpoint_url": self.endpoint,
                "aws_shared_credentials_file": str(self.credentials_file),
                "aws_config_file": str(self.config_file)}

    def keys(self, profile: str = ADMIN) -> dict[str, str]:
        """aws_access_key_id / aws_secret_access_key of a profile (boto3 Session keyword arguments)."""
        credentials = configparser.ConfigParser()
        credentials.read(self.credentials_file)
        return {key: credentials[profile][key] for key in ("aws_access_key_id", "aws_secret_access_key")}

    def environment(self, profile: str = OPERATOR) -> dict[str, str]:
        """Environment variables that point botocore at this server as `profile` (no region)."""
        return {"AWS_ENDPOINT_URL": self.endpoint, "AWS_SHARED_CREDENTIALS_FILE": str(self.credentials_file),
                "AWS_CONFIG_FILE": str(self.config_file), "AWS_PROFILE": profile}

    def client(self, service: str, profile: str = ADMIN, region: str = REGION) -> Any:
        """A boto3 client on this server; the admin's by default (tests' own setup and checks)."""
        session = boto3.session.Session(region_name=region, **self.keys(profile))
        return session.client(service, endpoint_url=self.endpoint)

    def calls(self) -> list[dict[str, Any]]:
        """The call log so far: one dict per request (fields in local/moto/README.md)."""
        return read_call_log(self.call_log)


@contextmanager
def moto_server(log_path: Path, start_timeout: float = 60,
                repo_root: Path = REPO_ROOT) -> Iterator[MotoServer]:
    """Starts the launcher; yields the server once its profiles are written; stops it by PID.

    log_path: the server's output; its credentials, config and call log go next to it.
    repo_root: where the launcher reads docs/operator*.json and docs/bootstrap/*.json."""
    port = free_port()
    state_dir = log_path.parent / "aws"
    server = MotoServer(endpoint=f"http://127.0.0.1:{port}", credentials_file=state_dir / "credentials",
                        config_file=state_dir / "config", call_log=log_path.parent / "calls.jsonl")
    with log_path.open("w") as log:
        process = subprocess.Popen([str(VENV_BIN / "python"), str(LAUNCHER), "--port", str(port),
                                    "--state-dir", str(state_dir), "--call-log", str(server.call_log),
                                    "--repo-root", str(repo_root)],
                                   stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        # The launcher writes the credentials file only once it serves.
        wait_until(server.credentials_file.is_file, start_timeout, interval=0.2,
                   what=f"moto on 127.0.0.1:{port} serving (see {log_path})",
                   failed=lambda: exited(process))
        yield server
    finally:
        stop_process(process, 20)
