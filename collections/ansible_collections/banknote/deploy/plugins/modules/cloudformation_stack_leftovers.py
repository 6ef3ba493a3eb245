#!/usr/bin/python
"""Ansible module: delete EC2 resources a deleted-or-deleting VPC stack failed to remove."""
# Ansible module layout: DOCUMENTATION first, then imports (botocore is checked by AnsibleAWSModule).
# ruff: noqa: E402

DOCUMENTATION = r"""
module: cloudformation_stack_leftovers
short_description: Delete a VPC stack's NAT gateways, Elastic IPs, internet gateways and route tables
description:
  - For CloudFormation implementations that do not delete these on stack deletion (moto), which then
    fails with DependencyViolation on the VPC. The IDs come from the stack's own resources.
  - Order - NAT gateways (they hold the addresses; waits until deleted), Elastic IPs, internet gateways
    (detached first), route tables (disassociated first).
  - Plain boto3 on purpose - moto keys the EIP's CloudFormation tags by its address, and from then on
    any DescribeTags call with a resource-type filter (which amazon.aws.ec2_vpc_nat_gateway makes) fails
    with HTTP 500.
  - Resources already gone are skipped, so a second run changes nothing.
options:
  stack_name: {description: Stack name., type: str, required: true}
extends_documentation_fragment: [amazon.aws.common.modules, amazon.aws.region.modules, amazon.aws.boto3]
author: banknote infra (!UNKNOWN)
"""

EXAMPLES = r"""
- name: Delete the leftovers of the network stack
  banknote.deploy.cloudformation_stack_leftovers:
    stack_name: banknote-network
"""

RETURN = r"""
deleted:
  description: Physical IDs deleted (or, in check mode, that would be).
  returned: always
  type: list
  elements: str
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.banknote.deploy.plugins.module_utils.aws import (
    AWS_ERRORS,
    client,
    describe_or_none,
    wait_until,
)

NAT_WAIT_SECONDS = 600


def stack_resources(cfn, name):
    """{resource type: [physical ids]} of the stack; {} if it does not exist ("Stack with id ... does not
    exist" is a ValidationError)."""
    found = describe_or_none(cfn.describe_stack_resources, "ValidationError", StackName=name)
    by_type = {}
    for resource in (found or {}).get("StackResources", []):
        if resource.get("PhysicalResourceId"):
            by_type.setdefault(resource["ResourceType"], []).append(resource["PhysicalResourceId"])
    return by_type


def nat_gateways(ec2, module, ids, deleted):
    live = (
        [
            n["NatGatewayId"]
            for n in ec2.describe_nat_gateways(aws_retry=True, NatGatewayIds=ids)["NatGateways"]
            if n["State"] not in ("deleted", "deleting")
        ]
        if ids
        else []
    )
    if module.check_mode:
        deleted.extend(live)
        return
    for nat in live:
        ec2.delete_nat_gateway(aws_retry=True, NatGatewayId=nat)
        deleted.append(nat)

    def all_deleted():
        gateways = ec2.describe_nat_gateways(aws_retry=True, NatGatewayIds=live)["NatGateways"]
        return {n["State"] for n in gateways} <= {"deleted"}, None

    # Past the wait the addresses' release below fails with the reason, so the timeout itself is not one.
    if live:
        wait_until(module, all_deleted, NAT_WAIT_SECONDS, 5)


def elastic_ips(ec2, module, public_ips, deleted):
    # CloudFormation's physical id of an EIP is its public address.
    for ip in public_ips:
        found = ec2.describe_addresses(aws_retry=True, Filters=[{"Name": "public-ip", "Values": [ip]}])
        for address in found["Addresses"]:
            deleted.append(ip)
            if not module.check_mode:
                ec2.release_address(aws_retry=True, AllocationId=address["AllocationId"])


def delete_found(module, ids, deleted, describe, delete):
    """For each id that describe = (call, not-found code, id parameter) still finds, records it in
    `deleted` and, unless in check mode, calls delete(id, found)."""
    call, not_found, id_parameter = describe
    for resource in ids:
        found = describe_or_none(call, not_found, **{id_parameter: [resource]})
        if found is None:
            continue
        deleted.append(resource)
        if not module.check_mode:
            delete(resource, found)


def internet_gateways(ec2, module, ids, deleted):
    def delete(igw, found):
        for attachment in found["InternetGateways"][0].get("Attachments", []):
            ec2.detach_internet_gateway(aws_retry=True, InternetGatewayId=igw, VpcId=attachment["VpcId"])
        ec2.delete_internet_gateway(aws_retry=True, InternetGatewayId=igw)

    describe = (ec2.describe_internet_gateways, "InvalidInternetGatewayID.NotFound", "InternetGatewayIds")
    delete_found(module, ids, deleted, describe, delete)


def route_tables(ec2, module, ids, deleted):
    def delete(rtb, found):
        for association in found["RouteTables"][0].get("Associations", []):
            if not association.get("Main"):
                association_id = association["RouteTableAssociationId"]
                ec2.disassociate_route_table(aws_retry=True, AssociationId=association_id)
        ec2.delete_route_table(aws_retry=True, RouteTableId=rtb)

    describe = (ec2.describe_route_tables, "InvalidRouteTableID.NotFound", "RouteTableIds")
    delete_found(module, ids, deleted, describe, delete)


def main():
    module = AnsibleAWSModule(
        argument_spec={"stack_name": {"type": "str", "required": True}}, supports_check_mode=True
    )
    cfn = client(module, "cloudformation")
    ec2 = client(module, "ec2")
    deleted = []
    try:
        resources = stack_resources(cfn, module.params["stack_name"])
        nat_gateways(ec2, module, resources.get("AWS::EC2::NatGateway", []), deleted)
        elastic_ips(ec2, module, resources.get("AWS::EC2::EIP", []), deleted)
        internet_gateways(ec2, module, resources.get("AWS::EC2::InternetGateway", []), deleted)
        route_tables(ec2, module, resources.get("AWS::EC2::RouteTable", []), deleted)
    except AWS_ERRORS as e:
        module.fail_json_aws(e, msg=f"Could not delete the leftovers of stack {module.params['stack_name']}")
    module.exit_json(changed=bool(deleted), deleted=deleted)


if __name__ == "__main__":
    main()
