"""Bad inputs stop the infra playbook in preflight, before anything is created, with one sentence."""

import datetime
import json
import os
import re

import pytest
import yaml
from infra_helpers import run_playbook

from tests.support.ansible import REPO_ROOT

pytestmark = pytest.mark.ansible


def assert_stops_early(run, phrase: str) -> str:
    assert run.returncode != 0, run.explain()
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
    # The aws target runs Helm: a stand-in for the pinned helm passes the tools check that comes first;
    # the helm role's download (get.helm.sh, unreachable here) is skipped.
    helm = json.dumps({"preflight_helm_binary_path": str(fake_helm(tmp_path, "3.21.4"))})
    run = run_playbook("playbooks/infra.yml", "-e", helm, "--skip-tags", "helm", inventory="inventory/aws",
                       env=env)
    assert_stops_early(run, "No AWS credentials found: run `aws configure`")


@pytest.mark.parametrize("extra", [[], ["--tags", "ecr"]], ids=["full", "one-role"])
def test_aws_target_needs_confirmation(moto, extra, tmp_path):
    # The aws inventory, but its API calls go to moto as the operator (whose quota API lacks ec2 and
    # fargate, and which has no DescribeClusterVersions); the region comes from the inventory, as on AWS.
    # The aws target runs Helm: a stand-in for the pinned helm passes preflight's helm check (the helm
    # role's download from get.helm.sh, unreachable here, is skipped).
    overrides = {"aws_environment": moto.environment(),
                 "preflight_quota_services_skipped": ["ec2", "fargate"],
                 "preflight_k8s_versions_source": "table",
                 "preflight_helm_binary_path": str(fake_helm(tmp_path, "3.21.4"))}
    run = run_playbook("playbooks/infra.yml", "-e", json.dumps(overrides), *extra, "--skip-tags", "helm",
                       inventory="inventory/aws")
    message = assert_stops_early(run, "rerun with -e confirm_aws_deploy=true")
    assert re.search(r"about \$\d+ per month", message), message


# --- Kubernetes version support, helm, availability zones (issue 9: defects 3, 4, 13) ---

PINNED = yaml.safe_load((REPO_ROOT / "group_vars" / "all.yml").read_text())["k8s_version"]
PREFLIGHT_DEFAULTS = yaml.safe_load((REPO_ROOT / "roles" / "preflight" / "defaults" / "main.yml").read_text())
CALENDAR = PREFLIGHT_DEFAULTS["preflight_eks_versions"]
END_OF_STANDARD = {version: dates["end_of_standard_support"] for version, dates in CALENDAR.items()}


def test_pinned_version_stays_in_standard_support(playbook):
    # The real today: this fails once the pin gets within 90 days of its end of standard support.
    run = playbook("playbooks/infra.yml", "--tags", "preflight")
    assert run.returncode == 0, run.explain()
    end = END_OF_STANDARD[PINNED]
    assert any(f"Kubernetes {PINNED}: standard support until {end}" in message
               for message in run.messages("preflight : ")), run.explain()


def test_version_leaving_standard_support_within_90_days(playbook):
    # 62 days before the pinned version's end of standard support (the role's dated table).
    end = datetime.date.fromisoformat(END_OF_STANDARD[PINNED])
    today = (end - datetime.timedelta(days=62)).isoformat()
    run = playbook("playbooks/infra.yml", "--tags", "preflight", "-e", f"preflight_today={today}")
    message = assert_stops_early(run, f"EKS standard support for Kubernetes {PINNED} ends on {end}")
    assert f"62 days after {today}" in message
    assert "bills $0.6 instead of $0.1 per hour: set k8s_version to a newer version" in message


def test_version_past_standard_support_is_refused(playbook):
    # The version the project pinned before: past standard support on 2026-11-30.
    extra = {"k8s_version": "1.33", "preflight_today": "2026-11-30"}
    run = playbook("playbooks/infra.yml", "--tags", "preflight", "-e", json.dumps(extra))
    assert_stops_early(run, "Kubernetes 1.33 ends on 2026-07-29, -124 days after 2026-11-30")


def test_version_eks_does_not_offer(playbook):
    run = playbook("playbooks/infra.yml", "--tags", "preflight", "-e", "k8s_version=1.99")
    assert_stops_early(run, "Kubernetes 1.99 is not a version EKS offers in us-east-1")


def fake_helm(tmp_path, version: str):
    helm = tmp_path / "helm"
    helm.write_text(f"#!/bin/sh\necho 'v{version}+g0123456'\n")
    helm.chmod(0o755)
    return helm


def test_missing_helm_where_the_target_runs_helm(tmp_path):
    # Stops in the tools check, before any AWS call.
    missing = tmp_path / "no" / "helm"
    extra = {"lb_controller_apply": True, "preflight_helm_binary_path": str(missing)}
    # Without the helm role (its download from get.helm.sh cannot run here): the check that is left.
    run = run_playbook("playbooks/infra.yml", "-e", json.dumps(extra), "--skip-tags", "helm")
    message = assert_stops_early(run, f"helm >= 3.21.0 and < 4 is needed at {missing} on this target")
    assert "(found: none)" in message
    assert "--tags helm" in message


def test_old_helm_is_refused(tmp_path):
    helm = fake_helm(tmp_path, "3.12.0")
    extra = {"lb_controller_apply": True, "preflight_helm_binary_path": str(helm)}
    run = run_playbook("playbooks/infra.yml", "-e", json.dumps(extra), "--skip-tags", "helm")
    assert_stops_early(run, "(found: 3.12.0)")


def test_pinned_helm_passes(playbook, tmp_path):
    helm = fake_helm(tmp_path, "3.21.4")
    extra = {"lb_controller_apply": True, "preflight_helm_binary_path": str(helm)}
    run = playbook("playbooks/infra.yml", "--tags", "preflight", "-e", json.dumps(extra))
    assert run.returncode == 0, run.explain()


@pytest.mark.parametrize(
    ("ids", "phrase"),
    [
        # moto's us-east-1 maps use1-az3 to us-east-1e; EKS does not support that zone ID.
        (["use1-az3", "use1-az6"], "zone ID use1-az3 (us-east-1e) cannot host an EKS control plane"),
        (["use1-az9", "use1-az6"], "Availability zone ID use1-az9 is not an available zone in us-east-1"),
        (["use1-az6"], "availability_zone_ids needs exactly 2 different zone IDs (got use1-az6)"),
    ],
    ids=["unsupported", "unknown", "one"],
)
def test_bad_availability_zone_ids(playbook, ids, phrase):
    extra = {"availability_zone_ids": ids}
    run = playbook("playbooks/infra.yml", "--tags", "preflight", "-e", json.dumps(extra))
    assert_stops_early(run, phrase)
