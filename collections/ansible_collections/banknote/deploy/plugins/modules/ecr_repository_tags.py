#!/usr/bin/python
"""Ansible module: tags of an ECR repository (community.aws.ecs_ecr does not manage tags)."""
# Ansible module layout: DOCUMENTATION first, then imports (botocore is checked by AnsibleAWSModule).
# ruff: noqa: E402

DOCUMENTATION = r"""
module: ecr_repository_tags
short_description: Ensure tags on an ECR repository
description:
  - Adds (and with I(purge_tags) removes) tags of an ECR repository.
options:
  name: {description: Repository name., type: str, required: true}
  tags: {description: Tags that must be present with these values., type: dict, required: true}
  purge_tags:
    description: Remove the tags not listed (except AWS's reserved C(aws:*) ones), as amazon.aws modules do.
    type: bool
    default: true
extends_documentation_fragment: [amazon.aws.common.modules, amazon.aws.region.modules, amazon.aws.boto3]
author: banknote infra (!UNKNOWN)
"""

EXAMPLES = r"""
- name: Tag the repository
  banknote.deploy.ecr_repository_tags:
    name: banknote
    tags: {Project: banknote}
"""

RETURN = r"""
tags: {description: 'Tags after the run (before, in check mode).', type: dict, returned: always}
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.tagging import (
    ansible_dict_to_boto3_tag_list,
    boto3_tag_list_to_ansible_dict,
)
from ansible_collections.banknote.deploy.plugins.module_utils.aws import (
    AWS_ERRORS,
    client,
    describe_or_none,
    tag_changes,
)


def main():
    module = AnsibleAWSModule(
        argument_spec={
            "name": {"type": "str", "required": True},
            "tags": {"type": "dict", "required": True},
            "purge_tags": {"type": "bool", "default": True},
        },
        supports_check_mode=True,
    )
    ecr = client(module, "ecr")
    name = module.params["name"]
    found = describe_or_none(ecr.describe_repositories, "RepositoryNotFoundException", module,
                             f"Could not describe ECR repository {name}", repositoryNames=[name])
    if found is None:
        if module.check_mode:  # the repository task before this one would create it
            module.exit_json(changed=True, tags={k: str(v) for k, v in module.params["tags"].items()})
        module.fail_json(msg=f"ECR repository {name} does not exist: create it before tagging it.")
    arn = found["repositories"][0]["repositoryArn"]
    try:
        current = boto3_tag_list_to_ansible_dict(
            ecr.list_tags_for_resource(aws_retry=True, resourceArn=arn).get("tags", []))
        to_set, to_remove = tag_changes(current, module.params["tags"], module.params["purge_tags"])
        if not module.check_mode:
            if to_set:
                ecr.tag_resource(aws_retry=True, resourceArn=arn, tags=ansible_dict_to_boto3_tag_list(to_set))
            if to_remove:
                ecr.untag_resource(aws_retry=True, resourceArn=arn, tagKeys=to_remove)
            current = {**{k: v for k, v in current.items() if k not in to_remove}, **to_set}
    except AWS_ERRORS as e:
        module.fail_json_aws(e, msg=f"Could not tag ECR repository {name}")
    module.exit_json(changed=bool(to_set or to_remove), tags=current)


if __name__ == "__main__":
    main()
