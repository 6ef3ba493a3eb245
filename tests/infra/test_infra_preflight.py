"""Bad inputs stop the infra playbook in preflight, before anything is created, with one sentence."""

import json
import os
import re

import pytest
from infra_helpers import run_playbook

pytestmark = pytest.mark.ansible


def assert_stops_early(run, phrase: str) -> str:
    assert run.returncode != 0, run.output[-3000:]
    assert run.recap["changed"] == 0
    assert run.recap["failed"] == 1
    messages = run.failure_messages
    assert len(messages) == 1, messages
    message = messages[0]
    assert phrase in message, message
    # One sentence: a single terminal full stop, no line breaks.
    assert "\n" not in message.strip(), message
    assert len(re.findall(r"[.!?](\s|$)", message.strip())) == 1, message
    return message


def test_overlapping_subnets():
    run = run_playbook(
        "playbooks/infra.yml", "-e", json.dumps({"private_subnet_cidrs": ["10.42.8.0/21", "10.42.160.0/19"]})
    )
    message = assert_stops_early(run, "overlap")
    assert "10.42.0.0/20 and 10.42.8.0/21" in message


def test_subnet_outside_the_vpc():
    run = run_playbook(
        "playbooks/infra.yml", "-e", json.dumps({"public_subnet_cidrs": ["10.42.0.0/20", "10.99.16.0/20"]})
    )
    assert_stops_early(run, "10.99.16.0/20 is outside the VPC 10.42.0.0/16")


def test_not_a_cidr():
    run = run_playbook("playbooks/infra.yml", "-e", "vpc_cidr=10.42.0.0/33")
    assert_stops_early(run, "10.42.0.0/33 is not an IPv4 network")


def test_name_too_long_for_iam():
    run = run_playbook("playbooks/infra.yml", "-e", "project_name=" + "b" * 50)
    message = assert_stops_early(run, "AWS allows at most 64")
    assert "IAM role name" in message


def test_unknown_region(playbook):
    run = playbook("playbooks/infra.yml", "-e", "aws_region=us-moon-1")
    message = assert_stops_early(run, "Region 'us-moon-1' is not an AWS region enabled")
    assert "us-east-1" in message


def test_missing_credentials_on_the_aws_inventory(tmp_path):
    # An empty environment: no AWS_* variables, a HOME without ~/.aws, no instance metadata to ask.
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        HOME=str(tmp_path),
        AWS_EC2_METADATA_DISABLED="true",
        AWS_CONFIG_FILE=str(tmp_path / "none"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"),
    )
    run = run_playbook("playbooks/infra.yml", inventory="inventory/aws", env=env)
    assert_stops_early(run, "No AWS credentials found: run `aws configure`")


@pytest.mark.parametrize("extra", [[], ["--tags", "ecr"]], ids=["full", "one-role"])
def test_aws_target_needs_confirmation(moto, extra):
    # The aws inventory, but its API calls go to moto as the operator (whose quota API lacks ec2 and
    # fargate); the region comes from the inventory, as on AWS.
    overrides = {"aws_environment": moto.environment(),
                 "preflight_quota_services_skipped": ["ec2", "fargate"]}
    run = run_playbook("playbooks/infra.yml", "-e", json.dumps(overrides), *extra, inventory="inventory/aws")
    message = assert_stops_early(run, "rerun with -e confirm_aws_deploy=true")
    assert re.search(r"about \$\d+ per month", message), message
