"""The build phase's AWS modules against botocore Stubbers (harness.py): the ECR scan gate's module on
AWS-shaped basic and enhanced (Inspector) scan results, the registry login and the SSM parameter read,
and their throttling retries (AWSRetry.jittered_backoff, issue 9 defect 14).

Responses are shaped like the ECR API reference's DescribeImageScanFindings (ImageScanFindings,
EnhancedImageScanFinding, ImageScanStatus: COMPLETE for basic scanning, ACTIVE for enhanced scanning).
"""

import base64
import datetime

import pytest

from tests.modules.harness import aws_error

ECR_IMAGE_SCAN_FINDINGS = "banknote.deploy.ecr_image_scan_findings"
ECR_REGISTRY_LOGIN = "banknote.deploy.ecr_registry_login"
SSM_PARAMETER_VALUE = "banknote.deploy.ssm_parameter_value"

REPOSITORY, TAG = "banknote", "1a2b3c4-0123456789ab"
ARGS = {"repository": REPOSITORY, "tag": TAG, "region": "eu-west-1", "wait_timeout": 600}
REQUEST = {"repositoryName": REPOSITORY, "imageId": {"imageTag": TAG}, "maxResults": 1000}
IMAGE_ID = {"imageDigest": "sha256:" + "a" * 64, "imageTag": TAG}
SCANNED_AT = datetime.datetime(2026, 11, 30, 12, 0, tzinfo=datetime.UTC)


def findings_response(status, findings=None, description="", next_token=None):
    response = {
        "registryId": "123456789012",
        "repositoryName": REPOSITORY,
        "imageId": IMAGE_ID,
        "imageScanStatus": {"status": status, "description": description or status},
    }
    if findings is not None:
        response["imageScanFindings"] = findings
    if next_token:
        response["nextToken"] = next_token
    return response


def basic_findings(counts):
    return {
        "imageScanCompletedAt": SCANNED_AT,
        "vulnerabilitySourceUpdatedAt": SCANNED_AT,
        "findingSeverityCounts": counts,
        "findings": [{"name": "CVE-2026-0001", "severity": "CRITICAL"}] if counts.get("CRITICAL") else [],
    }


def enhanced_finding(severity, number):
    return {
        "awsAccountId": "123456789012",
        "description": f"finding {number}",
        "findingArn": f"arn:aws:inspector2:eu-west-1:123456789012:finding/{number:032x}",
        "firstObservedAt": SCANNED_AT,
        "lastObservedAt": SCANNED_AT,
        "severity": severity,
        "status": "ACTIVE",
        "type": "PACKAGE_VULNERABILITY",
    }


def scan(run_module, *responses, **args):
    stubs = {"ecr": [("describe_image_scan_findings", r, dict(REQUEST, **extra)) for r, extra in responses]}
    return run_module(ECR_IMAGE_SCAN_FINDINGS, dict(ARGS, **args), stubs)


def test_basic_scan_complete_with_a_critical_finding_reports_it(run_module):
    result = scan(run_module, (findings_response("COMPLETE", basic_findings({"CRITICAL": 1, "HIGH": 2})), {}))
    assert not result.get("failed"), result
    assert result["status"] == "COMPLETE"
    assert result["severity_counts"] == {"CRITICAL": 1, "HIGH": 2}


def test_enhanced_scan_active_is_done_at_once(run_module):
    # Enhanced scanning never reports COMPLETE: ACTIVE with findings means scanned and monitored.
    findings = {"imageScanCompletedAt": SCANNED_AT, "findingSeverityCounts": {"HIGH": 1, "MEDIUM": 1},
                "enhancedFindings": [enhanced_finding("HIGH", 1), enhanced_finding("MEDIUM", 2)]}
    result = scan(run_module, (findings_response("ACTIVE", findings), {}))
    assert not result.get("failed"), result
    assert (result["status"], result["severity_counts"]) == ("ACTIVE", {"HIGH": 1, "MEDIUM": 1})
    assert run_module.last.sleeps == []  # no polling, no wait for a COMPLETE that never comes


def test_enhanced_findings_counted_from_every_page(run_module):
    # Counts come from the findings' own severities when findingSeverityCounts is absent or short.
    first = {"enhancedFindings": [enhanced_finding("HIGH", 1)]}
    second = {"enhancedFindings": [enhanced_finding("CRITICAL", 2), enhanced_finding("HIGH", 3)]}
    result = scan(run_module,
                  (findings_response("ACTIVE", first, next_token="page-2"), {}),
                  (findings_response("ACTIVE", second), {"nextToken": "page-2"}))
    assert result["severity_counts"] == {"HIGH": 2, "CRITICAL": 1}


def test_enhanced_scan_active_without_findings_yet_is_waited_on(run_module):
    result = scan(run_module,
                  (findings_response("ACTIVE"), {}),
                  (findings_response("ACTIVE", {"enhancedFindings": []}), {}))
    assert (result["status"], result["severity_counts"]) == ("ACTIVE", {})
    assert run_module.last.sleeps == [5]


def test_in_progress_then_complete(run_module):
    result = scan(run_module,
                  (aws_error("ScanNotFoundException"), {}),
                  (findings_response("IN_PROGRESS"), {}),
                  (findings_response("PENDING"), {}),
                  (findings_response("COMPLETE", basic_findings({"LOW": 3})), {}))
    assert (result["status"], result["severity_counts"]) == ("COMPLETE", {"LOW": 3})
    assert run_module.last.sleeps == [5, 5, 5]


@pytest.mark.parametrize("status",
                         ["FAILED", "UNSUPPORTED_IMAGE", "SCAN_ELIGIBILITY_EXPIRED", "FINDINGS_UNAVAILABLE"])
def test_a_scan_that_cannot_complete_fails_at_once(run_module, status):
    result = scan(run_module, (findings_response(status, description="why it stopped"), {}))
    assert result["failed"]
    assert result["status"] == status
    assert "why it stopped" in result["msg"]
    assert run_module.last.sleeps == []


def test_wait_timeout_fails_with_the_last_status(run_module):
    result = scan(run_module, (findings_response("IN_PROGRESS"), {}), wait_timeout=-1)
    assert result["failed"]
    assert result["status"] == "IN_PROGRESS"
    assert "image_scan_wait_timeout" in result["msg"]


def test_scan_findings_retry_throttling(run_module):
    result = scan(run_module,
                  (aws_error("ThrottlingException", http_status=400), {}),
                  (findings_response("COMPLETE", basic_findings({})), {}))
    assert result["status"] == "COMPLETE"
    assert len(run_module.last.calls) == 2
    assert len(run_module.last.sleeps) == 1  # the retry's backoff; the scan itself was done


REPOSITORY_RESPONSE = {"repositories": [{
    "repositoryArn": "arn:aws:ecr:eu-west-1:123456789012:repository/banknote",
    "registryId": "123456789012",
    "repositoryName": REPOSITORY,
    "repositoryUri": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/banknote",
}]}
TOKEN_RESPONSE = {"authorizationData": [{
    "authorizationToken": base64.b64encode(b"AWS:secret-password").decode(),
    "expiresAt": SCANNED_AT,
    "proxyEndpoint": "https://123456789012.dkr.ecr.eu-west-1.amazonaws.com",
}]}


def test_registry_login_retries_throttling(run_module):
    stubs = {"ecr": [
        ("describe_repositories", aws_error("ThrottlingException"), {"repositoryNames": [REPOSITORY]}),
        ("describe_repositories", REPOSITORY_RESPONSE, {"repositoryNames": [REPOSITORY]}),
        ("get_authorization_token", aws_error("ThrottlingException"), {"registryIds": ["123456789012"]}),
        ("get_authorization_token", TOKEN_RESPONSE, {"registryIds": ["123456789012"]}),
    ]}
    result = run_module(ECR_REGISTRY_LOGIN, {"repository": REPOSITORY, "region": "eu-west-1"}, stubs)
    assert not result.get("failed"), result
    assert result["registry"] == "123456789012.dkr.ecr.eu-west-1.amazonaws.com"
    assert (result["username"], result["password"]) == ("AWS", "secret-password")
    assert len(run_module.last.sleeps) == 2


def test_registry_login_missing_repository_says_what_to_do(run_module):
    stubs = {"ecr": [("describe_repositories", aws_error("RepositoryNotFoundException"),
                      {"repositoryNames": [REPOSITORY]})]}
    result = run_module(ECR_REGISTRY_LOGIN, {"repository": REPOSITORY, "region": "eu-west-1"}, stubs)
    assert result["failed"]
    assert "run playbooks/infra.yml first" in result["msg"]
    assert run_module.last.sleeps == []  # not a throttling error: no retry


DEBIAN = "/aws/service/debian/release/12/latest/amd64"


def test_ssm_parameter_value_retries_throttling(run_module):
    parameter = {"Parameter": {"Name": DEBIAN, "Type": "String", "Value": "ami-0123456789abcdef0",
                               "Version": 7, "ARN": f"arn:aws:ssm:eu-west-1::parameter{DEBIAN}",
                               "DataType": "aws:ec2:image"}}
    stubs = {"ssm": [("get_parameter", aws_error("ThrottlingException"), {"Name": DEBIAN}),
                     ("get_parameter", parameter, {"Name": DEBIAN})]}
    result = run_module(SSM_PARAMETER_VALUE, {"name": DEBIAN, "region": "eu-west-1"}, stubs)
    assert result["value"] == "ami-0123456789abcdef0"
    assert len(run_module.last.sleeps) == 1
