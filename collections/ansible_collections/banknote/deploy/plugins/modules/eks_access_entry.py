#!/usr/bin/python
"""Ansible module: an EKS access entry and its cluster-scoped access policies."""
# Ansible module layout: DOCUMENTATION first, then imports (botocore is checked by AnsibleAWSModule).
# ruff: noqa: E402

DOCUMENTATION = r"""
module: eks_access_entry
short_description: Manage an EKS access entry (authentication mode API or API_AND_CONFIG_MAP)
description:
  - Creates or deletes the access entry of an IAM principal and associates access policies with
    cluster scope.
  - An STS assumed-role ARN (what sts get-caller-identity returns for SSO or assumed roles) is resolved
    to the role's IAM ARN, which is what access entries accept. The session ARN drops the role's path
    (SSO roles live under /aws-reserved/sso.amazonaws.com/[region/]), so the module reads the role with
    iam:GetRole and fails, saying what to do, when it cannot; it never guesses a path.
options:
  cluster_name: {description: Cluster name., type: str, required: true}
  principal_arn: {description: 'IAM user or role ARN, or an STS assumed-role ARN.', type: str, required: true}
  policy_arns:
    description: EKS access policies to associate with cluster scope, e.g.
      C(arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy). Others are left alone.
    type: list
    elements: str
    default: []
  tags: {description: Tags of a new access entry., type: dict, default: {}}
  state: {description: present or absent., type: str, choices: [present, absent], default: present}
extends_documentation_fragment: [amazon.aws.common.modules, amazon.aws.region.modules, amazon.aws.boto3]
author: banknote infra (!UNKNOWN)
"""

EXAMPLES = r"""
- name: Operator is cluster admin
  banknote.deploy.eks_access_entry:
    cluster_name: banknote
    principal_arn: "{{ caller.arn }}"
    policy_arns: [arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy]
"""

RETURN = r"""
principal_arn: {description: The IAM principal ARN used., type: str, returned: always}
associated: {description: Policies associated by this run., type: list, elements: str, returned: always}
"""

import re

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.banknote.deploy.plugins.module_utils.aws import (
    AWS_ERRORS,
    RETRY,
    client,
    describe_or_none,
)

ASSUMED_ROLE = re.compile(r"^arn:(?P<partition>[^:]+):sts::(?P<account>\d+):assumed-role/(?P<role>[^/]+)/.+$")


def iam_principal(module, arn):
    """The IAM ARN for an access entry: an STS assumed-role session ARN becomes its role's ARN, path included.

    The session ARN (arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION) drops the role's path, and access
    entries take the role's own ARN, path included
    (https://docs.aws.amazon.com/eks/latest/userguide/creating-access-entries.html); IAM Identity Center
    roles always have one: role/aws-reserved/sso.amazonaws.com/[REGION/]AWSReservedSSO_...
    (https://docs.aws.amazon.com/singlesignon/latest/userguide/referencingpermissionsets.html).
    Only IAM knows the path: GetRole takes the name alone, role names being unique in an account.
    """
    match = ASSUMED_ROLE.match(arn)
    if not match:
        return arn
    try:
        role = client(module, "iam").get_role(aws_retry=True, RoleName=match["role"])
    except AWS_ERRORS as e:
        module.fail_json_aws(
            e,
            msg=(
                f"Could not read IAM role {match['role']} to learn its path, which its access entry needs: "
                "allow iam:GetRole on the caller's own role, or give the role's ARN as principal_arn "
                "(eks_cluster_admin_principal_arn in the eks_cluster role)."
            ),
        )
    return role["Role"]["Arn"]


@RETRY
def cluster_policies(eks, cluster, principal):
    """ARNs of the access policies associated with cluster scope (paginators are not retried by the
    client wrapper, so the whole listing is: amazon.aws retries.py, RetryingBotoClientWrapper)."""
    paginator = eks.get_paginator("list_associated_access_policies")
    pages = paginator.paginate(clusterName=cluster, principalArn=principal).build_full_result()
    policies = pages.get("associatedAccessPolicies", [])
    return {p["policyArn"] for p in policies if p["accessScope"]["type"] == "cluster"}


def main():
    module = AnsibleAWSModule(
        argument_spec={
            "cluster_name": {"type": "str", "required": True},
            "principal_arn": {"type": "str", "required": True},
            "policy_arns": {"type": "list", "elements": "str", "default": []},
            "tags": {"type": "dict", "default": {}},
            "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
        },
        supports_check_mode=True,
    )
    eks = client(module, "eks")
    cluster = module.params["cluster_name"]
    principal = iam_principal(module, module.params["principal_arn"])
    exists = describe_or_none(eks.describe_access_entry, "ResourceNotFoundException", module,
                              f"Could not read the access entry of {principal} on {cluster}",
                              clusterName=cluster, principalArn=principal) is not None

    if module.params["state"] == "absent":
        if exists and not module.check_mode:
            try:
                eks.delete_access_entry(aws_retry=True, clusterName=cluster, principalArn=principal)
            except AWS_ERRORS as e:
                module.fail_json_aws(e, msg=f"Could not delete the access entry of {principal}")
        module.exit_json(changed=exists, principal_arn=principal, associated=[])

    changed = not exists
    if not exists and not module.check_mode:
        try:
            extra = {"tags": module.params["tags"]} if module.params["tags"] else {}
            eks.create_access_entry(
                aws_retry=True, clusterName=cluster, principalArn=principal, type="STANDARD", **extra
            )
        except is_boto3_error_code("ResourceInUseException"):
            pass  # created meanwhile (e.g. the cluster creator's own entry): converge the policies
        except AWS_ERRORS as e:  # pylint: disable=duplicate-except
            module.fail_json_aws(e, msg=f"Could not create the access entry of {principal} on {cluster}")

    current = set()
    if exists or not module.check_mode:
        try:
            current = cluster_policies(eks, cluster, principal)
        except AWS_ERRORS as e:
            module.fail_json_aws(e, msg=f"Could not list the access policies of {principal}")
    missing = [arn for arn in module.params["policy_arns"] if arn not in current]
    if missing and not module.check_mode:
        for policy in missing:
            try:
                eks.associate_access_policy(
                    aws_retry=True,
                    clusterName=cluster,
                    principalArn=principal,
                    policyArn=policy,
                    accessScope={"type": "cluster"},
                )
            except AWS_ERRORS as e:
                module.fail_json_aws(e, msg=f"Could not associate {policy} with {principal}")
    module.exit_json(changed=changed or bool(missing), principal_arn=principal, associated=missing)


if __name__ == "__main__":
    main()
