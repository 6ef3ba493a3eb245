"""The helm role (issue 9, defect 4): the pinned tarball is downloaded, checked against its pinned sha256,
unpacked and linked; a wrong checksum installs nothing; a rerun changes nothing. get.helm.sh is out of
reach here, so a loopback HTTP server serves a small stand-in tarball."""

import functools
import hashlib
import io
import json
import platform
import subprocess
import tarfile
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
from infra_helpers import run_playbook

from tests.support.http import serve_in_thread

pytestmark = pytest.mark.ansible

VERSION = "v3.21.4"
PLATFORM = "linux-" + {"x86_64": "amd64", "aarch64": "arm64"}[platform.machine()]
PLAYBOOK = """---
- name: Helm role
  hosts: control
  gather_facts: false
  roles:
    - role: helm
"""


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def stand_in_tarball(path):
    """helm-<version>-<platform>.tar.gz with <platform>/helm printing the version, like the real layout."""
    script = f"#!/bin/sh\necho '{VERSION}+gstandin'\n".encode()
    with tarfile.open(path, "w:gz") as tar:
        info = tarfile.TarInfo(f"{PLATFORM}/helm")
        info.size, info.mode = len(script), 0o755
        tar.addfile(info, io.BytesIO(script))
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def release(tmp_path):
    """(base URL, sha256) of a loopback server publishing the stand-in tarball."""
    served = tmp_path / "served"
    served.mkdir()
    digest = stand_in_tarball(served / f"helm-{VERSION}-{PLATFORM}.tar.gz")
    handler = functools.partial(QuietHandler, directory=str(served))
    with serve_in_thread(ThreadingHTTPServer(("127.0.0.1", 0), handler)) as url:
        yield url, digest


def run_role(tmp_path, url, checksum, **extra):
    playbook = tmp_path / "helm.yml"
    playbook.write_text(PLAYBOOK)
    variables = {
        "helm_download_base_url": url,
        "helm_checksums": {PLATFORM: checksum},
        "helm_binary_path": str(tmp_path / "bin" / "helm"),
        "helm_cache_dir": str(tmp_path / "cache"),
        **extra,
    }
    return run_playbook(str(playbook), "-e", json.dumps(variables))


def test_installs_the_verified_tarball_and_reruns_unchanged(tmp_path, release):
    url, digest = release
    first = run_role(tmp_path, url, digest)
    assert first.returncode == 0, first.explain()
    assert first.recap["changed"] > 0
    helm = tmp_path / "bin" / "helm"
    out = subprocess.run([helm, "version", "--short"], check=True, capture_output=True, text=True).stdout
    assert out.strip() == f"{VERSION}+gstandin"
    again = run_role(tmp_path, url, digest)
    assert again.returncode == 0, again.explain()
    assert again.recap["changed"] == 0, again.changed_tasks()


def test_wrong_checksum_installs_nothing(tmp_path, release):
    url, _ = release
    run = run_role(tmp_path, url, "0" * 64)
    assert run.returncode != 0
    messages = run.failure_messages
    assert len(messages) == 1, messages
    tarball = f"helm-{VERSION}-{PLATFORM}.tar.gz"
    assert messages[0].startswith(f"The helm tarball from {url}/{tarball} does not have the pinned sha256")
    assert messages[0].count(". ") == 0
    assert messages[0].endswith("check helm_version and helm_checksums against the release notes.")
    assert not (tmp_path / "bin" / "helm").exists()
    assert not (tmp_path / "cache" / f"helm-{VERSION}-{PLATFORM}.tar.gz").exists()


def test_absent_removes_it(tmp_path, release):
    url, digest = release
    assert run_role(tmp_path, url, digest).returncode == 0
    gone = run_role(tmp_path, url, digest, helm_state="absent")
    assert gone.returncode == 0, gone.explain()
    assert not (tmp_path / "bin" / "helm").is_symlink()
    assert not (tmp_path / "cache").exists()
