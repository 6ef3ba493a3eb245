#!/usr/bin/python
"""Ansible module: an ECR repository's URI and a registry login from GetAuthorizationToken."""
# Ansible module layout: DOCUMENTATION first, then imports (botocore is checked by AnsibleAWSModule).
# ruff: noqa: E402

DOCUMENTATION = r"""
module: ecr_registry_login
short_description: Look up an ECR repository and get a registry login for it
description:
  - Reads the repository with DescribeRepositories (fails with a clear message when it is missing)
    and exchanges the caller's AWS credentials for a registry password with GetAuthorizationToken
    (amazon.aws has no module for that call).
  - The password is a secret; use C(no_log) on the task.
options:
  repository:
    description: Repository name.
    type: str
    required: true
extends_documentation_fragment: [amazon.aws.common.modules, amazon.aws.region.modules, amazon.aws.boto3]
author: banknote build (!UNKNOWN)
"""

EXAMPLES = r"""
- name: Registry login for the project's repository
  banknote.deploy.ecr_registry_login:
    repository: banknote
    region: us-east-1
  register: login
  no_log: true
"""

RETURN = r"""
repository_uri:
  description: The repository's URI (registry host/name).
  type: str
  returned: always
registry:
  description: The registry host part of the URI.
  type: str
  returned: always
username:
  description: Registry user name (always AWS for ECR).
  type: str
  returned: always
password:
  description: Registry password, valid until expires_at.
  type: str
  returned: always
expires_at:
  description: Expiry of the password (ISO 8601, as ansible-core serializes datetimes).
  type: str
  returned: always
"""

import base64

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.banknote.deploy.plugins.module_utils.aws import AWS_ERRORS, client, describe_or_none


def main():
    module = AnsibleAWSModule(argument_spec={"repository": {"type": "str", "required": True}},
                              supports_check_mode=True)
    name = module.params["repository"]
    ecr = client(module, "ecr")
    found = describe_or_none(ecr.describe_repositories, "RepositoryNotFoundException", module,
                             f"Cannot read ECR repository {name!r}", repositoryNames=[name])
    if found is None:
        module.fail_json(msg=f"ECR repository {name!r} not found: run playbooks/infra.yml first.")
    repository = found["repositories"][0]
    try:
        token = ecr.get_authorization_token(aws_retry=True, registryIds=[repository["registryId"]])
        data = token["authorizationData"][0]
    except AWS_ERRORS as error:
        module.fail_json_aws(error, msg="Cannot get an ECR authorization token")
    username, password = base64.b64decode(data["authorizationToken"]).decode().split(":", 1)
    uri = repository["repositoryUri"]
    # expiresAt is a datetime: AnsibleModule.exit_json writes it in ISO 8601 (ansible-core 2.19
    # module_utils/_internal/_json/_profiles/_module_legacy_m2c.py, serialize_as_isoformat).
    module.exit_json(changed=False, repository_uri=uri, registry=uri.split("/", 1)[0],
                     username=username, password=password, expires_at=data["expiresAt"])


if __name__ == "__main__":
    main()
