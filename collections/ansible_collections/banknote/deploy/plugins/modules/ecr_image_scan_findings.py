#!/usr/bin/python
"""Ansible module: wait for an ECR image scan and return its severity counts."""
# Ansible module layout: DOCUMENTATION first, then imports (botocore is checked by AnsibleAWSModule).
# ruff: noqa: E402

DOCUMENTATION = r"""
module: ecr_image_scan_findings
short_description: Wait for the ECR scan of an image and return the finding counts by severity
description:
  - Polls DescribeImageScanFindings until the image has been scanned and returns the counts by
    severity; the caller decides what fails the build.
  - Basic scanning ends as COMPLETE. Enhanced scanning (Amazon Inspector) reports ACTIVE once the image
    is scanned and monitored, and never COMPLETE; ACTIVE with findings (even none) counts as scanned.
  - Enhanced findings are counted from their own severities (all pages), basic ones from
    findingSeverityCounts; the larger count of a severity wins.
  - IN_PROGRESS, PENDING, an ACTIVE scan without findings yet, and ScanNotFoundException (right after
    the push) are waited on; every other status (FAILED, UNSUPPORTED_IMAGE, SCAN_ELIGIBILITY_EXPIRED,
    FINDINGS_UNAVAILABLE, LIMIT_EXCEEDED, IMAGE_ARCHIVED) fails at once.
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
extends_documentation_fragment: [amazon.aws.common.modules, amazon.aws.region.modules, amazon.aws.boto3]
author: banknote build (!UNKNOWN)
"""

EXAMPLES = r"""
- name: Scan findings of the pushed image
  banknote.deploy.ecr_image_scan_findings:
    repository: banknote
    tag: 1a2b3c4-0123456789ab
    region: us-east-1
  register: scan
"""

RETURN = r"""
status:
  description: Scan status (COMPLETE or ACTIVE when scanned, or the last status seen).
  type: str
  returned: always
severity_counts:
  description: 'Number of findings per severity, e.g. {"CRITICAL": 0, "HIGH": 2}.'
  type: dict
  returned: always
"""

from collections import Counter

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.banknote.deploy.plugins.module_utils.aws import (
    AWS_ERRORS,
    client,
    describe_or_none,
    wait_until,
)

# ImageScanStatus.status values (ECR API reference, ImageScanStatus): COMPLETE = basic scan done,
# ACTIVE = enhanced (Inspector) scan done and monitored; these two still being set up are waited on.
SCANNED = ("COMPLETE", "ACTIVE")
PENDING = ("IN_PROGRESS", "PENDING")


def severity_counts(pages):
    """Findings per severity over every page: findingSeverityCounts (basic scanning), or the enhanced
    findings' own severities; a severity's larger count wins (each is a lower bound of the truth)."""
    findings = [page.get("imageScanFindings", {}) for page in pages]
    counts = dict(findings[0].get("findingSeverityCounts", {}))
    listed = Counter(finding.get("severity", "UNDEFINED")
                     for page in findings
                     for finding in page.get("enhancedFindings", []) + page.get("findings", []))
    for severity, count in listed.items():
        counts[severity] = max(counts.get(severity, 0), count)
    return counts


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
    ecr = client(module, "ecr")
    request = {"repositoryName": params["repository"], "imageId": {"imageTag": params["tag"]},
               "maxResults": 1000}
    image = f"{params['repository']}:{params['tag']}"
    failed = f"Cannot read the scan findings of {image}"

    def scanned():
        """(True, first page) once scanned; (False, (status, description)) while waiting."""
        # ScanNotFoundException: scan on push has not registered the scan yet.
        result = describe_or_none(ecr.describe_image_scan_findings, "ScanNotFoundException", module, failed,
                                  **request)
        if result is None:
            return False, ("UNKNOWN", "no scan yet")
        status = result.get("imageScanStatus", {}).get("status", "UNKNOWN")
        description = result.get("imageScanStatus", {}).get("description", "no description")
        if status in SCANNED and "imageScanFindings" in result:
            return True, result
        if status not in SCANNED + PENDING:
            module.fail_json(msg=f"The ECR scan of {image} ended as {status} ({description}): "
                                 "fix the cause in ECR, or turn the gate off with image_scan_gate=false.",
                             status=status)
        return False, (status, description)

    def still(last):
        status, description = last
        waited = params["wait_timeout"]
        return {"status": status,
                "msg": f"The ECR scan of {image} was still {status} ({description}) after {waited} s: "
                       "raise image_scan_wait_timeout or look at the repository's scanning configuration."}

    pages = [wait_until(module, scanned, params["wait_timeout"], 5, still)]
    while pages[-1].get("nextToken"):
        try:
            pages.append(ecr.describe_image_scan_findings(
                aws_retry=True, nextToken=pages[-1]["nextToken"], **request))
        except AWS_ERRORS as error:
            module.fail_json_aws(error, msg=failed)
    status = pages[0]["imageScanStatus"]["status"]
    module.exit_json(changed=False, status=status, severity_counts=severity_counts(pages))


if __name__ == "__main__":
    main()
