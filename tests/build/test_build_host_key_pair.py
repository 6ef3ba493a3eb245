"""The build host's EC2 key pair on moto with IAM enforced, as the operator (issue 9, defect 1).

amazon.aws.ec2_key's default force: true compares an existing key pair by importing the key under a
temporary name ansible-<uuid> (ec2_key.py, get_key_fingerprint): outside key-pair/banknote-*, so
AccessDenied under the scoped operator policy on AWS. moto matches every statement against "*", so the
call log shows what the policy's resource scoping would refuse: every ImportKeyPair must name the
build host's key pair. A regenerated local key still replaces the EC2 key pair (same name, new key).
"""

import pytest

from tests.support.ansible import run_playbook
from tests.support.moto import moto_server

pytestmark = [pytest.mark.ansible]

NAME = "banknote-build-host"


@pytest.fixture(scope="module")
def moto(tmp_path_factory):
    with moto_server(tmp_path_factory.mktemp("moto-key-pair") / "moto.log") as server:
        yield server


def public_key(text: str) -> list[str]:
    """'<type> <base64>' of an OpenSSH public key line, without its comment."""
    return text.split()[:2]


def test_key_pair_imported_once_rotated_and_never_under_another_name(moto, tmp_path):
    key_file = tmp_path / "id_ed25519"
    variables = {**moto.extra_vars, "project_name": "banknote", "build_host_name": NAME,
                 "build_host_region": "us-east-1", "build_host_private_key_file": str(key_file),
                 "build_host_tags": {"Project": "banknote", "Role": "build-host"}}

    def run():
        done = run_playbook("tests/build/playbooks/ec2_key.yml", extra_vars=variables, timeout=300)
        assert done.returncode == 0, done.explain()
        return done

    def ec2_public_key():
        pairs = moto.client("ec2").describe_key_pairs(KeyNames=[NAME], IncludePublicKey=True)["KeyPairs"]
        return public_key(pairs[0]["PublicKey"])

    first = run()
    assert "build_host : Import the public key as an EC2 key pair" in first.changed_tasks(), first.explain()
    assert ec2_public_key() == public_key((tmp_path / "id_ed25519.pub").read_text())

    again = run()
    assert again.recap["changed"] == 0, again.explain()

    # A new local key pair (e.g. .local/ deleted): the EC2 key pair follows it under the same name.
    old = ec2_public_key()
    key_file.unlink()
    (tmp_path / "id_ed25519.pub").unlink()
    rotated = run()
    assert ec2_public_key() == public_key((tmp_path / "id_ed25519.pub").read_text()) != old, rotated.explain()

    imports = [call for call in moto.calls() if call["action"] == "ImportKeyPair"]
    assert [call["querystring"].get("KeyName") for call in imports] == [[NAME], [NAME]], imports
    assert all(call["allowed"] for call in imports), imports
