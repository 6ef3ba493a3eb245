"""Teardown's fallback for the load balancer controller's leftovers (issue 9 defect 7), against
botocore Stubbers (harness.py): parameters validated against the ELBv2 and EC2 service models,
responses shaped like the API reference's DescribeLoadBalancers / DescribeTargetGroups / DescribeTags /
DescribeSecurityGroups. Present -> deleted; rerun with nothing tagged -> no change; a security group
still in use past the timeout -> one sentence naming what blocks; throttling retried.

The tag is the controller's: elbv2.k8s.aws/cluster = <cluster name> on load balancers, target groups
and security groups (aws-load-balancer-controller pkg/deploy/tracking/provider.go,
pkg/shared_constants/tag_keys.go, pkg/networking/backend_sg_provider.go)."""

import datetime

from tests.modules.harness import aws_error

ELBV2_CLUSTER_LEFTOVERS = "banknote.deploy.elbv2_cluster_leftovers"

CLUSTER, VPC, REGION = "banknote", "vpc-0123456789abcdef0", "eu-west-1"
ARGS = {"cluster_name": CLUSTER, "vpc_id": VPC, "region": REGION, "wait_timeout": 60}
ACCOUNT = "123456789012"
ARN = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}"
LB = f"{ARN}:loadbalancer/net/k8s-banknote-banknote-0a1b2c3d4e/50dc6c495c0c9188"
OTHER_LB = f"{ARN}:loadbalancer/net/other/60dc6c495c0c9188"
TG = f"{ARN}:targetgroup/k8s-banknote-banknote-5e6f7a8b9c/73e2d6bc24d8a067"
SG_FRONT, SG_BACK = "sg-0aaaaaaaaaaaaaaaa", "sg-0bbbbbbbbbbbbbbbb"
CREATED = datetime.datetime(2026, 11, 30, 12, 0, tzinfo=datetime.UTC)
SG_FILTERS = [{"Name": "tag:elbv2.k8s.aws/cluster", "Values": [CLUSTER]}, {"Name": "vpc-id", "Values": [VPC]}]


def load_balancer(arn, vpc=VPC):
    return {"LoadBalancerArn": arn, "LoadBalancerName": arn.split("/")[-2], "Type": "network",
            "Scheme": "internet-facing", "VpcId": vpc, "CreatedTime": CREATED,
            "State": {"Code": "active"}, "DNSName": "k8s-banknote.elb.eu-west-1.amazonaws.com"}


def target_group(arn):
    return {"TargetGroupArn": arn, "TargetGroupName": arn.split("/")[-2], "Protocol": "TCP", "Port": 8080,
            "VpcId": VPC, "TargetType": "ip", "LoadBalancerArns": [LB]}


def tags(arn, cluster=CLUSTER):
    pairs = [{"Key": "service.k8s.aws/stack", "Value": "banknote/banknote"}]
    if cluster:
        pairs.append({"Key": "elbv2.k8s.aws/cluster", "Value": cluster})
    return {"ResourceArn": arn, "Tags": pairs}


def security_group(group_id, name):
    return {"GroupId": group_id, "GroupName": name, "Description": "[k8s] Managed SecurityGroup",
            "OwnerId": ACCOUNT, "VpcId": VPC,
            "Tags": [{"Key": "elbv2.k8s.aws/cluster", "Value": CLUSTER}]}


def discovery(lbs, tgs, sgs, lb_tags, tg_tags):
    elbv2 = [("describe_load_balancers", {"LoadBalancers": lbs}, {}),
             ("describe_target_groups", {"TargetGroups": tgs}, {})]
    if lbs:
        elbv2.append(("describe_tags", {"TagDescriptions": lb_tags},
                      {"ResourceArns": [lb["LoadBalancerArn"] for lb in lbs]}))
    if tgs:
        elbv2.append(("describe_tags", {"TagDescriptions": tg_tags},
                      {"ResourceArns": [tg["TargetGroupArn"] for tg in tgs]}))
    ec2 = [("describe_security_groups", {"SecurityGroups": sgs}, {"Filters": SG_FILTERS})]
    return elbv2, ec2


def present():
    return discovery(
        [load_balancer(LB), load_balancer(OTHER_LB)], [target_group(TG)],
        [security_group(SG_FRONT, "k8s-banknote-banknote-0a1b2c3d4e"),
         security_group(SG_BACK, "k8s-traffic-banknote")],
        [tags(LB), tags(OTHER_LB, cluster="another")], [tags(TG)])


def test_leftovers_are_deleted_in_order_and_waited_for(run_module):
    elbv2, ec2 = present()
    elbv2 += [
        ("delete_load_balancer", {}, {"LoadBalancerArn": LB}),
        ("describe_load_balancers", {"LoadBalancers": [load_balancer(LB)]}, {"LoadBalancerArns": [LB]}),
        ("describe_load_balancers", aws_error("LoadBalancerNotFound"), {"LoadBalancerArns": [LB]}),
        # Throttled once: the client's retry wrapper tries again.
        ("delete_target_group", aws_error("Throttling"), {"TargetGroupArn": TG}),
        ("delete_target_group", {}, {"TargetGroupArn": TG}),
    ]
    ec2 += [
        # The load balancer's network interfaces still hold the front security group for a while.
        ("delete_security_group", aws_error("DependencyViolation"), {"GroupId": SG_FRONT}),
        ("delete_security_group", {}, {"GroupId": SG_FRONT}),
        ("delete_security_group", {}, {"GroupId": SG_BACK}),
    ]
    result = run_module(ELBV2_CLUSTER_LEFTOVERS, ARGS, {"elbv2": elbv2, "ec2": ec2})
    assert not result.get("failed"), result
    assert result["changed"] is True
    assert result["load_balancers"] == [LB]  # the other cluster's load balancer is left alone
    assert result["target_groups"] == [TG]
    assert result["security_groups"] == [SG_FRONT, SG_BACK]
    assert run_module.last.sleeps.count(15) == 2  # one wait for the LB, one for the security group


def test_check_mode_reports_without_deleting(run_module):
    elbv2, ec2 = present()
    result = run_module(ELBV2_CLUSTER_LEFTOVERS, ARGS, {"elbv2": elbv2, "ec2": ec2}, check_mode=True)
    assert result["changed"] is True
    assert (result["load_balancers"], result["target_groups"]) == ([LB], [TG])
    assert not [c for c in run_module.last.calls if c[1].startswith("delete_")]


def test_nothing_tagged_is_no_change(run_module):
    elbv2, ec2 = discovery([load_balancer(OTHER_LB)], [], [], [tags(OTHER_LB, cluster=None)], [])
    result = run_module(ELBV2_CLUSTER_LEFTOVERS, ARGS, {"elbv2": elbv2, "ec2": ec2})
    assert result["changed"] is False
    assert result["load_balancers"] == result["target_groups"] == result["security_groups"] == []


def test_a_security_group_still_in_use_fails_with_one_sentence(run_module):
    elbv2, ec2 = discovery([], [], [security_group(SG_BACK, "k8s-traffic-banknote")], [], [])
    attempts = 60 // 15 + 1
    ec2 += [("delete_security_group", aws_error("DependencyViolation"), {"GroupId": SG_BACK})] * attempts
    eni = {"NetworkInterfaceId": "eni-0123456789abcdef0",
           "Description": "ELB net/k8s-banknote/50dc6c495c0c9188"}
    ec2.append(("describe_network_interfaces", {"NetworkInterfaces": [eni]},
                {"Filters": [{"Name": "group-id", "Values": [SG_BACK]}]}))
    result = run_module(ELBV2_CLUSTER_LEFTOVERS, ARGS, {"elbv2": elbv2, "ec2": ec2})
    assert result["failed"] is True
    assert result["msg"] == (
        f"Security group {SG_BACK} is still in use after 60 s by eni-0123456789abcdef0 "
        "(ELB net/k8s-banknote/50dc6c495c0c9188): delete that, then run the teardown again.")
    assert run_module.last.sleeps == [15] * (attempts - 1)
