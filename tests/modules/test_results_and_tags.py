"""What the collection's module_utils give every module (issue 10): results in snake_case as amazon.aws
modules return them (camel_dict_to_snake_dict, tags untouched), AWS timestamps written by ansible-core
in ISO 8601 (no conversion in the modules), and tags converged as amazon.aws does (compare_aws_tags,
purge_tags true by default, AWS's reserved aws:* tags never removed). Shapes from botocore's models."""

import datetime

from tests.modules.harness import aws_error

EKS_CLUSTER_INFO = "banknote.deploy.eks_cluster_info"
ECR_REPOSITORY_INFO = "banknote.deploy.ecr_repository_info"
ECR_REPOSITORY_TAGS = "banknote.deploy.ecr_repository_tags"
IAM_OIDC_PROVIDER = "banknote.deploy.iam_oidc_provider"
ECR_REGISTRY_LOGIN = "banknote.deploy.ecr_registry_login"

WHEN = datetime.datetime(2026, 11, 30, 9, 0, tzinfo=datetime.UTC)
ISSUER = "https://oidc.eks.eu-west-1.amazonaws.com/id/ABC"
CLUSTER = {
    "name": "banknote",
    "status": "ACTIVE",
    "createdAt": WHEN,
    "endpoint": "https://ABC.gr7.eu-west-1.eks.amazonaws.com",
    "certificateAuthority": {"data": "Q0E="},
    "resourcesVpcConfig": {"subnetIds": ["subnet-1", "subnet-2"], "endpointPublicAccess": True},
    "identity": {"oidc": {"issuer": ISSUER}},
    "tags": {"Project": "banknote", "banknote:cluster": "banknote"},
}
REPO_ARN = "arn:aws:ecr:eu-west-1:111122223333:repository/banknote"
REPO = {"repositoryArn": REPO_ARN, "registryId": "111122223333", "repositoryName": "banknote",
        "repositoryUri": "111122223333.dkr.ecr.eu-west-1.amazonaws.com/banknote", "createdAt": WHEN}


def test_cluster_info_is_snake_case_with_iso_dates_and_tags_as_they_are(run_module):
    result = run_module(EKS_CLUSTER_INFO, {"name": "banknote", "region": "eu-west-1"},
                        {"eks": [("describe_cluster", {"cluster": CLUSTER}, {"name": "banknote"})]})
    cluster = result["cluster"]
    assert cluster["certificate_authority"]["data"] == "Q0E="
    assert cluster["resources_vpc_config"] == {"subnet_ids": ["subnet-1", "subnet-2"],
                                               "endpoint_public_access": True}
    assert cluster["created_at"] == "2026-11-30T09:00:00+00:00"
    assert cluster["tags"] == {"Project": "banknote", "banknote:cluster": "banknote"}
    assert result["oidc_issuer"] == ISSUER


def test_repository_info_is_snake_case(run_module):
    names = {"repositoryNames": ["banknote"]}
    result = run_module(ECR_REPOSITORY_INFO, {"name": "banknote", "region": "eu-west-1"},
                        {"ecr": [("describe_repositories", {"repositories": [REPO]}, names)]})
    assert result["repository"]["repository_uri"] == REPO["repositoryUri"]
    assert result["repository"]["created_at"] == "2026-11-30T09:00:00+00:00"


def test_registry_login_expiry_is_written_by_ansible_core(run_module):
    token = {"authorizationData": [{"authorizationToken": "QVdTOnNlY3JldA==", "expiresAt": WHEN,
                                    "proxyEndpoint": "https://111122223333.dkr.ecr.eu-west-1.amazonaws.com"}]}
    result = run_module(ECR_REGISTRY_LOGIN, {"repository": "banknote", "region": "eu-west-1"}, {"ecr": [
        ("describe_repositories", {"repositories": [REPO]}, {"repositoryNames": ["banknote"]}),
        ("get_authorization_token", token, {"registryIds": ["111122223333"]}),
    ]})
    assert (result["username"], result["password"]) == ("AWS", "secret")
    assert result["expires_at"] == "2026-11-30T09:00:00+00:00"


def repository_tags(current, calls):
    return {"ecr": [
        ("describe_repositories", {"repositories": [REPO]}, {"repositoryNames": ["banknote"]}),
        ("list_tags_for_resource", {"tags": [{"Key": k, "Value": v} for k, v in current.items()]},
         {"resourceArn": REPO_ARN}),
        *calls,
    ]}


def test_repository_tags_purge_by_default_but_not_aws_reserved_ones(run_module):
    current = {"Project": "old", "Stray": "x", "aws:cloudformation:stack-name": "s"}
    args = {"name": "banknote", "region": "eu-west-1", "tags": {"Project": "banknote"}}
    result = run_module(ECR_REPOSITORY_TAGS, args, repository_tags(current, [
                            ("tag_resource", {}, {"resourceArn": REPO_ARN,
                                                  "tags": [{"Key": "Project", "Value": "banknote"}]}),
                            ("untag_resource", {}, {"resourceArn": REPO_ARN, "tagKeys": ["Stray"]}),
                        ]))
    assert result["changed"] is True
    assert result["tags"] == {"Project": "banknote", "aws:cloudformation:stack-name": "s"}


def test_repository_tags_keep_others_without_purge(run_module):
    args = {"name": "banknote", "region": "eu-west-1", "tags": {"Project": 1}, "purge_tags": False}
    result = run_module(ECR_REPOSITORY_TAGS, args, repository_tags({"Project": "1", "Stray": "x"}, []))
    assert (result["changed"], result["tags"]) == (False, {"Project": "1", "Stray": "x"})


def test_repository_tags_check_mode_changes_nothing(run_module):
    args = {"name": "banknote", "region": "eu-west-1", "tags": {"Project": "banknote"}}
    result = run_module(ECR_REPOSITORY_TAGS, args, repository_tags({"Stray": "x"}, []), check_mode=True)
    assert result["changed"] is True


def test_oidc_provider_tags_purged_by_default(run_module):
    arn = "arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC"
    detail = {"Url": "oidc.eks.eu-west-1.amazonaws.com/id/ABC", "ClientIDList": ["sts.amazonaws.com"],
              "ThumbprintList": [], "CreateDate": WHEN,
              "Tags": [{"Key": "banknote:cluster", "Value": "banknote"}, {"Key": "Stray", "Value": "x"}]}
    args = {"url": ISSUER, "tags": {"banknote:cluster": "banknote"}}
    result = run_module(IAM_OIDC_PROVIDER, args, {"iam": [
        ("list_open_id_connect_providers", {"OpenIDConnectProviderList": [{"Arn": arn}]}, {}),
        ("get_open_id_connect_provider", detail, {"OpenIDConnectProviderArn": arn}),
        ("untag_open_id_connect_provider", {}, {"OpenIDConnectProviderArn": arn, "TagKeys": ["Stray"]}),
    ]})
    assert (result["changed"], result["arn"]) == (True, arn)


def test_a_missing_cluster_is_absent_not_an_error(run_module):
    gone = aws_error("ResourceNotFoundException")
    result = run_module(EKS_CLUSTER_INFO, {"name": "banknote", "region": "eu-west-1"},
                        {"eks": [("describe_cluster", gone, {"name": "banknote"})]})
    assert (result.get("failed"), result["exists"], result["cluster"]) == (None, False, {})
