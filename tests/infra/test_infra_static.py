"""Static checks of the infra code: cfn-lint, ansible-lint (production profile), the preflight filters."""

import json
import subprocess

import pytest
from infra_helpers import preflight_filters

from tests.support.ansible import REPO_ROOT, VENV_BIN

INFRA_PATHS = [
    "roles/preflight",
    "roles/iam",
    "roles/network",
    "roles/ecr",
    "roles/eks_cluster",
    "roles/fargate_profile",
    "roles/teardown",
    "playbooks/infra.yml",
    "playbooks/teardown.yml",
]


filters = preflight_filters


def test_cfn_lint_network_template():
    result = subprocess.run(
        [str(VENV_BIN / "cfn-lint"), "roles/network/files/vpc.yml"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_ansible_lint_production():
    result = subprocess.run(
        [str(VENV_BIN / "ansible-lint"), "--profile", "production", *INFRA_PATHS],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-5000:]


def test_yamllint_infra_paths():
    result = subprocess.run(
        [str(VENV_BIN / "yamllint"), "-s", *INFRA_PATHS, "inventory", ".ansible-lint", "molecule"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_overlaps_and_containment():
    assert filters.cidr_overlaps(["10.0.0.0/20", "10.0.16.0/20", "10.0.8.0/21"]) == [
        "10.0.0.0/20 and 10.0.8.0/21"
    ]
    assert filters.cidr_overlaps(["10.0.0.0/20", "10.0.16.0/20"]) == []
    assert filters.cidr_outside(["10.0.0.0/20", "10.1.0.0/20"], "10.0.0.0/16") == ["10.1.0.0/20"]
    assert filters.cidr_problem("10.0.0.0/16") == ""
    assert "not an IPv4 network" in filters.cidr_problem("10.0.0.1/16")  # host bits set


@pytest.mark.parametrize(
    ("cpu", "memory", "vcpu", "gb"),
    [
        ("250m", "512Mi", 0.25, 1),  # 512 MiB + 256 MiB agents rounds up to 1 GB
        ("100m", "70Mi", 0.25, 0.5),  # CoreDNS
        ("500m", "1Gi", 0.5, 2),
        ("1", "2Gi", 1, 3),
        ("2", "20Gi", 4, 21),  # 20 GiB + agents exceeds the 2 vCPU maximum of 16 GB
    ],
)
def test_fargate_pod_size(cpu, memory, vcpu, gb):
    assert filters.fargate_pod_size(cpu, memory) == {"vcpu": vcpu, "memory_gb": gb}


def test_fargate_fleet_totals():
    fleet = filters.fargate_fleet(
        [
            {"name": "app", "replicas": 2, "cpu": "250m", "memory": "512Mi"},
            {"name": "coredns", "replicas": 2, "cpu": "100m", "memory": "70Mi"},
        ]
    )
    assert fleet["vcpu"] == 1.0
    assert fleet["memory_gb"] == 3.0


@pytest.mark.parametrize("path", ["docs/operator-policy.json", "docs/operator-build-policy.json"])
def test_operator_policy_is_a_valid_managed_policy(path: str):
    text = (REPO_ROOT / path).read_text().replace("ACCOUNT_ID", "123456789012")
    policy = json.loads(text)
    # IAM's limit for a managed policy document, whitespace excluded.
    assert len(json.dumps(policy, separators=(",", ":"))) <= 6144
    statements = policy["Statement"]
    assert statements
    assert len({s["Sid"] for s in statements}) == len(statements)
    actions = [a for s in statements for a in s["Action"]]
    assert not [a for a in actions if a == "*" or a.endswith(":*")]
    # Actions on every resource are read-only, or only via CloudFormation, or conditioned on what is created.
    for statement in statements:
        if statement["Resource"] == "*" and "Condition" not in statement:
            assert all(
                a.split(":")[1].startswith(("Describe", "List", "Get", "Validate"))
                for a in statement["Action"]
            ), statement["Sid"]


def test_lb_controller_policy_is_the_published_shape():
    policy = json.loads((REPO_ROOT / "roles/iam/files/lb-controller-policy-v3.5.json").read_text())
    actions = {a for s in policy["Statement"] for a in s["Action"]}
    # Added in v2.12 (IPAM pools, rule priorities) and v2.13 (route tables): still in v3.5.
    assert {
        "ec2:DescribeIpamPools",
        "elasticloadbalancing:ModifyIpPools",
        "elasticloadbalancing:SetRulePriorities",
        "ec2:DescribeRouteTables",
    } <= actions
    creates = [s for s in policy["Statement"] if "elasticloadbalancing:CreateLoadBalancer" in s["Action"]]
    assert creates[0]["Condition"] == {"Null": {"aws:RequestTag/elbv2.k8s.aws/cluster": "false"}}
