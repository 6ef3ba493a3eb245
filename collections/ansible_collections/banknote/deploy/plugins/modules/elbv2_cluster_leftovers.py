#!/usr/bin/python
"""Ansible module: delete the load balancers, target groups and security groups the AWS Load Balancer
Controller left behind for a cluster (teardown's fallback when the Service could not be deleted)."""
# Ansible module layout: DOCUMENTATION first, then imports (botocore is checked by AnsibleAWSModule).
# ruff: noqa: E402

DOCUMENTATION = r"""
module: elbv2_cluster_leftovers
short_description: Delete the ELBv2 load balancers, target groups and security groups tagged for a cluster
description:
  - The AWS Load Balancer Controller tags every AWS resource it creates with
    C(elbv2.k8s.aws/cluster) = the cluster name (its source, pkg/deploy/tracking/provider.go and
    pkg/shared_constants/tag_keys.go; the backend security group too, pkg/networking/backend_sg_provider.go).
    When the Service could not be deleted through the controller (cluster not ACTIVE, controller gone),
    these stay in the VPC and the network stack's deletion fails. This deletes them.
  - Order - load balancers (which deletes their listeners; waits until each is gone), target groups
    (retried while still in use), security groups (retried while the load balancers' network interfaces
    are released, which takes minutes). Run it after the cluster is deleted - the cluster's security group
    holds rules that reference the controller's backend security group.
  - Fails with one sentence naming what still blocks when something is still in use after I(wait_timeout).
  - Resources already gone are skipped, so a second run changes nothing.
options:
  cluster_name: {description: Cluster named by the C(elbv2.k8s.aws/cluster) tag., type: str, required: true}
  vpc_id: {description: Only resources in this VPC (empty - any VPC)., type: str, default: ""}
  wait_timeout: {description: Seconds to wait for each deletion that waits., type: int, default: 600}
extends_documentation_fragment: [amazon.aws.common.modules, amazon.aws.region.modules, amazon.aws.boto3]
author: banknote k8s (!UNKNOWN)
"""

EXAMPLES = r"""
- name: Delete what the load balancer controller left behind
  banknote.deploy.elbv2_cluster_leftovers:
    cluster_name: banknote
    vpc_id: vpc-0123456789abcdef0
    region: eu-west-1
"""

RETURN = r"""
load_balancers:
  {description: ARNs deleted (in check mode - that would be)., returned: always, type: list, elements: str}
target_groups:
  {description: ARNs deleted (in check mode - that would be)., returned: always, type: list, elements: str}
security_groups:
  {description: IDs deleted (in check mode - that would be)., returned: always, type: list, elements: str}
"""

import time

from ansible_collections.amazon.aws.plugins.module_utils.botocore import (
    is_boto3_error_code,
    paginated_query_with_retries,
)
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.banknote.deploy.plugins.module_utils.aws import (
    AWS_ERRORS,
    RETRY,
    client,
    describe_or_none,
)

CLUSTER_TAG = "elbv2.k8s.aws/cluster"
# Throttling is retried by the client wrapper (module_utils/aws.py RETRY); "still in use" is waited out
# below, DELAY seconds apart, for up to wait_timeout.
DELAY = 15
TAGS_PER_CALL = 20  # DescribeTags takes at most 20 ARNs


class Blocked(Exception):
    """Something is still in use after the timeout; the message is the sentence to show."""


def _pages(client, operation, key, **params):
    return paginated_query_with_retries(client, operation, RETRY, **params)[key]


def tagged_for_cluster(elbv2, arns, cluster):
    found = []
    for start in range(0, len(arns), TAGS_PER_CALL):
        chunk = arns[start:start + TAGS_PER_CALL]
        for description in elbv2.describe_tags(aws_retry=True, ResourceArns=chunk)["TagDescriptions"]:
            tags = {t["Key"]: t.get("Value") for t in description.get("Tags", [])}
            if tags.get(CLUSTER_TAG) == cluster:
                found.append(description["ResourceArn"])
    return found


def leftovers(elbv2, ec2, cluster, vpc_id):
    in_vpc = (lambda r: r.get("VpcId") == vpc_id) if vpc_id else (lambda r: True)
    lbs = [lb["LoadBalancerArn"] for lb in _pages(elbv2, "describe_load_balancers", "LoadBalancers")
           if in_vpc(lb)]
    tgs = [tg["TargetGroupArn"] for tg in _pages(elbv2, "describe_target_groups", "TargetGroups")
           if in_vpc(tg)]
    filters = [{"Name": f"tag:{CLUSTER_TAG}", "Values": [cluster]}]
    if vpc_id:
        filters.append({"Name": "vpc-id", "Values": [vpc_id]})
    sgs = [sg["GroupId"] for sg in _pages(ec2, "describe_security_groups", "SecurityGroups", Filters=filters)]
    return tagged_for_cluster(elbv2, lbs, cluster), tagged_for_cluster(elbv2, tgs, cluster), sgs


def until_done(attempts, call, in_use_codes):
    """call() until it stops failing with one of in_use_codes; returns the last such error, or None."""
    error = None
    for attempt in range(attempts):
        try:
            call()
            return None
        except is_boto3_error_code(in_use_codes) as e:
            error = e
        if attempt + 1 < attempts:
            time.sleep(DELAY)
    return error


def delete_load_balancers(elbv2, arns, attempts, timeout):
    for arn in arns:
        describe_or_none(elbv2.delete_load_balancer, "LoadBalancerNotFound", LoadBalancerArn=arn)

    def gone(arn):
        return describe_or_none(elbv2.describe_load_balancers, "LoadBalancerNotFound",
                                LoadBalancerArns=[arn]) is None

    remaining = list(arns)
    for attempt in range(attempts):
        remaining = [arn for arn in remaining if not gone(arn)]
        if not remaining:
            return
        if attempt + 1 < attempts:
            time.sleep(DELAY)
    raise Blocked(f"Load balancer {remaining[0]} is still being deleted after {timeout} s: "
                  "wait a few minutes and run the teardown again.")


def delete_each(ids, delete, attempts, in_use_code, blocked):
    """delete(id) for each id (already gone counts as done), again DELAY seconds apart while AWS answers
    in_use_code; Blocked(blocked(id)) when it still does after `attempts`."""
    for resource in ids:
        if until_done(attempts, lambda resource=resource: delete(resource), in_use_code):
            raise Blocked(blocked(resource))


def delete_target_groups(elbv2, arns, attempts, timeout):
    def delete(arn):
        describe_or_none(elbv2.delete_target_group, "TargetGroupNotFound", TargetGroupArn=arn)

    def blocked(arn):
        return (f"Target group {arn} is still in use after {timeout} s: delete the load balancer or listener "
                "that forwards to it (aws elbv2 describe-listeners), then run the teardown again.")

    delete_each(arns, delete, attempts, "ResourceInUse", blocked)


def delete_security_groups(ec2, ids, attempts, timeout):
    def delete(group):
        describe_or_none(ec2.delete_security_group, "InvalidGroup.NotFound", GroupId=group)

    def blocked(group):
        users = _pages(ec2, "describe_network_interfaces", "NetworkInterfaces",
                       Filters=[{"Name": "group-id", "Values": [group]}])
        what = ", ".join(f"{i['NetworkInterfaceId']} ({i.get('Description') or 'no description'})"
                         for i in users) or "a rule in another security group that references it"
        return (f"Security group {group} is still in use after {timeout} s by {what}: delete that, then run "
                "the teardown again.")

    delete_each(ids, delete, attempts, "DependencyViolation", blocked)


def main():
    module = AnsibleAWSModule(
        argument_spec={
            "cluster_name": {"type": "str", "required": True},
            "vpc_id": {"type": "str", "default": ""},
            "wait_timeout": {"type": "int", "default": 600},
        },
        supports_check_mode=True,
    )
    elbv2 = client(module, "elbv2")
    ec2 = client(module, "ec2")
    cluster, timeout = module.params["cluster_name"], module.params["wait_timeout"]
    attempts = max(1, timeout // DELAY + 1)
    try:
        lbs, tgs, sgs = leftovers(elbv2, ec2, cluster, module.params["vpc_id"])
        result = {"changed": bool(lbs or tgs or sgs), "load_balancers": lbs, "target_groups": tgs,
                  "security_groups": sgs}
        if module.check_mode or not result["changed"]:
            module.exit_json(**result)
        delete_load_balancers(elbv2, lbs, attempts, timeout)
        delete_target_groups(elbv2, tgs, attempts, timeout)
        delete_security_groups(ec2, sgs, attempts, timeout)
    except Blocked as e:
        module.fail_json(msg=str(e))
    except AWS_ERRORS as e:
        module.fail_json_aws(e, msg=f"Could not delete the load balancer controller's leftovers of {cluster}")
    module.exit_json(**result)


if __name__ == "__main__":
    main()
