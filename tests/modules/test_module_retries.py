"""Every project module that calls AWS retries a throttled call (defect 14): the first answer is the
service's throttling error, the second the real response, and the module succeeds. The EKS and IAM
modules check this in their own test files; these are the others, on shapes from botocore's models
(ECR DescribeRepositories / ListTagsForResource / TagResource, Service Quotas GetServiceQuota,
CloudFormation DescribeStackResources)."""

import datetime

from tests.modules.harness import aws_error

CLOUDFORMATION_STACK_LEFTOVERS = "banknote.deploy.cloudformation_stack_leftovers"
ECR_REPOSITORY_INFO = "banknote.deploy.ecr_repository_info"
ECR_REPOSITORY_TAGS = "banknote.deploy.ecr_repository_tags"
SERVICE_QUOTA_INFO = "banknote.deploy.service_quota_info"

WHEN = datetime.datetime(2026, 11, 30, 9, 0, tzinfo=datetime.UTC)
REPO_ARN = "arn:aws:ecr:eu-west-1:111122223333:repository/banknote"
REPO = {
    "repositoryArn": REPO_ARN,
    "registryId": "111122223333",
    "repositoryName": "banknote",
    "repositoryUri": "111122223333.dkr.ecr.eu-west-1.amazonaws.com/banknote",
    "createdAt": WHEN,
    "imageTagMutability": "IMMUTABLE",
    "imageScanningConfiguration": {"scanOnPush": True},
}
ECR_THROTTLED = aws_error("ThrottlingException", "Rate exceeded")


def test_ecr_repository_info(run_module):
    names = {"repositoryNames": ["banknote"]}
    result = run_module(ECR_REPOSITORY_INFO, {"region": "eu-west-1", "name": "banknote"}, {"ecr": [
        ("describe_repositories", ECR_THROTTLED, names),
        ("describe_repositories", {"repositories": [REPO]}, names),
    ]})
    assert (result["exists"], result["repository"]["repository_arn"]) == (True, REPO_ARN)
    assert len(run_module.last.sleeps) == 1


def test_ecr_repository_tags(run_module):
    names = {"repositoryNames": ["banknote"]}
    args = {"region": "eu-west-1", "name": "banknote", "tags": {"Project": "banknote"}}
    tagged = {"resourceArn": REPO_ARN, "tags": [{"Key": "Project", "Value": "banknote"}]}
    result = run_module(ECR_REPOSITORY_TAGS, args, {"ecr": [
        ("describe_repositories", {"repositories": [REPO]}, names),
        ("list_tags_for_resource", ECR_THROTTLED, {"resourceArn": REPO_ARN}),
        ("list_tags_for_resource", {"tags": []}, {"resourceArn": REPO_ARN}),
        ("tag_resource", ECR_THROTTLED, tagged),
        ("tag_resource", {}, tagged),
    ]})
    assert (result["changed"], result["tags"]) == (True, {"Project": "banknote"})
    assert len(run_module.last.sleeps) == 2


def test_service_quota_info(run_module):
    codes = {"ServiceCode": "vpc", "QuotaCode": "L-F678F1CE"}
    quota = {"Quota": {**codes, "QuotaName": "VPCs per Region", "Value": 5.0}}
    args = {"region": "eu-west-1", "quotas": [{"service_code": "vpc", "quota_code": "L-F678F1CE"}]}
    result = run_module(SERVICE_QUOTA_INFO, args, {"service-quotas": [
        ("get_service_quota", aws_error("TooManyRequestsException", "Rate exceeded"), codes),
        ("get_service_quota", quota, codes),
    ]})
    assert result["quotas"][0]["value"] == 5.0
    assert "error" not in result["quotas"][0]


def test_cloudformation_stack_leftovers(run_module):
    stack = {"StackName": "banknote-network"}
    args = {"region": "eu-west-1", "stack_name": "banknote-network"}
    result = run_module(CLOUDFORMATION_STACK_LEFTOVERS, args, {
        "cloudformation": [
            ("describe_stack_resources", aws_error("Throttling", "Rate exceeded"), stack),
            ("describe_stack_resources", {"StackResources": []}, stack),
        ],
        "ec2": [],
    })
    assert (result["changed"], result["deleted"]) == (False, [])
    assert len(run_module.last.sleeps) == 1
