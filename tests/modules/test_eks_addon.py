"""eks_addon against EKS-shaped responses (botocore's eks model; API reference:
https://docs.aws.amazon.com/eks/latest/APIReference/API_DescribeAddon.html, API_CreateAddon, API_UpdateAddon,
API_DeleteAddon; configurationValues is a JSON string).

Moto has no add-on API (EMULATOR_GAPS.md: fargate_profile_manage_coredns_addon: false), so this is where
the CoreDNS add-on on Fargate compute runs, as roles/fargate_profile asks for it: create and wait to
ACTIVE, rerun with no change, update when the configuration differs, delete and wait until gone."""

import datetime
import json

from tests.modules.harness import aws_error

EKS_ADDON = "banknote.deploy.eks_addon"

WHEN = datetime.datetime(2026, 11, 30, 9, 0, tzinfo=datetime.UTC)
FARGATE = {"computeType": "Fargate"}
# What the module sends: json.dumps(configuration_values, sort_keys=True).
FARGATE_JSON = '{"computeType": "Fargate"}'
TAGS = {"Project": "banknote"}
KEY = {"clusterName": "banknote", "addonName": "coredns"}
ARGS = {
    "region": "eu-west-1",
    "cluster_name": "banknote",
    "name": "coredns",
    "configuration_values": FARGATE,
    "resolve_conflicts": "OVERWRITE",
    "tags": TAGS,
}
GONE = aws_error("ResourceNotFoundException", "No addon: coredns found in cluster: banknote", 404)


def addon(status, config=FARGATE):
    body = {
        "addonName": "coredns",
        "clusterName": "banknote",
        "status": status,
        "addonVersion": "v1.11.4-eksbuild.14",
        "health": {"issues": []},
        "addonArn": "arn:aws:eks:eu-west-1:111122223333:addon/banknote/coredns/a2c8f0e1-1111-2222",
        "createdAt": WHEN,
        "modifiedAt": WHEN,
        "tags": TAGS,
    }
    if config is not None:
        body["configurationValues"] = json.dumps(config)
    return {"addon": body}


def describe(status, config=FARGATE):
    return ("describe_addon", addon(status, config), KEY)


def test_create_waits_until_active(run_module):
    create = {**KEY, "resolveConflicts": "OVERWRITE", "configurationValues": FARGATE_JSON, "tags": TAGS}
    result = run_module(EKS_ADDON, ARGS, {"eks": [
        ("describe_addon", GONE, KEY),
        ("create_addon", addon("CREATING"), create),
        describe("CREATING"),
        # DEGRADED while CoreDNS pods wait for Fargate capacity: not final.
        describe("DEGRADED"),
        describe("ACTIVE"),
    ]})
    assert result["changed"] is True
    assert result["addon"]["status"] == "ACTIVE"
    assert run_module.last.sleeps == [10, 10]


def test_rerun_changes_nothing(run_module):
    result = run_module(EKS_ADDON, ARGS, {"eks": [describe("ACTIVE")]})
    assert result["changed"] is False


def test_other_configuration_is_updated(run_module):
    update = {**KEY, "resolveConflicts": "OVERWRITE", "configurationValues": FARGATE_JSON}
    body = {"id": "u1", "status": "InProgress", "type": "AddonUpdate", "params": [], "createdAt": WHEN}
    updating = {"update": {**body, "errors": []}}
    result = run_module(EKS_ADDON, ARGS, {"eks": [
        describe("ACTIVE", config=None),  # installed by EKS with defaults (EC2 compute)
        ("update_addon", updating, update),
        describe("UPDATING"),
        describe("ACTIVE"),
    ]})
    assert result["changed"] is True
    assert json.loads(result["addon"]["configuration_values"]) == FARGATE


def test_create_failed_fails_the_task(run_module):
    failed = addon("CREATE_FAILED")
    issue = {"code": "InsufficientNumberOfReplicas", "message": "no Fargate profile"}
    failed["addon"]["health"] = {"issues": [issue]}
    result = run_module(EKS_ADDON, ARGS, {"eks": [
        ("describe_addon", GONE, KEY),
        ("create_addon", addon("CREATING"), None),
        ("describe_addon", failed, KEY),
    ]})
    assert result["failed"] is True
    assert "CREATE_FAILED" in result["msg"]


def test_absent_deletes_and_waits_until_gone_then_reports_no_change(run_module):
    absent = {**ARGS, "state": "absent"}
    result = run_module(EKS_ADDON, absent, {"eks": [
        describe("ACTIVE"),
        ("delete_addon", addon("DELETING"), KEY),
        describe("DELETING"),
        ("describe_addon", GONE, KEY),
    ]})
    assert result["changed"] is True
    assert run_module.last.sleeps == [10]
    result = run_module(EKS_ADDON, absent, {"eks": [("describe_addon", GONE, KEY)]})
    assert result["changed"] is False


def test_throttled_calls_are_retried(run_module):
    throttled = aws_error("ThrottlingException", "Rate exceeded")
    result = run_module(EKS_ADDON, ARGS, {"eks": [("describe_addon", throttled, KEY), describe("ACTIVE")]})
    assert result["changed"] is False
    assert len(run_module.last.sleeps) == 1
