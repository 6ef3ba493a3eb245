"""eks_access_entry against EKS- and IAM-shaped responses (botocore's eks and iam models; API reference:
https://docs.aws.amazon.com/eks/latest/APIReference/API_CreateAccessEntry.html, API_DescribeAccessEntry,
API_ListAssociatedAccessPolicies, API_AssociateAccessPolicy, API_DeleteAccessEntry, and
https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetRole.html).

Moto has no access entry API (EMULATOR_GAPS.md: eks_cluster_manage_access_entries: false), so this is
where the operator's access entry path runs: present, rerun with no change, absent; and defect 6, the
principal of an SSO or assumed-role caller resolved to its role's real ARN, path included."""

import datetime

import pytest

from tests.modules.harness import aws_error

EKS_ACCESS_ENTRY = "banknote.deploy.eks_access_entry"

ACCOUNT = "111122223333"
WHEN = datetime.datetime(2026, 11, 30, 9, 0, tzinfo=datetime.UTC)
ADMIN = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
SSO_NAME = "AWSReservedSSO_AdministratorAccess_0123456789abcdef"
SSO_SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/{SSO_NAME}/jane@example.com"
SSO_ROLE = f"arn:aws:iam::{ACCOUNT}:role/aws-reserved/sso.amazonaws.com/eu-west-1/{SSO_NAME}"
SSO_ROLE_US_EAST_1 = f"arn:aws:iam::{ACCOUNT}:role/aws-reserved/sso.amazonaws.com/{SSO_NAME}"
DEPLOYER_SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/deployer/ci-42"
KEY = {"clusterName": "banknote", "principalArn": SSO_ROLE}
TAGS = {"Project": "banknote"}
ARGS = {
    "region": "eu-west-1",
    "cluster_name": "banknote",
    "principal_arn": SSO_SESSION,
    "policy_arns": [ADMIN],
    "tags": TAGS,
}


def get_role(name, arn):
    path = arn.split(":role", 1)[1].rsplit("/", 1)[0] + "/"
    role = {"Path": path, "RoleName": name, "RoleId": "AROAEXAMPLEID123456", "Arn": arn, "CreateDate": WHEN}
    return ("get_role", {"Role": role}, {"RoleName": name})


def entry(principal=SSO_ROLE):
    return {
        "accessEntry": {
            "clusterName": "banknote",
            "principalArn": principal,
            "kubernetesGroups": [],
            "accessEntryArn": f"arn:aws:eks:eu-west-1:{ACCOUNT}:access-entry/banknote/role/{ACCOUNT}/x/1ac9",
            "createdAt": WHEN,
            "modifiedAt": WHEN,
            "tags": TAGS,
            "username": f"arn:aws:sts::{ACCOUNT}:assumed-role/{SSO_NAME}/{{{{SessionName}}}}",
            "type": "STANDARD",
        }
    }


def associated(*policies):
    return {
        "clusterName": "banknote",
        "principalArn": SSO_ROLE,
        "associatedAccessPolicies": [
            {"policyArn": p, "accessScope": {"type": "cluster"}, "associatedAt": WHEN, "modifiedAt": WHEN}
            for p in policies
        ],
    }


ASSOCIATE = {**KEY, "policyArn": ADMIN, "accessScope": {"type": "cluster"}}
ASSOCIATED = {
    "clusterName": "banknote",
    "principalArn": SSO_ROLE,
    "associatedAccessPolicy": {
        "policyArn": ADMIN, "accessScope": {"type": "cluster"}, "associatedAt": WHEN, "modifiedAt": WHEN
    },
}
CREATE = {**KEY, "type": "STANDARD", "tags": TAGS}


def test_create_entry_and_associate_admin_policy(run_module):
    result = run_module(EKS_ACCESS_ENTRY, ARGS, {
        "iam": [get_role(SSO_NAME, SSO_ROLE)],
        "eks": [
            ("describe_access_entry", aws_error("ResourceNotFoundException", http_status=404), KEY),
            ("create_access_entry", entry(), CREATE),
            ("list_associated_access_policies", associated(), KEY),
            ("associate_access_policy", ASSOCIATED, ASSOCIATE),
        ],
    })
    assert (result["changed"], result["principal_arn"], result["associated"]) == (True, SSO_ROLE, [ADMIN])


def test_rerun_changes_nothing(run_module):
    result = run_module(EKS_ACCESS_ENTRY, ARGS, {
        "iam": [get_role(SSO_NAME, SSO_ROLE)],
        "eks": [
            ("describe_access_entry", entry(), KEY),
            ("list_associated_access_policies", associated(ADMIN), KEY),
        ],
    })
    assert (result["changed"], result["associated"]) == (False, [])


def test_check_mode_on_a_new_cluster_calls_nothing_that_writes(run_module):
    result = run_module(EKS_ACCESS_ENTRY, ARGS, {
        "iam": [get_role(SSO_NAME, SSO_ROLE)],
        "eks": [("describe_access_entry", aws_error("ResourceNotFoundException", http_status=404), KEY)],
    }, check_mode=True)
    assert result["changed"] is True


def test_absent_deletes_then_reports_no_change(run_module):
    absent = {**ARGS, "state": "absent"}
    result = run_module(EKS_ACCESS_ENTRY, absent, {
        "iam": [get_role(SSO_NAME, SSO_ROLE)],
        "eks": [("describe_access_entry", entry(), KEY), ("delete_access_entry", {}, KEY)],
    })
    assert result["changed"] is True
    result = run_module(EKS_ACCESS_ENTRY, absent, {
        "iam": [get_role(SSO_NAME, SSO_ROLE)],
        "eks": [("describe_access_entry", aws_error("ResourceNotFoundException", http_status=404), KEY)],
    })
    assert result["changed"] is False


@pytest.mark.parametrize(
    ("caller", "name", "role_arn"),
    [
        # IAM Identity Center in eu-west-1: the path carries the region.
        (SSO_SESSION, SSO_NAME, SSO_ROLE),
        # IAM Identity Center in us-east-1: no region in the path.
        (SSO_SESSION, SSO_NAME, SSO_ROLE_US_EAST_1),
        # Any other role with a path.
        (DEPLOYER_SESSION, "deployer", f"arn:aws:iam::{ACCOUNT}:role/ci/deployer"),
        # A plain assumed role, no path: IAM says so.
        (DEPLOYER_SESSION, "deployer", f"arn:aws:iam::{ACCOUNT}:role/deployer"),
    ],
)
def test_assumed_role_becomes_its_roles_arn(run_module, caller, name, role_arn):
    key = {"clusterName": "banknote", "principalArn": role_arn}
    result = run_module(EKS_ACCESS_ENTRY, {**ARGS, "principal_arn": caller, "state": "absent"}, {
        "iam": [get_role(name, role_arn)],
        "eks": [("describe_access_entry", aws_error("ResourceNotFoundException", http_status=404), key)],
    })
    assert result["principal_arn"] == role_arn


@pytest.mark.parametrize(
    "principal", [f"arn:aws:iam::{ACCOUNT}:user/jane", f"arn:aws:iam::{ACCOUNT}:role/ci/deployer"]
)
def test_iam_principal_is_used_as_given_without_reading_iam(run_module, principal):
    key = {"clusterName": "banknote", "principalArn": principal}
    # No iam stubs: creating an IAM client at all fails the test.
    result = run_module(EKS_ACCESS_ENTRY, {**ARGS, "principal_arn": principal, "state": "absent"}, {
        "eks": [("describe_access_entry", aws_error("ResourceNotFoundException", http_status=404), key)],
    })
    assert result["principal_arn"] == principal


def test_unreadable_role_fails_with_what_to_do_and_never_guesses(run_module):
    # Without the path no ARN can be right: the module stops before any EKS call.
    result = run_module(EKS_ACCESS_ENTRY, ARGS, {
        "iam": [("get_role", aws_error("AccessDenied", "not authorized to perform: iam:GetRole", 403),
                 {"RoleName": SSO_NAME})],
        "eks": [],
    })
    assert result["failed"] is True
    assert "eks_cluster_admin_principal_arn" in result["msg"]
    assert "iam:GetRole" in result["msg"]


def test_throttled_calls_are_retried(run_module):
    throttled = aws_error("ThrottlingException", "Rate exceeded")
    result = run_module(EKS_ACCESS_ENTRY, ARGS, {
        "iam": [("get_role", aws_error("Throttling", "Rate exceeded"), {"RoleName": SSO_NAME}),
                get_role(SSO_NAME, SSO_ROLE)],
        "eks": [
            ("describe_access_entry", throttled, KEY),
            ("describe_access_entry", entry(), KEY),
            ("list_associated_access_policies", throttled, KEY),
            ("list_associated_access_policies", associated(ADMIN), KEY),
        ],
    })
    assert result["changed"] is False
    assert len(run_module.last.sleeps) == 3
