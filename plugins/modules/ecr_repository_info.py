#!/usr/bin/python
"""Ansible module: describe one ECR repository (absent is not an error)."""
# Ansible module layout: DOCUMENTATION first, then imports (botocore is checked by AnsibleAWSModule).
# ruff: noqa: E402, SIM105

DOCUMENTATION = r"""
module: ecr_repository_info
short_description: Describe an ECR repository
description:
  - Returns C(exists=false) for a missing repository (community.aws has no ECR info module).
options:
  name: {description: Repository name., type: str, required: true}
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
author: banknote infra
"""

EXAMPLES = r"""
- name: Look the repository up
  ecr_repository_info:
    name: banknote
  register: repository
"""

RETURN = r"""
exists: {description: Whether the repository exists., type: bool, returned: always}
repository:
  description: DescribeRepositories' entry (camelCase), empty when absent.
  type: dict
  returned: always
"""

try:
    import botocore
except ImportError:
    pass

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

# ECR throttles with ThrottlingException, which AWSRetry.found does not list (amazon.aws
# plugins/module_utils/retries.py) but botocore's retry table treats as throttling
# (botocore/data/_retry.json); community.aws efs_info.py passes it the same way.
RETRY = AWSRetry.jittered_backoff(catch_extra_error_codes=["ThrottlingException"])


def main():
    module = AnsibleAWSModule(
        argument_spec={"name": {"type": "str", "required": True}}, supports_check_mode=True
    )
    client = module.client("ecr", retry_decorator=RETRY)
    try:
        found = client.describe_repositories(aws_retry=True, repositoryNames=[module.params["name"]])
        repository = found["repositories"][0]
    except is_boto3_error_code("RepositoryNotFoundException"):
        module.exit_json(changed=False, exists=False, repository={})
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg=f"Could not describe ECR repository {module.params['name']}")
    repository["createdAt"] = repository["createdAt"].isoformat()
    module.exit_json(changed=False, exists=True, repository=repository)


if __name__ == "__main__":
    main()
