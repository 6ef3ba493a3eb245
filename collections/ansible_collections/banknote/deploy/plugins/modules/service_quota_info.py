#!/usr/bin/python
# Read-only: the Service Quotas API (GetServiceQuota) for a list of quotas.
# Ansible module layout: DOCUMENTATION first, then imports (botocore is checked by AnsibleAWSModule).
# ruff: noqa: E402
"""Ansible module: read AWS Service Quotas values."""

DOCUMENTATION = r"""
module: service_quota_info
short_description: Read the applied value of AWS service quotas
description:
  - Calls Service Quotas C(GetServiceQuota) for each requested quota and falls back to
    C(GetAWSDefaultServiceQuota) when the account has no applied value.
  - A quota the API does not know is returned with C(value=null) and the reason, so the caller decides.
options:
  quotas:
    description: Quotas to read.
    type: list
    elements: dict
    required: true
    suboptions:
      service_code: {description: 'Service code, e.g. C(vpc).', type: str, required: true}
      quota_code: {description: 'Quota code, e.g. C(L-F678F1CE).', type: str, required: true}
extends_documentation_fragment: [amazon.aws.common.modules, amazon.aws.region.modules, amazon.aws.boto3]
author: banknote infra (!UNKNOWN)
"""

EXAMPLES = r"""
- name: VPCs per region
  banknote.deploy.service_quota_info:
    quotas:
      - {service_code: vpc, quota_code: L-F678F1CE}
"""

RETURN = r"""
quotas:
  description: One entry per requested quota.
  returned: always
  type: list
  elements: dict
  contains:
    service_code: {description: Service code., type: str, returned: always}
    quota_code: {description: Quota code., type: str, returned: always}
    name: {description: Quota name (null when unknown)., type: str, returned: always}
    value: {description: Applied or default value (null when unavailable)., type: float, returned: always}
    error: {description: Why the value is unavailable., type: str, returned: when value is null}
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.banknote.deploy.plugins.module_utils.aws import AWS_ERRORS, client


def read_quota(quotas, service_code, quota_code):
    """Applied value first (what the account really has), then the AWS default."""
    result = {"service_code": service_code, "quota_code": quota_code, "name": None, "value": None}
    errors = []
    for call in (quotas.get_service_quota, quotas.get_aws_default_service_quota):
        try:
            quota = call(aws_retry=True, ServiceCode=service_code, QuotaCode=quota_code)["Quota"]
        except AWS_ERRORS as e:
            errors.append(str(e))
            continue
        result.update(name=quota.get("QuotaName"), value=quota.get("Value"))
        return result
    result["error"] = "; ".join(errors)
    return result


def main():
    module = AnsibleAWSModule(
        argument_spec={
            "quotas": {
                "type": "list",
                "elements": "dict",
                "required": True,
                "options": {
                    "service_code": {"type": "str", "required": True},
                    "quota_code": {"type": "str", "required": True},
                },
            }
        },
        supports_check_mode=True,
    )
    service_quotas = client(module, "service-quotas")
    quotas = [read_quota(service_quotas, q["service_code"], q["quota_code"]) for q in module.params["quotas"]]
    module.exit_json(changed=False, quotas=quotas)


if __name__ == "__main__":
    main()
