#!/usr/bin/python
"""Ansible module: the EKS Kubernetes versions a region offers, with their support dates."""
# Ansible module layout: DOCUMENTATION first, then imports (botocore is checked by AnsibleAWSModule).
# ruff: noqa: E402

DOCUMENTATION = r"""
module: eks_cluster_versions_info
short_description: List EKS Kubernetes versions with their support status and end dates
description:
  - Calls EKS C(DescribeClusterVersions) (all pages) and returns each version's status and its
    end of standard and extended support, so a deploy can refuse a version about to leave standard support.
  - Read-only; every call is retried with jittered backoff on throttling (C(AWSRetry.jittered_backoff)).
options:
  versions:
    description: Only these Kubernetes versions (e.g. C(1.36)); empty = every version.
    type: list
    elements: str
    default: []
  include_all:
    description: Also list versions past the end of extended support (EKS leaves them out otherwise).
    type: bool
    default: true
extends_documentation_fragment: [amazon.aws.common.modules, amazon.aws.region.modules, amazon.aws.boto3]
author: banknote infra (!UNKNOWN)
"""

EXAMPLES = r"""
- name: Support dates of the pinned version
  banknote.deploy.eks_cluster_versions_info:
    region: us-east-1
    versions: ["1.36"]
  register: versions
"""

RETURN = r"""
versions:
  description: One entry per version, dates as ISO 8601 (YYYY-MM-DD, UTC).
  returned: always
  type: list
  elements: dict
  contains:
    version: {description: 'Kubernetes minor version, e.g. 1.36.', type: str, returned: always}
    status: {description: 'STANDARD_SUPPORT, EXTENDED_SUPPORT or UNSUPPORTED.', type: str, returned: always}
    end_of_standard_support_date:
      {description: First day billed at the extended price (null if unknown)., type: str, returned: always}
    end_of_extended_support_date:
      {description: End of extended support (null if unknown)., type: str, returned: always}
    release_date: {description: EKS release date (null if unknown)., type: str, returned: always}
    default_version:
      {description: Whether EKS creates clusters with this version by default., type: bool, returned: always}
    kubernetes_patch_version:
      {description: 'Patch version EKS runs, e.g. 1.36.2.', type: str, returned: always}
"""

from datetime import UTC

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.banknote.deploy.plugins.module_utils.aws import AWS_ERRORS, client


def _day(value):
    """A DescribeClusterVersions timestamp as its UTC date (AWS bills from the start of that UTC day): a
    date, not the datetime ansible-core would write, as the callers compare days."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.date().isoformat()


def summarise(entry):
    return {
        "version": entry.get("clusterVersion"),
        # versionStatus replaces the deprecated status (same values, upper case since 2025).
        "status": (entry.get("versionStatus") or entry.get("status") or "").upper().replace("-", "_") or None,
        "end_of_standard_support_date": _day(entry.get("endOfStandardSupportDate")),
        "end_of_extended_support_date": _day(entry.get("endOfExtendedSupportDate")),
        "release_date": _day(entry.get("releaseDate")),
        "default_version": bool(entry.get("defaultVersion", False)),
        "kubernetes_patch_version": entry.get("kubernetesPatchVersion"),
    }


def describe_versions(eks, versions, include_all):
    params = {"clusterType": "eks", "includeAll": include_all}
    if versions:
        params["clusterVersions"] = versions
    found = []
    while True:
        page = eks.describe_cluster_versions(aws_retry=True, **params)
        found.extend(page.get("clusterVersions", []))
        if not page.get("nextToken"):
            return found
        params["nextToken"] = page["nextToken"]


def main():
    module = AnsibleAWSModule(
        argument_spec={
            "versions": {"type": "list", "elements": "str", "default": []},
            "include_all": {"type": "bool", "default": True},
        },
        supports_check_mode=True,
    )
    eks = client(module, "eks")
    try:
        entries = describe_versions(eks, module.params["versions"], module.params["include_all"])
    except AWS_ERRORS as e:
        module.fail_json_aws(e, msg="Could not list EKS cluster versions (eks:DescribeClusterVersions)")
    module.exit_json(changed=False, versions=[summarise(e) for e in entries])


if __name__ == "__main__":
    main()
