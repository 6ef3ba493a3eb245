"""The build_host role's AWS calls on moto with IAM enforced, as the operator holding only
docs/operator*.json (issue 9, defects 1 and 2): launched, then run again on the existing instance, where
amazon.aws.ec2_instance reads its attributes (ec2_instance.py, diff_instance_and_params:
DescribeInstanceAttribute instanceType and groupSet), then removed. Every call names the inventory's
region and none is denied. The network stack is a two-resource stand-in with the real one's outputs
(VpcId, PublicSubnet1), and sshd is a loopback port that answers with an OpenSSH banner: nothing here
uses the build-host stand-in (127.0.0.1:2222).
"""

import json
import socketserver

import pytest

from tests.support.ansible import run_playbook
from tests.support.http import serve_in_thread
from tests.support.moto import moto_server

pytestmark = [pytest.mark.ansible]

REGION = "eu-west-1"
NETWORK = {
    "AWSTemplateFormatVersion": "2010-09-09",
    "Resources": {
        "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.42.0.0/16"}},
        "Subnet": {"Type": "AWS::EC2::Subnet",
                   "Properties": {"VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.42.0.0/20"}},
    },
    "Outputs": {"VpcId": {"Value": {"Ref": "Vpc"}}, "PublicSubnet1": {"Value": {"Ref": "Subnet"}}},
}


class Banner(socketserver.BaseRequestHandler):
    def handle(self):
        self.request.sendall(b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n")


@pytest.fixture(scope="module")
def moto(tmp_path_factory):
    with moto_server(tmp_path_factory.mktemp("moto-build-host") / "moto.log") as server:
        server.client("cloudformation", region=REGION).create_stack(
            StackName="banknote-network", TemplateBody=json.dumps(NETWORK))
        iam = server.client("iam", region=REGION)
        iam.create_role(RoleName="banknote-build-host",
                        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}))
        iam.create_instance_profile(InstanceProfileName="banknote-build-host")
        iam.add_role_to_instance_profile(InstanceProfileName="banknote-build-host",
                                         RoleName="banknote-build-host")
        yield server


@pytest.fixture
def sshd():
    server = socketserver.TCPServer(("127.0.0.1", 0), Banner)
    with serve_in_thread(server):
        yield server.server_address[1]


def test_launch_rerun_and_remove_as_the_operator_in_the_inventory_region(moto, sshd, tmp_path):
    variables = {**moto.extra_vars, "project_name": "banknote", "aws_region": REGION,
                 "build_host_private_key_file": str(tmp_path / "id_ed25519"),
                 "build_host_known_hosts_dir": str(tmp_path), "build_host_ssh_address": "127.0.0.1",
                 "build_host_ssh_port": sshd, "build_host_operator_cidr": "127.0.0.1/32",
                 "project_tags": {"Project": "banknote"}}

    def run(**extra):
        done = run_playbook("tests/build/playbooks/build_host.yml", extra_vars={**variables, **extra},
                            timeout=600)
        assert done.returncode == 0, done.explain()
        return done

    run()
    again = run()
    assert again.recap["changed"] == 0, again.explain()
    run(build_host_state="absent")

    calls = moto.calls()
    ec2 = [call for call in calls if call["service"] == "ec2"]
    assert "DescribeInstanceAttribute" in {call["action"] for call in ec2}
    # The AMI is read from AWS's public Debian 12 parameter, as on AWS.
    ssm = [call for call in calls if call["service"] == "ssm" and call["action"] == "GetParameter"]
    assert ssm
    assert all("/aws/service/debian/release/12/latest/amd64" in call["body"] for call in ssm)
    assert {call["action"] for call in ec2} >= {"RunInstances", "TerminateInstances", "DeleteSecurityGroup",
                                                "DeleteKeyPair"}
    operator = [call for call in calls if call["user"] == "banknote-operator"]
    assert {call["region"] for call in operator} == {REGION}, [(c["action"], c["region"]) for c in operator]
    assert [call["action"] for call in operator if not call["allowed"]] == []
