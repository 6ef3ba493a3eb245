"""The build host is the same OS on both targets (issue 9, "Same OS"): Debian 12 from the Debian cloud
team's public SSM parameter on AWS, user admin; the local stand-in (local/build-host) is Debian 12 with the
same user, so the docker_engine path the tests run is the one AWS runs. These checks keep the two, the
operator policy and the inventories from drifting apart."""

import fnmatch
import json
import re

import yaml

from tests.support.ansible import REPO_ROOT

BUILD_HOST = yaml.safe_load((REPO_ROOT / "roles/build_host/defaults/main.yml").read_text())
STAND_IN = REPO_ROOT / "local" / "build-host"


def test_aws_build_host_is_debian_12_with_user_admin():
    assert BUILD_HOST["build_host_ami_ssm_parameter"] == "/aws/service/debian/release/12/latest/amd64"
    assert BUILD_HOST["build_host_ssh_user"] == "admin"


def test_stand_in_is_debian_12_with_the_same_user():
    dockerfile = (STAND_IN / "Dockerfile").read_text()
    assert re.search(r"useradd .*\badmin\b", dockerfile)
    assert "admin ALL=(ALL) NOPASSWD:ALL" in dockerfile
    assert re.search(r"^AllowUsers admin$", (STAND_IN / "sshd_config").read_text(), re.MULTILINE)
    assert "/home/admin/.ssh/authorized_keys" in (STAND_IN / "init.sh").read_text()
    local_build = yaml.safe_load((REPO_ROOT / "inventory/local/group_vars/all/build.yml").read_text())
    assert "bookworm" in local_build["local_build_host_base_image_mirror"]  # Debian 12


def test_docker_engine_has_one_os_path():
    assert sorted(p.name for p in (REPO_ROOT / "roles/docker_engine/vars").iterdir()) == ["Debian.yml"]
    setups = [p.name for p in (REPO_ROOT / "roles/docker_engine/tasks").glob("setup-*.yml")]
    assert setups == ["setup-Debian.yml"]


def test_aws_target_starts_docker_with_systemd():
    aws_build = yaml.safe_load((REPO_ROOT / "inventory/aws/group_vars/all/build.yml").read_text())
    assert aws_build["docker_engine_init"] == "service"


def test_operator_may_read_the_ami_parameter_and_no_other():
    policy = json.loads((REPO_ROOT / "docs/operator-build-policy.json").read_text())
    ssm = [s for s in policy["Statement"] if any(a.startswith("ssm:") for a in s["Action"])]
    assert len(ssm) == 1
    assert ssm[0]["Action"] == ["ssm:GetParameter"]
    arn = f"arn:aws:ssm:eu-west-1::parameter{BUILD_HOST['build_host_ami_ssm_parameter']}"
    assert fnmatch.fnmatchcase(arn, ssm[0]["Resource"])
    assert not fnmatch.fnmatchcase("arn:aws:ssm:eu-west-1::parameter/aws/service/ami-amazon-linux-latest/x",
                                   ssm[0]["Resource"])
