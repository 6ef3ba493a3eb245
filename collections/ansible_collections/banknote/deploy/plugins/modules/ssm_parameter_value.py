#!/usr/bin/python
"""Ansible module: read one SSM parameter (e.g. AWS's public "latest AMI" parameters)."""
# Ansible module layout: DOCUMENTATION first, then imports (botocore is checked by AnsibleAWSModule).
# ruff: noqa: E402

DOCUMENTATION = r"""
module: ssm_parameter_value
short_description: Read the value of an SSM parameter
description:
  - Reads one parameter with GetParameter. A module rather than the amazon.aws.ssm_parameter
    lookup so it runs with the play's C(environment) (endpoint, region, credentials), as every
    other AWS call of the project does; lookups run in the controller process without it.
options:
  name:
    description: Parameter name, e.g. /aws/service/debian/release/12/latest/amd64.
    type: str
    required: true
extends_documentation_fragment: [amazon.aws.common.modules, amazon.aws.region.modules, amazon.aws.boto3]
author: banknote build (!UNKNOWN)
"""

EXAMPLES = r"""
- name: Current Debian 12 AMI
  banknote.deploy.ssm_parameter_value:
    name: /aws/service/debian/release/12/latest/amd64
    region: us-east-1
  register: ami
"""

RETURN = r"""
value:
  description: The parameter's value.
  type: str
  returned: always
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.banknote.deploy.plugins.module_utils.aws import AWS_ERRORS, client


def main():
    module = AnsibleAWSModule(argument_spec={"name": {"type": "str", "required": True}},
                              supports_check_mode=True)
    name = module.params["name"]
    try:
        parameter = client(module, "ssm").get_parameter(aws_retry=True, Name=name)["Parameter"]
    except AWS_ERRORS as error:
        module.fail_json_aws(error, msg=f"Cannot read SSM parameter {name}")
    module.exit_json(changed=False, value=parameter["Value"])


if __name__ == "__main__":
    main()
