#!/usr/bin/python
"""Ansible module: wait for an ECR image scan and return its severity counts."""
# Ansible module layout: DOCUMENTATION first, then imports (botocore is checked by AnsibleAWSModule).
# ruff: noqa: E402, SIM105

DOCUMENTATION = r"""
module: ecr_image_scan_findings
short_description: Wait for the ECR scan of an image and return the finding counts by severity
description:
  - Polls DescribeImageScanFindings until the scan is COMPLETE (scan on push starts it) and
    returns the counts by severity; the caller decides what fails the build.
options:
  repository:
    description: Repository name.
    type: str
    required: true
  tag:
    description: Image tag.
    type: str
    required: true
  wait_timeout:
    description: Seconds to wait for the scan to complete.
    type: int
    default: 600
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Scan findings of the pushed image
  ecr_image_scan_findings:
    repository: banknote
    tag: 1a2b3c4-0123456789ab
  register: scan
"""

RETURN = r"""
status:
  description: Scan status (COMPLETE, or the last status seen).
  type: str
  returned: always
severity_counts:
  description: 'Number of findings per severity, e.g. {"CRITICAL": 0, "HIGH": 2}.'
  type: dict
  returned: always
"""

import time

try:
    import botocore
except ImportError:
    pass  # AnsibleAWSModule reports the missing dependency

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule


def main():
    module = AnsibleAWSModule(
        argument_spec={
            "repository": {"type": "str", "required": True},
            "tag": {"type": "str", "required": True},
            "wait_timeout": {"type": "int", "default": 600},
        },
        supports_check_mode=True,
    )
    params = module.params
    ecr = module.client("ecr")
    deadline = time.monotonic() + params["wait_timeout"]
    status = "UNKNOWN"
    while True:
        try:
            result = ecr.describe_image_scan_findings(
                repositoryName=params["repository"], imageId={"imageTag": params["tag"]})
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as error:
            module.fail_json_aws(error, msg="Cannot read the image's scan findings")
        status = result.get("imageScanStatus", {}).get("status", "UNKNOWN")
        if status == "COMPLETE":
            counts = result.get("imageScanFindings", {}).get("findingSeverityCounts", {})
            module.exit_json(changed=False, status=status, severity_counts=counts)
        if status == "FAILED" or time.monotonic() > deadline:
            module.fail_json(msg=f"ECR scan of {params['repository']}:{params['tag']} ended as {status}: "
                                 f"{result.get('imageScanStatus', {}).get('description', 'no description')}",
                             status=status)
        time.sleep(5)


if __name__ == "__main__":
    main()
