#!/usr/bin/python
"""Ansible module: describe one EKS cluster (absent is not an error)."""
# Ansible module layout: DOCUMENTATION first, then imports (botocore is checked by AnsibleAWSModule).
# ruff: noqa: E402, SIM105

DOCUMENTATION = r"""
module: eks_cluster_info
short_description: Describe an EKS cluster
description:
  - Returns C(exists=false) when the cluster does not exist, so lookups work in check mode and
    before the cluster is created.
options:
  name: {description: Cluster name., type: str, required: true}
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
author: banknote infra
"""

EXAMPLES = r"""
- name: Look the cluster up
  eks_cluster_info:
    name: banknote
  register: cluster_info
"""

RETURN = r"""
exists: {description: Whether the cluster exists., type: bool, returned: always}
cluster:
  description: DescribeCluster's cluster (boto3 keys, camelCase), empty when absent.
  type: dict
  returned: always
oidc_issuer: {description: The cluster's OIDC issuer URL (null when absent)., type: str, returned: always}
"""

try:
    import botocore
except ImportError:
    pass

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

# EKS throttles with ThrottlingException, which AWSRetry.found does not list (amazon.aws
# plugins/module_utils/retries.py) but botocore's retry table treats as throttling
# (botocore/data/_retry.json); community.aws efs_info.py passes it the same way.
RETRY = AWSRetry.jittered_backoff(catch_extra_error_codes=["ThrottlingException"])


def main():
    module = AnsibleAWSModule(
        argument_spec={"name": {"type": "str", "required": True}}, supports_check_mode=True
    )
    client = module.client("eks", retry_decorator=RETRY)
    try:
        cluster = client.describe_cluster(aws_retry=True, name=module.params["name"])["cluster"]
    except is_boto3_error_code("ResourceNotFoundException"):
        module.exit_json(changed=False, exists=False, cluster={}, oidc_issuer=None)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg=f"Could not describe EKS cluster {module.params['name']}")
    cluster.pop("ResponseMetadata", None)
    issuer = cluster.get("identity", {}).get("oidc", {}).get("issuer")
    # Timestamps are datetimes; make the result JSON-safe.
    module.exit_json(changed=False, exists=True, cluster=_jsonable(cluster), oidc_issuer=issuer)


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


if __name__ == "__main__":
    main()
