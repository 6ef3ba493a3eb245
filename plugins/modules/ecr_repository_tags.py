#!/usr/bin/python
"""Ansible module: tags of an ECR repository (community.aws.ecs_ecr does not manage tags)."""
# Ansible module layout: DOCUMENTATION first, then imports (botocore is checked by AnsibleAWSModule).
# ruff: noqa: E402, SIM105

DOCUMENTATION = r"""
module: ecr_repository_tags
short_description: Ensure tags on an ECR repository
description:
  - Adds (and with I(purge_tags) removes) tags of an ECR repository.
options:
  name: {description: Repository name., type: str, required: true}
  tags: {description: Tags that must be present with these values., type: dict, required: true}
  purge_tags: {description: Remove tags not listed., type: bool, default: false}
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
author: banknote infra
"""

EXAMPLES = r"""
- name: Tag the repository
  ecr_repository_tags:
    name: banknote
    tags: {Project: banknote}
"""

RETURN = r"""
tags: {description: Tags after the run (before, in check mode)., type: dict, returned: always}
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
        argument_spec={
            "name": {"type": "str", "required": True},
            "tags": {"type": "dict", "required": True},
            "purge_tags": {"type": "bool", "default": False},
        },
        supports_check_mode=True,
    )
    client = module.client("ecr", retry_decorator=RETRY)
    name = module.params["name"]
    wanted = {k: str(v) for k, v in module.params["tags"].items()}
    try:
        found = client.describe_repositories(aws_retry=True, repositoryNames=[name])
        arn = found["repositories"][0]["repositoryArn"]
    except is_boto3_error_code("RepositoryNotFoundException"):
        if module.check_mode:  # the repository task before this one would create it
            module.exit_json(changed=True, tags=wanted)
        module.fail_json(msg=f"ECR repository {name} does not exist: create it before tagging it.")
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg=f"Could not describe ECR repository {name}")
    try:
        listed = client.list_tags_for_resource(aws_retry=True, resourceArn=arn).get("tags", [])
        current = {t["Key"]: t["Value"] for t in listed}
        to_set = {k: v for k, v in wanted.items() if current.get(k) != v}
        to_remove = sorted(set(current) - set(wanted)) if module.params["purge_tags"] else []
        if not module.check_mode:
            if to_set:
                tags = [{"Key": k, "Value": v} for k, v in to_set.items()]
                client.tag_resource(aws_retry=True, resourceArn=arn, tags=tags)
            if to_remove:
                client.untag_resource(aws_retry=True, resourceArn=arn, tagKeys=to_remove)
            current = {**{k: v for k, v in current.items() if k not in to_remove}, **to_set}
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg=f"Could not tag ECR repository {name}")
    module.exit_json(changed=bool(to_set or to_remove), tags=current)


if __name__ == "__main__":
    main()
