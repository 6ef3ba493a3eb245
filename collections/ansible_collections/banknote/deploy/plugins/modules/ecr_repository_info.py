#!/usr/bin/python
"""Ansible module: describe one ECR repository (absent is not an error)."""
# Ansible module layout: DOCUMENTATION first, then imports (botocore is checked by AnsibleAWSModule).
# ruff: noqa: E402

DOCUMENTATION = r"""
module: ecr_repository_info
short_description: Describe an ECR repository
description:
  - Returns C(exists=false) for a missing repository (community.aws has no ECR info module).
options:
  name: {description: Repository name., type: str, required: true}
extends_documentation_fragment: [amazon.aws.common.modules, amazon.aws.region.modules, amazon.aws.boto3]
author: banknote infra (!UNKNOWN)
"""

EXAMPLES = r"""
- name: Look the repository up
  banknote.deploy.ecr_repository_info:
    name: banknote
  register: repository
"""

RETURN = r"""
exists: {description: Whether the repository exists., type: bool, returned: always}
repository:
  description: DescribeRepositories' entry, keys in snake_case (as amazon.aws modules return them), dates
    in ISO 8601; empty when absent.
  type: dict
  returned: always
"""

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.banknote.deploy.plugins.module_utils.aws import client, describe_or_none


def main():
    module = AnsibleAWSModule(
        argument_spec={"name": {"type": "str", "required": True}}, supports_check_mode=True
    )
    name = module.params["name"]
    found = describe_or_none(client(module, "ecr").describe_repositories, "RepositoryNotFoundException",
                             module, f"Could not describe ECR repository {name}", repositoryNames=[name])
    if found is None:
        module.exit_json(changed=False, exists=False, repository={})
    repository = camel_dict_to_snake_dict(found["repositories"][0])
    module.exit_json(changed=False, exists=True, repository=repository)


if __name__ == "__main__":
    main()
