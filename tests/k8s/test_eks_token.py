"""The EKS bearer token minted in Ansible (banknote.deploy.eks_token) and the cluster-auth tasks.

The token format is checked offline (presigning sends nothing); cluster-auth runs against moto's EKS.
Not checked here: a real API server accepting the token (needs AWS)."""

import base64
import json
import uuid
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import boto3
import pytest
from ansible_collections.banknote.deploy.plugins.modules import eks_token
from k8s_helpers import run_playbook

from tests.support.moto import MotoServer


def decode(token: str) -> str:
    assert token.startswith("k8s-aws-v1.")
    body = token.removeprefix("k8s-aws-v1.")
    assert "=" not in body  # base64url without padding
    return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode()


def test_token_is_a_presigned_get_caller_identity_bound_to_the_cluster():
    sts = boto3.client("sts", region_name="eu-west-1", aws_access_key_id="AKIAEXAMPLE",
                       aws_secret_access_key="secret-example")
    url = urlparse(decode(eks_token.token_from_url(eks_token.presigned_caller_identity_url(sts, "banknote"))))
    query = parse_qs(url.query)
    assert url.scheme == "https"
    assert url.hostname == "sts.eu-west-1.amazonaws.com"
    assert query["Action"] == ["GetCallerIdentity"]
    assert query["X-Amz-Expires"] == ["60"]
    assert "x-k8s-aws-id" in query["X-Amz-SignedHeaders"][0].split(";")
    assert query["X-Amz-Credential"][0].startswith("AKIAEXAMPLE/")


def test_the_cluster_header_does_not_leak_into_other_calls():
    sts = boto3.client("sts", region_name="us-east-1", aws_access_key_id="AKIAEXAMPLE",
                       aws_secret_access_key="secret-example")
    eks_token.presigned_caller_identity_url(sts, "banknote")
    plain = sts.generate_presigned_url("get_caller_identity", Params={}, ExpiresIn=60)
    assert "x-k8s-aws-id" not in parse_qs(urlparse(plain).query)["X-Amz-SignedHeaders"][0]


@pytest.fixture
def moto_cluster(k8s_moto: MotoServer):
    name = f"k8s-test-{uuid.uuid4().hex[:8]}"
    eks = k8s_moto.client("eks")
    eks.create_cluster(name=name, roleArn="arn:aws:iam::123456789012:role/test",
                       resourcesVpcConfig={"subnetIds": []})
    yield eks.describe_cluster(name=name)["cluster"]
    eks.delete_cluster(name=name)


@pytest.mark.ansible
def test_cluster_auth_reads_endpoint_and_ca_and_mints_a_hidden_token(tmp_path: Path, moto_cluster: dict,
                                                                      k8s_moto: MotoServer):
    playbook = tmp_path / "auth.yml"
    playbook.write_text(json.dumps([{
        "name": "cluster-auth", "hosts": "control", "gather_facts": False,
        "environment": "{{ aws_environment }}",
        "tasks": [
            {"name": "auth",
             "ansible.builtin.include_role": {"name": "k8s_app", "tasks_from": "cluster-auth"}},
            {"name": "show", "ansible.builtin.debug": {"msg": "HOST={{ k8s_app_api.host }} "
                                                       "PREFIX={{ k8s_app_api.api_key[:11] }} "
                                                       "CA={{ k8s_app_api.ca_cert }}"}},
        ],
    }]))
    run = run_playbook(str(playbook), extra_vars={**k8s_moto.extra_vars, "project_name": moto_cluster["name"],
                                                  "k8s_app_cluster_auth": "eks",
                                                  "k8s_app_manifest_dir": str(tmp_path / "manifests")},
                       timeout=300)
    assert run.returncode == 0, run.explain()
    ca_file = tmp_path / "eks-ca.crt"
    assert run.messages("show") == [f"HOST={moto_cluster['endpoint']} PREFIX=k8s-aws-v1. CA={ca_file}"]
    assert ca_file.read_bytes() == base64.b64decode(moto_cluster["certificateAuthority"]["data"])
    # no_log: the token itself never reaches the output
    assert run.raw.count("k8s-aws-v1.") == 1


@pytest.mark.ansible
def test_cluster_auth_fails_clearly_without_the_cluster(tmp_path: Path, k8s_moto: MotoServer):
    playbook = tmp_path / "auth.yml"
    playbook.write_text(json.dumps([{
        "name": "cluster-auth", "hosts": "control", "gather_facts": False,
        "environment": "{{ aws_environment }}",
        "tasks": [{"name": "auth", "ansible.builtin.include_role": {"name": "k8s_app",
                                                                    "tasks_from": "cluster-auth"}}],
    }]))
    missing = f"k8s-test-missing-{uuid.uuid4().hex[:8]}"
    run = run_playbook(str(playbook), extra_vars={**k8s_moto.extra_vars, "project_name": missing,
                                                  "k8s_app_cluster_auth": "eks",
                                                  "k8s_app_manifest_dir": str(tmp_path / "manifests")},
                       timeout=300)
    assert run.returncode != 0
    assert any(f"EKS cluster {missing} is missing or not ACTIVE" in message
               for message in run.failure_messages), run.explain()
    # A teardown carries on instead.
    run = run_playbook(str(playbook), extra_vars={**k8s_moto.extra_vars, "project_name": missing,
                                                  "k8s_app_cluster_auth": "eks",
                                                  "k8s_app_cluster_required": False,
                                                  "k8s_app_manifest_dir": str(tmp_path / "manifests")},
                       timeout=300)
    assert run.returncode == 0, run.explain()
