"""iam_oidc_provider against IAM-shaped responses (botocore's iam model; API reference:
https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListOpenIDConnectProviders.html and
API_GetOpenIDConnectProvider.html, whose Url comes back without its https:// scheme).

Defect 5: the operator policy allows iam:GetOpenIDConnectProvider only on
oidc-provider/oidc.eks.*.amazonaws.com/id/*, so the module must not read any other provider (the
Stubber fails the test on any call that is not stubbed)."""

import datetime

from tests.modules.harness import aws_error

IAM_OIDC_PROVIDER = "banknote.deploy.iam_oidc_provider"

ACCOUNT = "111122223333"
ISSUER = "oidc.eks.eu-west-1.amazonaws.com/id/5C5E8A4B1D2F3A4B5C6D7E8F9A0B1C2D"
CLUSTER_ARN = f"arn:aws:iam::{ACCOUNT}:oidc-provider/{ISSUER}"
GITHUB_ARN = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
OTHER_EKS_ARN = f"arn:aws:iam::{ACCOUNT}:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/0000AAAA"
LISTED = {"OpenIDConnectProviderList": [{"Arn": GITHUB_ARN}, {"Arn": OTHER_EKS_ARN}, {"Arn": CLUSTER_ARN}]}
OWNER = {"banknote:cluster": "banknote"}


def detail(url, tags):
    return {
        "Url": url,
        "ClientIDList": ["sts.amazonaws.com"],
        "ThumbprintList": [],
        "CreateDate": datetime.datetime(2026, 11, 30, tzinfo=datetime.UTC),
        "Tags": [{"Key": k, "Value": v} for k, v in tags.items()],
    }


def get(arn, url, tags):
    return ("get_open_id_connect_provider", detail(url, tags), {"OpenIDConnectProviderArn": arn})


def test_present_reads_only_the_clusters_provider(run_module):
    result = run_module(
        IAM_OIDC_PROVIDER,
        {"url": f"https://{ISSUER}", "tags": OWNER},
        {"iam": [("list_open_id_connect_providers", LISTED, {}), get(CLUSTER_ARN, ISSUER, OWNER)]},
    )
    assert (result["changed"], result["arn"]) == (False, CLUSTER_ARN)


def test_present_creates_without_reading_others(run_module):
    listed = {"OpenIDConnectProviderList": [{"Arn": GITHUB_ARN}]}
    create = {"Url": f"https://{ISSUER}", "ClientIDList": ["sts.amazonaws.com"], "Tags": [
        {"Key": "banknote:cluster", "Value": "banknote"}
    ]}
    result = run_module(
        IAM_OIDC_PROVIDER,
        {"url": f"https://{ISSUER}", "tags": OWNER},
        {"iam": [
            ("list_open_id_connect_providers", listed, {}),
            ("create_open_id_connect_provider", {"OpenIDConnectProviderArn": CLUSTER_ARN}, create),
        ]},
    )
    assert (result["changed"], result["arn"]) == (True, CLUSTER_ARN)


def test_absent_by_tags_reads_only_eks_providers(run_module):
    result = run_module(
        IAM_OIDC_PROVIDER,
        {"match_tags": OWNER, "state": "absent"},
        {"iam": [
            ("list_open_id_connect_providers", LISTED, {}),
            get(OTHER_EKS_ARN, "oidc.eks.eu-west-1.amazonaws.com/id/0000AAAA", {"banknote:cluster": "other"}),
            get(CLUSTER_ARN, ISSUER, OWNER),
            ("delete_open_id_connect_provider", {}, {"OpenIDConnectProviderArn": CLUSTER_ARN}),
        ]},
    )
    assert (result["changed"], result["deleted"]) == (True, [CLUSTER_ARN])


def test_absent_by_url_when_already_gone(run_module):
    listed = {"OpenIDConnectProviderList": [{"Arn": GITHUB_ARN}]}
    result = run_module(
        IAM_OIDC_PROVIDER,
        {"url": f"https://{ISSUER}/", "state": "absent"},
        {"iam": [("list_open_id_connect_providers", listed, {})]},
    )
    assert (result["changed"], result["deleted"]) == (False, [])


def test_throttled_list_is_retried(run_module):
    result = run_module(
        IAM_OIDC_PROVIDER,
        {"url": f"https://{ISSUER}", "tags": OWNER},
        {"iam": [
            ("list_open_id_connect_providers", aws_error("Throttling", "Rate exceeded"), {}),
            ("list_open_id_connect_providers", LISTED, {}),
            get(CLUSTER_ARN, ISSUER, OWNER),
        ]},
    )
    assert (result["changed"], result["arn"]) == (False, CLUSTER_ARN)
    assert len(run_module.last.sleeps) == 1
