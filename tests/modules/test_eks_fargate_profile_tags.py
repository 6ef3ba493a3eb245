"""community.aws.eks_fargate_profile with tags, against EKS-shaped responses (botocore's eks model; API
reference: https://docs.aws.amazon.com/eks/latest/APIReference/API_CreateFargateProfile.html,
API_DescribeFargateProfile, API_ListFargateProfiles, API_ListTagsForResource, API_TagResource,
API_DeleteFargateProfile). The module's waiters (amazon.aws module_utils/waiters.py, fargate_profile_active
and fargate_profile_deleted) poll DescribeFargateProfile through the same stubbed client.

Moto's ListTagsForResource knows only cluster ARNs, so the local target does not pass tags
(EMULATOR_GAPS.md: fargate_profile_pass_tags: false); this is where the tagged path runs, with the role's
arguments (roles/fargate_profile/tasks/present.yml) and its labelled CoreDNS profile."""

import datetime

from tests.modules.harness import aws_error

MODULE = "community.aws.eks_fargate_profile"
WHEN = datetime.datetime(2026, 11, 30, 9, 0, tzinfo=datetime.UTC)
ROLE = "arn:aws:iam::111122223333:role/banknote-fargate-pod-execution"
SUBNETS = ["subnet-0a1b2c3d4e5f60011", "subnet-0a1b2c3d4e5f60012"]
SELECTORS = [{"namespace": "kube-system", "labels": {"k8s-app": "kube-dns"}}]
TAGS = {"Project": "banknote", "Owner": "platform"}
ARN = "arn:aws:eks:eu-west-1:111122223333:fargateprofile/banknote/banknote-coredns/9ac8f0e1-aaaa-bbbb-cccc"
KEY = {"clusterName": "banknote", "fargateProfileName": "banknote-coredns"}
ARGS = {
    "region": "eu-west-1",
    "cluster_name": "banknote",
    "name": "banknote-coredns",
    "role_arn": ROLE,
    "subnets": SUBNETS,
    "selectors": SELECTORS,
    "tags": TAGS,
    "wait": True,
    "wait_timeout": 600,
}
GONE = aws_error("ResourceNotFoundException", "No Fargate Profile found with name: banknote-coredns.", 404)


def profile(status, tags=TAGS):
    return {
        "fargateProfile": {
            "fargateProfileName": "banknote-coredns",
            "fargateProfileArn": ARN,
            "clusterName": "banknote",
            "createdAt": WHEN,
            "podExecutionRoleArn": ROLE,
            "subnets": SUBNETS,
            "selectors": SELECTORS,
            "status": status,
            "tags": tags,
            "health": {"issues": []},
        }
    }


def describe(status, tags=TAGS):
    return ("describe_fargate_profile", profile(status, tags), KEY)


def test_create_with_tags_waits_until_active(run_module):
    create = {**KEY, "podExecutionRoleArn": ROLE, "subnets": SUBNETS, "selectors": SELECTORS, "tags": TAGS}
    result = run_module(MODULE, ARGS, {"eks": [
        ("describe_fargate_profile", GONE, KEY),
        ("list_fargate_profiles", {"fargateProfileNames": []}, {"clusterName": "banknote"}),
        ("create_fargate_profile", profile("CREATING"), create),
        describe("CREATING"),  # the waiter's polls
        describe("ACTIVE"),
        describe("ACTIVE"),  # the module's final read
    ]})
    assert result["changed"] is True
    assert result["status"] == "ACTIVE"
    # The result's tag keys come back snake_cased (the module's camel_dict_to_snake_dict has no ignore
    # list): {"project": ...}. The profile's tags are what CreateFargateProfile was sent, checked above.
    assert result["tags"] == {"project": "banknote", "owner": "platform"}


def test_rerun_reads_the_tags_and_changes_nothing(run_module):
    result = run_module(MODULE, ARGS, {"eks": [
        describe("ACTIVE"),
        ("list_tags_for_resource", {"tags": TAGS}, {"resourceArn": ARN}),
        describe("ACTIVE"),
        describe("ACTIVE"),
    ]})
    assert result["changed"] is False


def test_changed_tags_are_set_on_the_profile(run_module):
    old = {"Project": "banknote", "Owner": "someone-else", "Stale": "x"}
    result = run_module(MODULE, ARGS, {"eks": [
        describe("ACTIVE", old),
        ("list_tags_for_resource", {"tags": old}, {"resourceArn": ARN}),
        ("untag_resource", {}, {"resourceArn": ARN, "tagKeys": ["Stale"]}),
        ("tag_resource", {}, {"resourceArn": ARN, "tags": {"Owner": "platform"}}),
        describe("ACTIVE"),
        describe("ACTIVE"),
    ]})
    assert result["changed"] is True


def test_absent_deletes_and_waits_then_reports_no_change(run_module):
    kept = ("region", "cluster_name", "name", "wait", "wait_timeout")
    absent = {**{k: ARGS[k] for k in kept}, "state": "absent"}
    result = run_module(MODULE, absent, {"eks": [
        describe("ACTIVE"),
        ("list_fargate_profiles", {"fargateProfileNames": ["banknote-coredns"]}, {"clusterName": "banknote"}),
        describe("ACTIVE"),
        ("delete_fargate_profile", profile("DELETING"), KEY),
        describe("DELETING"),
        ("describe_fargate_profile", GONE, KEY),
    ]})
    assert result["changed"] is True
    result = run_module(MODULE, absent, {"eks": [("describe_fargate_profile", GONE, KEY)]})
    assert result["changed"] is False
