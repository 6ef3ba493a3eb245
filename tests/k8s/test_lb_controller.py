"""lb_controller: the chart values it renders (Helm itself cannot run here: no binary, no API server).

What is checked: the role looks the IRSA role and VPC up (in moto), renders both values files with
clusterName, region, vpcId, the service account's role annotation and Fargate-sized resources, pins
both chart versions, and stops with an actionable message when infra is missing. Not checked here:
`helm upgrade --install` of the real charts (that the values keys match the pinned chart versions),
the controller creating an NLB, the metrics server feeding the HPA."""

import json
import uuid
from pathlib import Path

import pytest
import yaml
from k8s_helpers import run_playbook

from tests.support.ansible import REPO_ROOT
from tests.support.moto import MotoServer

pytestmark = pytest.mark.ansible

VPC_TEMPLATE = {
    "Resources": {"Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.99.0.0/16"}}},
    "Outputs": {"VpcId": {"Value": {"Ref": "Vpc"}}},
}


@pytest.fixture
def moto_role_and_stack(k8s_moto: MotoServer):
    """An IRSA-named role and a stack with a VpcId output, under unique names, removed afterwards."""
    name = f"k8s-test-{uuid.uuid4().hex[:8]}"
    iam = k8s_moto.client("iam")
    cfn = k8s_moto.client("cloudformation")
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17",
                                                                               "Statement": []}))
    cfn.create_stack(StackName=name, TemplateBody=json.dumps(VPC_TEMPLATE))
    outputs = cfn.describe_stacks(StackName=name)["Stacks"][0]["Outputs"]
    yield {"name": name, "role_arn": role["Role"]["Arn"],
           "vpc_id": next(o["OutputValue"] for o in outputs if o["OutputKey"] == "VpcId")}
    cfn.delete_stack(StackName=name)
    iam.delete_role(RoleName=name)


def render(tmp_path: Path, inventory: str = "inventory/local", moto: MotoServer | None = None,
           **extra) -> tuple:
    values_dir = tmp_path / "helm"
    run = run_playbook("playbooks/deploy.yml", "--tags", "lb_controller", extra_vars={
        **(moto.extra_vars if moto else {}), "lb_controller_apply": False, "k8s_app_cluster_auth": "none",
        "lb_controller_values_dir": str(values_dir), **extra,
    }, inventory=inventory, timeout=300)
    return run, values_dir


def test_values_carry_cluster_region_vpc_and_irsa_role(tmp_path: Path, moto_role_and_stack: dict,
                                                       k8s_moto: MotoServer):
    run, values_dir = render(tmp_path, moto=k8s_moto, lb_controller_role_name=moto_role_and_stack["name"],
                             lb_controller_network_stack_name=moto_role_and_stack["name"])
    assert run.returncode == 0, run.explain()
    values = yaml.safe_load((values_dir / "aws-load-balancer-controller-values.yaml").read_text())
    assert values["clusterName"] == "banknote"
    assert values["region"] == "us-east-1"
    assert values["vpcId"] == moto_role_and_stack["vpc_id"]
    assert values["serviceAccount"]["create"] is True
    annotations = values["serviceAccount"]["annotations"]
    assert annotations == {"eks.amazonaws.com/role-arn": moto_role_and_stack["role_arn"]}
    assert values["replicaCount"] >= 2
    assert values["resources"]["requests"] == values["resources"]["limits"]
    metrics = yaml.safe_load((values_dir / "metrics-server-values.yaml").read_text())
    assert metrics["containerPort"] != 10250  # the Fargate node agent's kubelet port
    assert metrics["resources"]["requests"] == metrics["resources"]["limits"]


def test_aws_inventory_renders_the_same_shape(tmp_path: Path):
    arn = "arn:aws:iam::123456789012:role/banknote-lb-controller"
    run, values_dir = render(tmp_path, inventory="inventory/aws", lb_controller_role_arn=arn,
                             lb_controller_vpc_id="vpc-0123456789abcdef0")
    assert run.returncode == 0, run.explain()
    values = yaml.safe_load((values_dir / "aws-load-balancer-controller-values.yaml").read_text())
    assert values["serviceAccount"]["annotations"]["eks.amazonaws.com/role-arn"] == arn
    assert values["vpcId"] == "vpc-0123456789abcdef0"


def test_chart_versions_are_pinned():
    defaults = yaml.safe_load((REPO_ROOT / "roles" / "lb_controller" / "defaults" / "main.yml").read_text())
    for key in ("lb_controller_chart_version", "lb_controller_metrics_server_chart_version"):
        parts = str(defaults[key]).split(".")
        assert len(parts) == 3, f"{key} must be an exact chart version, got {defaults[key]}"
        assert all(p.isdigit() for p in parts)
    assert defaults["lb_controller_chart_name"] == "aws-load-balancer-controller"
    assert defaults["lb_controller_chart_repo_url"] == "https://aws.github.io/eks-charts"


def test_missing_role_stops_with_an_actionable_message(tmp_path: Path, k8s_moto: MotoServer):
    missing = f"k8s-test-missing-{uuid.uuid4().hex[:8]}"
    run, values_dir = render(tmp_path, moto=k8s_moto, lb_controller_role_name=missing,
                             lb_controller_network_stack_name=missing)
    assert run.returncode != 0
    assert run.recap.get("failed") == 1
    (message,) = run.failure_messages
    assert f"Need IAM role {missing}" in message
    assert "--tags infra" in message
    assert not values_dir.exists()


def test_helm_tasks_are_skipped_without_an_api_server(tmp_path: Path, k8s_moto: MotoServer):
    arn = "arn:aws:iam::123456789012:role/banknote-lb-controller"
    run, _ = render(tmp_path, moto=k8s_moto, lb_controller_role_arn=arn, lb_controller_vpc_id="vpc-0abc")
    assert run.returncode == 0, run.explain()
    for task in ("Install the AWS Load Balancer Controller", "Install the metrics server"):
        assert run.task_results(f"lb_controller : {task}") == ["skipped"], run.explain()


def test_chart_matches_the_irsa_policy_version():
    """Chart X.Y.z ships controller vX.Y.z (since chart 3.0; chart 1.N shipped v2.N); its IAM permissions
    come from the iam role's policy file of the same minor version."""
    chart = yaml.safe_load((REPO_ROOT / "roles" / "lb_controller" / "defaults" / "main.yml").read_text())
    iam = yaml.safe_load((REPO_ROOT / "roles" / "iam" / "defaults" / "main.yml").read_text())
    major, minor = str(chart["lb_controller_chart_version"]).split(".")[:2]
    policy = iam["iam_lb_controller_policy_version"]  # e.g. v3.5
    assert policy == f"v{major}.{minor}", f"chart {chart['lb_controller_chart_version']} vs policy {policy}"
    assert (REPO_ROOT / "roles" / "iam" / "files" / f"lb-controller-policy-{policy}.json").is_file()
    assert iam["iam_lb_controller_service_account"] == chart["lb_controller_service_account_name"]
