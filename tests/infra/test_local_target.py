"""The local target is as strict as AWS where a first real deploy would fail (issue 9).

- Region: nothing outside the inventory gives one (run_playbook drops AWS_DEFAULT_REGION and friends,
  the inventory's aws_environment and moto's config file carry none), so a module call without
  `region:` fails with NoRegionError, as on AWS; with `region: "{{ aws_region }}"` it works.
- IAM: the playbooks run as the moto IAM user banknote-operator, which holds only docs/operator*.json;
  an action those do not grant is AccessDenied.
- Every request is in the call log, in the format local/moto/README.md gives.
"""

import json
import shutil
from pathlib import Path

import pytest
from infra_helpers import run_playbook

from tests.support.moto import ADMIN, OPERATOR, MotoServer, moto_server

pytestmark = pytest.mark.ansible

CALL_FIELDS = {"time", "service", "action", "region", "access_key_id", "user", "method", "path",
               "querystring", "body", "allowed"}


def one_task_playbook(tmp_path: Path, task: dict) -> str:
    """A play on the control node with the inventory's aws_environment, as the project's plays have."""
    playbook = tmp_path / "playbook.yml"
    playbook.write_text(json.dumps([{"name": "one AWS task", "hosts": "control", "gather_facts": False,
                                     "environment": "{{ aws_environment }}", "tasks": [task]}]))
    return str(playbook)


def test_a_task_without_region_fails_as_on_aws(moto: MotoServer, tmp_path: Path):
    task = {"name": "zones", "amazon.aws.aws_az_info": {}}
    run = run_playbook(one_task_playbook(tmp_path, task), "-e", json.dumps(moto.extra_vars))
    assert run.returncode != 0, run.explain()
    assert "requires a region" in " ".join(run.failure_messages), run.explain()

    task = {"name": "zones", "amazon.aws.aws_az_info": {"region": "{{ aws_region }}"}}
    run = run_playbook(one_task_playbook(tmp_path, task), "-e", json.dumps(moto.extra_vars))
    assert run.returncode == 0, run.explain()


def test_the_operator_is_denied_what_its_policies_do_not_grant(moto: MotoServer, tmp_path: Path):
    # iam:ListUsers is in no docs/operator*.json: the flow never needs it.
    task = {"name": "users", "amazon.aws.iam_user_info": {"region": "{{ aws_region }}"}}
    run = run_playbook(one_task_playbook(tmp_path, task), "-e", json.dumps(moto.extra_vars))
    assert run.returncode != 0, run.explain()
    (message,) = run.failure_messages
    assert "AccessDenied" in message, run.explain()
    assert f"user/{OPERATOR} is not authorized to perform: iam:ListUsers" in message, run.explain()

    denied = [c for c in moto.calls() if c["action"] == "ListUsers" and c["user"] == OPERATOR]
    assert denied, "the denied call is not in the call log"
    assert not any(c["allowed"] for c in denied)
    # The admin profile, which the tests use for their own checks, may.
    assert moto.client("iam").list_users()["Users"]


def test_the_operator_holds_exactly_the_shipped_policies_widened(moto: MotoServer, repo_root: Path):
    iam = moto.client("iam")
    attached = iam.list_attached_user_policies(UserName=OPERATOR)["AttachedPolicies"]
    shipped = sorted(path.stem for path in (repo_root / "docs").glob("operator*.json"))
    assert shipped, "no docs/operator*.json"
    assert sorted(p["PolicyName"] for p in attached) == shipped
    for policy in attached:
        version = iam.get_policy(PolicyArn=policy["PolicyArn"])["Policy"]["DefaultVersionId"]
        document = iam.get_policy_version(PolicyArn=policy["PolicyArn"], VersionId=version)["PolicyVersion"]
        source = json.loads((repo_root / "docs" / f"{policy['PolicyName']}.json").read_text())
        statements = document["Document"]["Statement"]
        assert {s.get("Sid") for s in statements} <= {s.get("Sid") for s in source["Statement"]}
        assert all(s["Resource"] == "*" for s in statements if "Resource" in s)
        # Actions unchanged.
        by_sid = {s.get("Sid"): s for s in source["Statement"]}
        assert all(s["Action"] == by_sid[s.get("Sid")]["Action"] for s in statements if "Action" in s)


def test_every_request_is_in_the_call_log(moto: MotoServer):
    moto.client("sts").get_caller_identity()
    moto.client("eks").list_clusters()
    calls = moto.calls()
    assert calls
    assert all(set(call) == CALL_FIELDS for call in calls), calls[-1]
    sts, eks = calls[-2:]
    assert (sts["service"], sts["action"], sts["user"]) == ("sts", "GetCallerIdentity", ADMIN)
    assert sts["allowed"] is True
    assert sts["querystring"]["Action"] == ["GetCallerIdentity"]
    assert (eks["service"], eks["action"]) == ("eks", "ListClusters")
    assert (eks["method"], eks["path"], eks["body"]) == ("GET", "/clusters", "")
    assert eks["region"] == "us-east-1"


def test_the_operator_follows_the_policy_files(tmp_path: Path, repo_root: Path):
    """A long-lived moto (the shared one keeps a deploy's state) enforces the files as they are now."""
    docs = tmp_path / "repo" / "docs"
    shutil.copytree(repo_root / "docs", docs)
    extra = docs / "operator-extra.json"
    with moto_server(tmp_path / "moto.log", repo_root=docs.parent) as server:
        iam = server.client("iam", profile=OPERATOR)
        with pytest.raises(iam.exceptions.ClientError, match="AccessDenied"):
            iam.list_users()
        grant = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:ListUsers",
                                                          "Resource": "arn:aws:iam::ACCOUNT_ID:user/*"}]}
        extra.write_text(json.dumps(grant))
        iam.list_users()
        grant["Statement"][0]["Action"] = "iam:ListGroups"
        extra.write_text(json.dumps(grant) + "\n")
        iam.list_groups()
        with pytest.raises(iam.exceptions.ClientError, match="AccessDenied"):
            iam.list_users()
        extra.unlink()
        with pytest.raises(iam.exceptions.ClientError, match="AccessDenied"):
            iam.list_groups()
