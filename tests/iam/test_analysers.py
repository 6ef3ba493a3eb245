"""parliament and cloudsplaining over every policy the project ships or creates (requirements/iam-analysers).

Zero errors; every other finding is listed, with its justification, in docs/aws.md ("IAM policy analyser
findings"), and the findings must equal that list: a new finding fails until it is fixed or justified.
"""

import json
import re
import subprocess
from pathlib import Path

import jinja2
import jinja2.nativetypes
import pytest
import yaml

from tests.support.iam_policy import ACCOUNT_ID, ROOT, load_policy

ANALYSER_PYTHON = ROOT / ".venv-iam/bin/python"
RUNNER = Path(__file__).with_name("run_analysers.py")
ROLE = ROOT / "roles/iam"
# Values the role's templates are rendered with (an AWS account as the role would see it).
FACTS = {
    "project_name": "banknote",
    "aws_region": "us-east-1",
    "project_tags": {"Project": "banknote"},
    "iam_caller": {"account": ACCOUNT_ID},
    # vars/main.yml's account id (preflight's, else iam's own lookup), which some vars render before it, and
    # irsa.yml's task-level alias of it (task vars are not rendered here).
    "iam_account_id": ACCOUNT_ID,
    "iam_account": ACCOUNT_ID,
    "iam_irsa_caller": {"account": ACCOUNT_ID},
    "iam_issuer": "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE",
    "app_log_group_name": "/banknote/app",
}


def _render(value, variables, env):
    if isinstance(value, str):
        rendered = env.from_string(value).render(**variables)
        return (
            json.loads(rendered)
            if isinstance(rendered, str) and rendered.lstrip().startswith("{")
            else rendered
        )
    if isinstance(value, dict):
        return {k: _render(v, variables, env) for k, v in value.items()}
    if isinstance(value, list):
        return [_render(v, variables, env) for v in value]
    return value


def role_policies(role: Path = ROLE) -> dict[str, dict]:
    """The inline and trust policies roles/iam creates, rendered from its tasks, vars and defaults."""
    env = jinja2.nativetypes.NativeEnvironment(undefined=jinja2.StrictUndefined)
    env.filters["to_json"] = json.dumps
    env.filters["regex_replace"] = lambda s, pattern, repl: re.sub(pattern, repl, s)
    variables = dict(FACTS)
    for name in ("defaults/main.yml", "vars/main.yml"):
        for key, value in yaml.safe_load((role / name).read_text()).items():
            variables[key] = _render(value, variables, env) if isinstance(value, str) else value
    policies = {}
    for task_file in sorted((role / "tasks").glob("*.yml")):
        for task in yaml.safe_load(task_file.read_text()) or []:
            module = task.get("amazon.aws.iam_role") or task.get("amazon.aws.iam_policy") or {}
            for field in ("assume_role_policy_document", "policy_json"):
                if field in module and "lookup(" not in str(module[field]):
                    name = _render(module.get("name") or module.get("policy_name"), variables, env)
                    policy = _render(module[field], variables, env)
                    if field == "assume_role_policy_document":  # the role is the trust policy's resource
                        role = f"arn:aws:iam::{ACCOUNT_ID}:role/{name}"
                        policy["Statement"] = [{**st, "Resource": role} for st in policy["Statement"]]
                    policies[f"{task_file.name}:{name}:{field}"] = policy
    return policies


def shipped_policies(root: Path = ROOT) -> dict[str, dict]:
    paths = [
        *sorted((root / "docs").glob("operator*.json")),
        *sorted((root / "docs/bootstrap").glob("*.json")),
    ]
    paths += sorted((root / "roles/iam/files").glob("*.json"))
    return {p.relative_to(root).as_posix(): load_policy(p) for p in paths} | role_policies(root / "roles/iam")


def analyse(policies: dict[str, dict]) -> list[str]:
    if not ANALYSER_PYTHON.exists():
        pytest.fail("no .venv-iam: run scripts/setup.sh (it installs requirements/iam-analysers.txt there)")
    run = subprocess.run(
        [str(ANALYSER_PYTHON), str(RUNNER)],
        input=json.dumps(policies),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(run.stdout)


def justified_findings() -> dict[str, str]:
    """docs/aws.md's list: lines "- `finding` — why" under the heading "IAM policy analyser findings"."""
    text = (ROOT / "docs/aws.md").read_text()
    section = text.split("### IAM policy analyser findings", 1)[1].split("\n#", 1)[0]
    return dict(re.findall(r"^- `([^`]+)`\s*[—-]+\s*(.+)$", section, re.MULTILINE))


def test_role_policies_are_rendered():
    policies = role_policies()
    build_host = policies["build_host_access.yml:ecr-push-pull:policy_json"]
    assert build_host["Statement"][1]["Resource"] == f"arn:aws:ecr:us-east-1:{ACCOUNT_ID}:repository/banknote"
    trust = policies["present.yml:banknote-fargate-pod-execution:assume_role_policy_document"]
    assert trust["Statement"][0]["Condition"]["ArnLike"]["aws:SourceArn"].endswith(
        ":fargateprofile/banknote/*"
    )
    assert "irsa.yml:banknote-lb-controller:assume_role_policy_document" in policies
    app_logs = policies["present.yml:app-logs:policy_json"]["Statement"][0]
    assert app_logs["Resource"] == [f"arn:aws:logs:us-east-1:{ACCOUNT_ID}:log-group:/banknote/app",
                                    f"arn:aws:logs:us-east-1:{ACCOUNT_ID}:log-group:/banknote/app:*"]


@pytest.fixture(scope="module")
def findings() -> list[str]:
    return analyse(shipped_policies())


def test_no_errors(findings):
    assert [f for f in findings if " ERROR " in f or " CRITICAL " in f] == []


def test_findings_are_the_justified_ones(findings):
    justified = justified_findings()
    assert all(why.strip() for why in justified.values())
    assert sorted(findings) == sorted(justified), "fix the new finding or justify it in docs/aws.md"


def test_no_iam_privilege_escalation(findings):
    """Defect 11: cloudsplaining finds no IAM escalation path (PutRolePolicy, UpdateAssumeRolePolicy, ...)
    in the operator policies; before the boundary it found four."""
    assert [f for f in findings if "PrivilegeEscalation" in f and " docs/operator" in f and "iam:" in f] == []


@pytest.mark.parametrize(
    "path",
    sorted(
        p.relative_to(ROOT).as_posix()
        for p in [*(ROOT / "docs").glob("operator*.json"), *(ROOT / "docs/bootstrap").glob("*.json")]
    ),
)
def test_managed_policy_fits(path):
    """IAM's limit for a managed policy document: 6,144 characters, whitespace excluded."""
    assert len(json.dumps(load_policy(ROOT / path), separators=(",", ":"))) <= 6144


def test_boundary_covers_what_the_roles_need():
    """A role can use only what its policies and the boundary both allow: the boundary covers every grant."""
    boundary = load_policy(ROOT / "docs/bootstrap/banknote-permissions-boundary.json")
    granted = {a for s in boundary["Statement"] for a in s["Action"]}
    from moto.iam.aws_managed_policies import (
        aws_managed_policies_data,
    )  # AWS's managed policies, as moto ships them

    managed = json.loads(aws_managed_policies_data)
    role_docs = [
        managed[n]["Document"] for n in ("AmazonEKSClusterPolicy", "AmazonEKSFargatePodExecutionRolePolicy")
    ]
    role_docs += [load_policy(p) for p in (ROLE / "files").glob("*.json")]
    role_docs += [p for k, p in role_policies().items() if k.endswith(":policy_json")]
    needed = {
        a
        for doc in role_docs
        for s in doc["Statement"]
        for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    assert sorted(needed - granted) == []
    # No IAM or STS writes (the load balancer's service-linked role aside, conditioned on its service name).
    writes = [
        a
        for a in granted
        if a.startswith(("iam:", "sts:")) and not a.split(":")[1].startswith(("Get", "List"))
    ]
    assert writes == ["iam:CreateServiceLinkedRole"]
