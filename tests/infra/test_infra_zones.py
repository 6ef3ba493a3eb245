"""Availability zones (issue 9, defect 13): zone IDs the user names are mapped to this account's zone
names, zones EKS cannot host a control plane in are refused, and the stack gets the names as parameters."""

import json

import pytest
from infra_helpers import preflight_filters

filters = preflight_filters

UNSUPPORTED = ["use1-az3", "usw1-az2", "cac1-az3"]


def zone(name, zone_id, state="available", zone_type="availability-zone"):
    return {"zone_name": name, "zone_id": zone_id, "state": state, "zone_type": zone_type}


# An account where the first two zones by name include use1-az3 (zone names map to IDs per account).
ZONES = [
    zone("us-east-1b", "use1-az3"),
    zone("us-east-1a", "use1-az2"),
    zone("us-east-1c", "use1-az4", state="impaired"),
    zone("us-east-1-bos-1a", "use1-bos1-az1", zone_type="local-zone"),
    zone("us-east-1d", "use1-az6"),
    zone("us-east-1e", "use1-az1"),
]


def test_default_skips_the_zone_eks_does_not_support():
    picked = filters.eks_zones(ZONES, [], UNSUPPORTED, "us-east-1")
    # us-east-1b is use1-az3 here: skipped; us-east-1c is impaired; the Local Zone never counts.
    assert picked == {"names": ["us-east-1a", "us-east-1d"], "ids": ["use1-az2", "use1-az6"], "error": ""}


def test_named_ids_in_their_order():
    picked = filters.eks_zones(ZONES, ["use1-az1", "use1-az2"], UNSUPPORTED, "us-east-1")
    assert (picked["names"], picked["error"]) == (["us-east-1e", "us-east-1a"], "")


@pytest.mark.parametrize(
    ("ids", "phrase"),
    [
        (["use1-az3", "use1-az2"], "use1-az3 (us-east-1b) cannot host an EKS control plane"),
        (["use1-az4", "use1-az2"], "use1-az4 is not an available zone in us-east-1"),
        (["use1-bos1-az1", "use1-az2"], "use1-bos1-az1 is not an available zone in us-east-1"),
        (["use1-az2", "use1-az2"], "needs exactly 2 different zone IDs"),
    ],
)
def test_refused_ids(ids, phrase):
    picked = filters.eks_zones(ZONES, ids, UNSUPPORTED, "us-east-1")
    assert picked["names"] == []
    assert phrase in picked["error"]
    assert picked["error"].count(". ") == 0
    assert picked["error"].endswith(".")


def test_too_few_supported_zones():
    zones = [zone("us-east-1a", "use1-az3"), zone("us-east-1b", "use1-az1")]
    picked = filters.eks_zones(zones, [], UNSUPPORTED, "r")
    assert picked["error"] == "r has fewer than 2 zones that support EKS: pick another region."


def stack_zones(aws, stack):
    resources = aws("cloudformation").describe_stack_resources(StackName=stack)["StackResources"]
    subnets = {}
    for resource in resources:
        if resource["ResourceType"] == "AWS::EC2::Subnet":
            subnets[resource["LogicalResourceId"]] = resource["PhysicalResourceId"]
    described = aws("ec2").describe_subnets(SubnetIds=list(subnets.values()))["Subnets"]
    zone_of = {s["SubnetId"]: s["AvailabilityZone"] for s in described}
    return {logical: zone_of[subnet_id] for logical, subnet_id in subnets.items()}


def test_stack_gets_the_named_zones(playbook, aws):
    # A stack of its own (project azcheck), so the lifecycle test's stack is untouched. moto's us-east-1:
    # use1-az4 = us-east-1d, use1-az6 = us-east-1a.
    extra = json.dumps({"project_name": "azcheck", "availability_zone_ids": ["use1-az4", "use1-az6"]})
    try:
        first = playbook("playbooks/infra.yml", "--tags", "network", "-e", extra)
        assert first.returncode == 0, first.explain()
        assert stack_zones(aws, "azcheck-network") == {
            "PublicSubnet1": "us-east-1d",
            "PrivateSubnet1": "us-east-1d",
            "PublicSubnet2": "us-east-1a",
            "PrivateSubnet2": "us-east-1a",
        }
        again = playbook("playbooks/infra.yml", "--tags", "network", "-e", extra)
        assert again.returncode == 0, again.explain()
        assert again.recap["changed"] == 0, again.changed_tasks()
    finally:
        gone = playbook("playbooks/infra.yml", "--tags", "network", "-e", extra, "-e", "network_state=absent")
        assert gone.returncode == 0, gone.explain()
