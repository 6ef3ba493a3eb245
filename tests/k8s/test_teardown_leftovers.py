"""Teardown's fallback steps on moto, as the IAM-enforced operator (docs/operator*.json): lb_leftovers
deletes the NLB, target group and security groups the load balancer controller tagged for the cluster
(elbv2.k8s.aws/cluster) in the network stack's VPC, and leaves another cluster's alone (defect 7);
log_group deletes /aws/eks/<cluster>/cluster unless teardown_keep_log_group (defect 12). A rerun
changes nothing. Not checked here: network interfaces that outlive the NLB (moto has none; the
Stubber tests in tests/modules/test_elbv2_cluster_leftovers.py cover the wait and the failure)."""

import json
import uuid
from pathlib import Path

import pytest
import yaml
from k8s_helpers import run_playbook

from tests.support.ansible import REPO_ROOT
from tests.support.moto import MotoServer

pytestmark = pytest.mark.ansible

TAG = "elbv2.k8s.aws/cluster"
VPC_TEMPLATE = {
    "Resources": {"Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.40.0.0/16"}}},
    "Outputs": {"VpcId": {"Value": {"Ref": "Vpc"}}},
}


def controller_resources(moto: MotoServer, vpc: str, cluster: str,
                         third_octets: tuple[int, int]) -> dict[str, str]:
    """What the controller creates for a Service: an NLB, its target group and two security groups."""
    ec2, elbv2 = moto.client("ec2"), moto.client("elbv2")
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.40.{i}.0/24", AvailabilityZone=f"us-east-1{z}")
               ["Subnet"]["SubnetId"] for i, z in zip(third_octets, "ab", strict=True)]
    tags = [{"Key": TAG, "Value": cluster}, {"Key": "service.k8s.aws/stack", "Value": "banknote/banknote"}]
    groups = [ec2.create_security_group(
        GroupName=f"k8s-{name}-{cluster}", Description="[k8s] Managed SecurityGroup", VpcId=vpc,
        TagSpecifications=[{"ResourceType": "security-group", "Tags": tags}])["GroupId"]
        for name in ("banknote", "traffic")]
    lb = elbv2.create_load_balancer(Name=f"k8s-{cluster}"[:32], Type="network", Scheme="internet-facing",
                                    Subnets=subnets, Tags=tags)["LoadBalancers"][0]["LoadBalancerArn"]
    tg = elbv2.create_target_group(Name=f"k8s-tg-{cluster}"[:32], Protocol="TCP", Port=8080, VpcId=vpc,
                                   TargetType="ip", Tags=tags)["TargetGroups"][0]["TargetGroupArn"]
    elbv2.create_listener(LoadBalancerArn=lb, Protocol="TCP", Port=80,
                          DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}])
    return {"lb": lb, "tg": tg, "sg_front": groups[0], "sg_back": groups[1]}


def teardown_steps(tmp_path: Path, moto: MotoServer, steps: list[str], **extra) -> object:
    playbook = tmp_path / "steps.yml"
    playbook.write_text(json.dumps([{
        "name": "teardown steps", "hosts": "control", "gather_facts": False,
        "environment": "{{ aws_environment }}",
        "tasks": [{"name": f"step {step}", "ansible.builtin.include_role": {
            "name": "teardown", "tasks_from": f"steps/{step}.yml"}} for step in steps],
    }]))
    # The playbook lives in tmp_path, so the project's group_vars/all.yml is not loaded: pass it (the
    # log_group step's app_logs role needs project settings), with an app group nobody made here.
    group_vars = {**yaml.safe_load((REPO_ROOT / "group_vars" / "all.yml").read_text()),
                  "app_log_group_name": "/bn-teardown-test/app"}
    return run_playbook(str(playbook), extra_vars={**moto.extra_vars, **group_vars, **extra}, timeout=600)


def test_lb_leftovers_are_deleted_and_another_clusters_kept(tmp_path: Path, k8s_moto: MotoServer):
    cluster, other = f"bn-{uuid.uuid4().hex[:6]}", f"ot-{uuid.uuid4().hex[:6]}"
    stack = f"{cluster}-network"
    cfn = k8s_moto.client("cloudformation")
    cfn.create_stack(StackName=stack, TemplateBody=json.dumps(VPC_TEMPLATE))
    vpc = cfn.describe_stacks(StackName=stack)["Stacks"][0]["Outputs"][0]["OutputValue"]
    mine = controller_resources(k8s_moto, vpc, cluster, (1, 2))
    theirs = controller_resources(k8s_moto, vpc, other, (3, 4))
    elbv2, ec2 = k8s_moto.client("elbv2"), k8s_moto.client("ec2")

    extra = {"teardown_cluster_name": cluster, "teardown_network_stack_name": stack}
    run = teardown_steps(tmp_path, k8s_moto, ["lb_leftovers"], **extra)
    assert run.returncode == 0, run.explain()
    assert run.total("changed") == 1, run.explain()

    lbs = {lb["LoadBalancerArn"] for lb in elbv2.describe_load_balancers()["LoadBalancers"]}
    tgs = {tg["TargetGroupArn"] for tg in elbv2.describe_target_groups()["TargetGroups"]}
    sgs = {sg["GroupId"] for sg in ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [vpc]}])["SecurityGroups"]}
    assert mine["lb"] not in lbs
    assert mine["tg"] not in tgs
    assert not {mine["sg_front"], mine["sg_back"]} & sgs
    assert theirs["lb"] in lbs
    assert theirs["tg"] in tgs
    assert {theirs["sg_front"], theirs["sg_back"]} <= sgs

    rerun = teardown_steps(tmp_path, k8s_moto, ["lb_leftovers"], **extra)
    assert rerun.returncode == 0, rerun.explain()
    assert rerun.total("changed") == 0, rerun.explain()
    # The operator made the deletions, allowed by its policies (IAM enforced).
    made = {(c["service"], c["action"]) for c in k8s_moto.calls() if c["user"] == "banknote-operator"
            and c["allowed"]}
    assert {("elasticloadbalancing", "DeleteLoadBalancer"), ("elasticloadbalancing", "DeleteTargetGroup"),
            ("ec2", "DeleteSecurityGroup")} <= made

def test_without_the_network_stack_lb_leftovers_does_nothing(tmp_path: Path, k8s_moto: MotoServer):
    run = teardown_steps(tmp_path, k8s_moto, ["lb_leftovers"], teardown_cluster_name="none-such",
                         teardown_network_stack_name=f"missing-{uuid.uuid4().hex[:6]}")
    assert run.returncode == 0, run.explain()
    assert run.total("changed") == 0


@pytest.mark.parametrize("keep", [False, True])
def test_control_plane_log_group_is_deleted_unless_kept(tmp_path: Path, k8s_moto: MotoServer, keep: bool):
    cluster = f"bn-{uuid.uuid4().hex[:6]}"
    logs = k8s_moto.client("logs")
    group = f"/aws/eks/{cluster}/cluster"
    logs.create_log_group(logGroupName=group)
    run = teardown_steps(tmp_path, k8s_moto, ["log_group"], teardown_cluster_name=cluster,
                         teardown_keep_log_group=keep)
    assert run.returncode == 0, run.explain()
    left = [g["logGroupName"] for g in logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]]
    assert left == ([group] if keep else [])
    assert run.total("changed") == (0 if keep else 1)
    rerun = teardown_steps(tmp_path, k8s_moto, ["log_group"], teardown_cluster_name=cluster,
                           teardown_keep_log_group=keep)
    assert rerun.returncode == 0, rerun.explain()
    assert rerun.total("changed") == 0, rerun.explain()
