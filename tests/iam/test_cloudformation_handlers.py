"""The network stack runs with the operator's own credentials: CloudFormation's resource handlers call EC2
as the operator (aws:CalledVia = cloudformation.amazonaws.com). Every permission that the handlers of
the template's resource types document (the resource provider schemas' `handlers.*.permissions`, as
cfn-lint ships them for us-east-1) must be granted, or a first real deploy fails inside the stack
(e.g. AWS::EC2::VPC's read handler needs ec2:DescribeNetworkAcls, VPCGatewayAttachment's
ec2:DescribeVpnGateways: moto's CloudFormation calls no handler, so only this test sees them)."""

import pytest
from cfnlint.decode import decode
from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

from tests.support import iam_policy as iam
from tests.support.ansible import REPO_ROOT

TEMPLATE = REPO_ROOT / "roles/network/files/vpc.yml"
HANDLERS = ("create", "read", "update", "delete")
VIA_CLOUDFORMATION = {"aws:CalledVia": ["cloudformation.amazonaws.com"]}


def resource_types() -> list[str]:
    template, errors = decode(str(TEMPLATE))
    assert not errors, errors
    return sorted({resource["Type"] for resource in template["Resources"].values()})


def handler_permissions() -> dict[str, list[str]]:
    """permission -> the resource type handlers that need it."""
    needed: dict[str, list[str]] = {}
    for resource_type in resource_types():
        handlers = PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", resource_type).schema["handlers"]
        for handler in HANDLERS:
            for permission in handlers.get(handler, {}).get("permissions", []):
                needed.setdefault(permission, []).append(f"{resource_type} {handler}")
    return needed


def test_the_template_has_the_vpc_resource_types():
    expected = {"AWS::EC2::VPC", "AWS::EC2::NatGateway", "AWS::EC2::VPCGatewayAttachment"}
    assert expected <= set(resource_types())
    assert "ec2:DescribeNetworkAcls" in handler_permissions()


@pytest.mark.parametrize("permission", sorted(handler_permissions()))
def test_the_operator_grants_what_cloudformation_calls_for_the_stack(permission: str):
    request = iam.Request(action=permission, resource="*", context=VIA_CLOUDFORMATION)
    decision = iam.evaluate(iam.operator_policies(), request)
    assert decision.result == "allow", f"{permission} ({', '.join(handler_permissions()[permission])})"


def test_the_stack_resources_are_not_granted_outside_cloudformation():
    request = iam.Request(action="ec2:CreateVpc", resource="*", context={"aws:CalledVia": []})
    assert iam.evaluate(iam.operator_policies(), request).result != "allow"
