"""The app's log group and the pod execution role's log permissions, on a moto of this module's own.

Run as banknote-operator (IAM enforced): infra.yml's app_logs and iam roles, reruns, check mode on a group
that drifted, a retention CloudWatch refuses, teardown's log_group step keeping and deleting; then every
recorded call is evaluated against the scoped operator policies (tests/support/iam_policy.py), as the
whole-flow test does, so a missing action or a resource outside the policy's scope fails here first.
"""

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from infra_helpers import run_playbook

from tests.support.iam_policy import assert_calls_allowed
from tests.support.leftovers import leftovers
from tests.support.moto import MotoServer, moto_server

pytestmark = [pytest.mark.ansible, pytest.mark.slow]

GROUP = "/banknote/app"
ROLE = "banknote-fargate-pod-execution"
ACCOUNT = "123456789012"
TAGS = {"Project": "banknote", "Owner": "ml-platform", "CostCenter": "ml-research", "ManagedBy": "ansible"}
INFRA = ("playbooks/infra.yml", "--tags", "iam,app_logs")


@pytest.fixture(scope="module")
def own_moto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    with moto_server(tmp_path_factory.mktemp("moto-app-logs") / "moto.log") as server:
        yield server


@pytest.fixture(scope="module")
def play(own_moto: MotoServer):
    def run(path: str, *args: str, **extra):
        return run_playbook(path, *args, "-e", json.dumps({**own_moto.extra_vars, **extra}))
    return run


def group(logs) -> dict | None:
    found = [g for g in logs.describe_log_groups(logGroupNamePrefix=GROUP)["logGroups"]
             if g["logGroupName"] == GROUP]
    return found[0] if found else None


@pytest.fixture(scope="module")
def deployed(play, own_moto: MotoServer):
    """--check on an empty account, then the real run, then a rerun."""
    check = play(*INFRA, "--check")
    assert check.returncode == 0, check.explain()
    before = group(own_moto.client("logs"))
    first = play(*INFRA)
    assert first.returncode == 0, first.explain()
    rerun = play(*INFRA)
    assert rerun.returncode == 0, rerun.explain()
    return {"check": check, "group_after_check": before, "first": first, "rerun": rerun}


def test_check_mode_on_an_empty_account_creates_nothing(deployed):
    assert deployed["group_after_check"] is None
    assert deployed["check"].task_results("Log group with its retention and tags") == ["changed"]


def test_log_group_has_the_retention_and_tags(deployed, own_moto: MotoServer):
    logs = own_moto.client("logs")
    found = group(logs)
    assert found is not None
    assert found["retentionInDays"] == 14
    assert logs.list_tags_log_group(logGroupName=GROUP)["tags"] == TAGS
    assert deployed["first"].task_results("Log group with its retention and tags") == ["changed"]


def test_rerun_changes_nothing(deployed):
    assert deployed["rerun"].changed_tasks() == [], deployed["rerun"].explain()


def test_pod_execution_role_may_write_streams_of_the_app_group_only(deployed, own_moto: MotoServer):
    iam = own_moto.client("iam")
    assert iam.list_role_policies(RoleName=ROLE)["PolicyNames"] == ["app-logs"]
    document = iam.get_role_policy(RoleName=ROLE, PolicyName="app-logs")["PolicyDocument"]
    (statement,) = document["Statement"]
    assert statement["Effect"] == "Allow"
    assert sorted(statement["Action"]) == ["logs:CreateLogStream", "logs:DescribeLogStreams",
                                           "logs:PutLogEvents"]
    arn = f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:{GROUP}"
    assert sorted(statement["Resource"]) == [arn, f"{arn}:*"]
    # The managed policy (image pulls) stays attached beside it.
    attached = [p["PolicyName"] for p in iam.list_attached_role_policies(RoleName=ROLE)["AttachedPolicies"]]
    assert attached == ["AmazonEKSFargatePodExecutionRolePolicy"]


@pytest.fixture(scope="module")
def drifted(deployed, play, own_moto: MotoServer):
    """Retention and tags changed by hand: --check reports it and changes nothing; a run repairs it."""
    logs = own_moto.client("logs")
    logs.put_retention_policy(logGroupName=GROUP, retentionInDays=30)
    logs.tag_log_group(logGroupName=GROUP, tags={"Extra": "by-hand", "Owner": "someone-else"})
    check = play(*INFRA, "--check")
    after_check = (group(logs)["retentionInDays"], logs.list_tags_log_group(logGroupName=GROUP)["tags"])
    repair = play(*INFRA)
    after_repair = (group(logs)["retentionInDays"], logs.list_tags_log_group(logGroupName=GROUP)["tags"])
    return check, after_check, repair, after_repair


def test_check_mode_reports_drift_and_changes_nothing(drifted):
    # The module writes a different retention even in check mode (input_retention_policy has no guard);
    # the role passes the retention in check mode only when it already matches.
    check, after_check, _, _ = drifted
    assert check.returncode == 0, check.explain()
    assert check.task_results("Log group with its retention and tags") == ["changed"]
    assert after_check == (30, {**TAGS, "Extra": "by-hand", "Owner": "someone-else"})


def test_a_run_repairs_the_drift(drifted):
    _, _, repair, after_repair = drifted
    assert repair.returncode == 0, repair.explain()
    assert repair.changed_tasks() == ["app_logs : Log group with its retention and tags"]
    assert after_repair == (14, TAGS)


def test_a_retention_cloudwatch_refuses_fails_before_any_call(drifted, play, own_moto: MotoServer):
    # 1096 is a valid AWS value the module does not know: on create it would delete the group it just made.
    calls_before = len(own_moto.calls())
    run = play(*INFRA, app_log_retention_days=1096)
    assert run.returncode != 0
    assert any("app_logs_retention_days" in msg and "1096" in msg for msg in run.failure_messages), \
        run.explain()
    assert not [c for c in own_moto.calls()[calls_before:] if c["service"] == "logs"]
    assert group(own_moto.client("logs"))["retentionInDays"] == 14


def test_teardown_keeps_the_group_and_log_files_when_asked_then_deletes_them(
        drifted, play, own_moto: MotoServer, tmp_path: Path):
    # The k8s step (local pods' log files) acts on a work directory and app name of this test's own, so the
    # project's pods and files on this machine are left alone; inventory/local derives the log dir from them.
    work = tmp_path / "k8s"
    log_dir = work / "logs"
    log_dir.mkdir(parents=True)
    (log_dir / "banknote-applogs-test-0123456789.log").write_text('{"user_agent": "x"}\n')
    steps = {"teardown_steps": ["k8s", "log_group"], "k8s_app_podman_work_dir": str(work),
             "k8s_app_name": "banknote-applogs-test"}
    kept = play("playbooks/teardown.yml", **steps, teardown_keep_app_log_group=True)
    assert kept.returncode == 0, kept.explain()
    assert group(own_moto.client("logs")) is not None
    assert log_dir.is_dir()
    gone = play("playbooks/teardown.yml", **steps)
    assert gone.returncode == 0, gone.explain()
    assert group(own_moto.client("logs")) is None
    assert not log_dir.exists()
    assert gone.task_results("Delete the pods' log files") == ["changed"], gone.explain()
    assert gone.task_results("app_logs : Delete the log group") == ["changed"], gone.explain()
    again = play("playbooks/teardown.yml", **steps)
    assert again.returncode == 0, again.explain()
    assert again.changed_tasks() == [], again.explain()


def test_teardown_leaves_nothing_and_every_call_was_within_the_scoped_policies(
        drifted, play, own_moto: MotoServer):
    run = play("playbooks/teardown.yml", teardown_steps=["log_group", "iam"])
    assert run.returncode == 0, run.explain()
    assert leftovers(own_moto.client) == []
    counts = assert_calls_allowed(own_moto.call_log)
    assert counts["checked_actions"] > 0, counts
    logs_actions = {f"logs:{c['action']}" for c in own_moto.calls() if c["service"] == "logs"
                    and c["user"] == "banknote-operator"}
    assert {"logs:CreateLogGroup", "logs:PutRetentionPolicy", "logs:TagLogGroup", "logs:UntagLogGroup",
            "logs:DeleteLogGroup"} <= logs_actions, logs_actions
