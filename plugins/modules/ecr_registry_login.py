#!/usr/bin/python
"""Ansible module: an ECR repository's URI and a registry login from GetAuthorizationToken."""
# Ansible module layout: DOCUMENTATION first, then imports (botocore is checked by AnsibleAWSModule).
# ruff: noqa: E402, SIM105

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
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Registry login for the project's repository
  ecr_registry_login:
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
  description: Expiry of the password (ISO 8601).
  type: str
  returned: always
"""

import base64

try:
    import botocore
except ImportError:
    pass  # AnsibleAWSModule reports the missing dependency

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

# Throttling error codes retried besides AWSRetry's own (RequestLimitExceeded, Throttling, ...).
THROTTLING = ["ThrottlingException"]


def main():
    module = AnsibleAWSModule(argument_spec={"repository": {"type": "str", "required": True}},
                              supports_check_mode=True)
    name = module.params["repository"]
    # Throttling is retried as amazon.aws's modules do (module_utils/retries.py: AWSRetry.jittered_backoff;
    # RetryingBotoClientWrapper retries the calls made with aws_retry=True). AWSRetry.found knows EC2's
    # codes only; ECR answers ThrottlingException (the AWS JSON APIs' common error).
    ecr = module.client("ecr", retry_decorator=AWSRetry.jittered_backoff(catch_extra_error_codes=THROTTLING))
    try:
        repository = ecr.describe_repositories(aws_retry=True, repositoryNames=[name])["repositories"][0]
    except is_boto3_error_code("RepositoryNotFoundException"):
        module.fail_json(msg=f"ECR repository {name!r} not found: run playbooks/infra.yml first.")
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as error:
        module.fail_json_aws(error, msg=f"Cannot read ECR repository {name!r}")
    try:
        token = ecr.get_authorization_token(aws_retry=True, registryIds=[repository["registryId"]])
        data = token["authorizationData"][0]
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as error:
        module.fail_json_aws(error, msg="Cannot get an ECR authorization token")
    username, _, password = base64.b64decode(data["authorizationToken"]).decode().partition(":")
    uri = repository["repositoryUri"]
    module.exit_json(changed=False, repository_uri=uri, registry=uri.split("/", 1)[0],
                     username=username, password=password,
                     expires_at=data["expiresAt"].isoformat())


if __name__ == "__main__":
    main()
