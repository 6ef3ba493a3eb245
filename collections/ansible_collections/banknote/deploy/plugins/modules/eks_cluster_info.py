#!/usr/bin/python
"""Ansible module: describe one EKS cluster (absent is not an error)."""
# Ansible module layout: DOCUMENTATION first, then imports (botocore is checked by AnsibleAWSModule).
# ruff: noqa: E402

DOCUMENTATION = r"""
module: eks_cluster_info
short_description: Describe an EKS cluster
description:
  - Returns C(exists=false) when the cluster does not exist, so lookups work in check mode and
    before the cluster is created.
options:
  name: {description: Cluster name., type: str, required: true}
extends_documentation_fragment: [amazon.aws.common.modules, amazon.aws.region.modules, amazon.aws.boto3]
author: banknote infra (!UNKNOWN)
"""

EXAMPLES = r"""
- name: Look the cluster up
  banknote.deploy.eks_cluster_info:
    name: banknote
  register: cluster_info
"""

RETURN = r"""
exists: {description: Whether the cluster exists., type: bool, returned: always}
cluster:
  description: DescribeCluster's cluster, keys in snake_case (as amazon.aws modules return them; tags as
    they are), dates in ISO 8601; empty when absent.
  type: dict
  returned: always
oidc_issuer: {description: The cluster's OIDC issuer URL (null when absent)., type: str, returned: always}
"""

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.banknote.deploy.plugins.module_utils.aws import client, describe_or_none


def main():
    module = AnsibleAWSModule(
        argument_spec={"name": {"type": "str", "required": True}}, supports_check_mode=True
    )
    name = module.params["name"]
    found = describe_or_none(client(module, "eks").describe_cluster, "ResourceNotFoundException", module,
                             f"Could not describe EKS cluster {name}", name=name)
    if found is None:
        module.exit_json(changed=False, exists=False, cluster={}, oidc_issuer=None)
    cluster = found["cluster"]
    issuer = cluster.get("identity", {}).get("oidc", {}).get("issuer")
    # Timestamps stay datetimes: AnsibleModule.exit_json writes them in ISO 8601 (ansible-core 2.19
    # module_utils/_internal/_json/_profiles/_module_legacy_m2c.py, serialize_as_isoformat).
    cluster = camel_dict_to_snake_dict(cluster, ignore_list=["tags"])
    module.exit_json(changed=False, exists=True, cluster=cluster, oidc_issuer=issuer)


if __name__ == "__main__":
    main()
