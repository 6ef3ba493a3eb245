"""The infra phase end to end on moto: create, rerun, check mode, one role by tag, teardown twice.

The tests share one deployment (module fixtures) and run in file order; the wall times of the runs are
printed (figures for the report, never asserted).
"""

import json

import pytest
from infra_helpers import INFRA_TEARDOWN_STEPS

from tests.support.leftovers import leftovers

pytestmark = [pytest.mark.ansible, pytest.mark.slow]

PROJECT = "banknote"
ROLES = [
    f"{PROJECT}-eks-cluster",
    f"{PROJECT}-fargate-pod-execution",
    f"{PROJECT}-build-host",
    f"{PROJECT}-lb-controller",
]
PROFILES = [f"{PROJECT}-app", f"{PROJECT}-coredns", f"{PROJECT}-controllers"]
# Where moto makes check mode report a change (tests/infra/EMULATOR_GAPS.md): the change set moto
# computes for an unchanged stack is a CREATE.
CHECK_MODE_EMULATOR_CHANGES = {"network : VPC, subnets, internet and NAT gateways"}


@pytest.fixture(scope="module")
def check_on_empty_account(playbook, aws):
    """--check before anything exists: runs through, creates nothing."""
    run = playbook("playbooks/infra.yml", "--check")
    print(f"\ninfra --check on an empty account: {run.seconds:.1f} s, recap {run.recap}")
    return run, leftovers(aws, PROJECT)


@pytest.fixture(scope="module")
def first_run(check_on_empty_account, playbook):
    run = playbook("playbooks/infra.yml")
    print(f"\ninfra run 1: {run.seconds:.1f} s, recap {run.recap}")
    assert run.returncode == 0, run.explain()
    return run


@pytest.fixture(scope="module")
def teardown_check(first_run, playbook, aws):
    """teardown --check while everything exists: reports the deletions, deletes nothing."""
    run = playbook(
        "playbooks/teardown.yml", "--check", "-e", json.dumps({"teardown_steps": INFRA_TEARDOWN_STEPS})
    )
    print(f"\nteardown --check: {run.seconds:.1f} s, recap {run.recap}")
    still_there = {
        "clusters": aws("eks").list_clusters()["clusters"],
        # moto's check-mode change sets leave REVIEW_IN_PROGRESS records beside the stack (EMULATOR_GAPS.md).
        "stacks": [
            s["StackName"]
            for s in aws("cloudformation").describe_stacks()["Stacks"]
            if s["StackStatus"] != "REVIEW_IN_PROGRESS"
        ],
        "profiles": aws("eks").list_fargate_profiles(clusterName=PROJECT)["fargateProfileNames"],
    }
    return run, still_there


@pytest.fixture(scope="module")
def teardown_runs(teardown_check, playbook, aws):
    """Two teardowns in a row: the runs, and what each left behind (tests/support/leftovers.py)."""
    steps = json.dumps({"teardown_steps": INFRA_TEARDOWN_STEPS})
    runs, left = [], []
    for n in (1, 2):
        run = playbook("playbooks/teardown.yml", "-e", steps)
        print(f"\nteardown run {n}: {run.seconds:.1f} s, recap {run.recap}")
        assert run.returncode == 0, run.explain()
        runs.append(run)
        left.append([str(leftover) for leftover in leftovers(aws, PROJECT)])
    return runs, left


def test_check_mode_on_an_empty_account_creates_nothing(check_on_empty_account):
    run, created = check_on_empty_account
    assert run.returncode == 0, run.explain()
    assert run.recap["changed"] > 0  # it reports what it would create
    assert created == []


def test_first_run_creates_everything(first_run, aws):
    assert first_run.recap["changed"] > 0

    cfn = aws("cloudformation").describe_stacks(StackName=f"{PROJECT}-network")["Stacks"][0]
    assert cfn["StackStatus"] == "CREATE_COMPLETE"
    outputs = {o["OutputKey"]: o["OutputValue"] for o in cfn["Outputs"]}
    assert {
        "VpcId",
        "PublicSubnetIds",
        "PrivateSubnetIds",
        "PublicSubnet1",
        "PublicSubnet2",
        "PrivateSubnet1",
        "PrivateSubnet2",
    } <= set(outputs)
    private = outputs["PrivateSubnetIds"].split(",")
    public = outputs["PublicSubnetIds"].split(",")
    ec2 = aws("ec2")
    subnets = {s["SubnetId"]: s for s in ec2.describe_subnets(SubnetIds=private + public)["Subnets"]}
    tags = {sid: {t["Key"]: t["Value"] for t in s.get("Tags", [])} for sid, s in subnets.items()}
    assert all(tags[s].get("kubernetes.io/role/internal-elb") == "1" for s in private)
    assert all(tags[s].get("kubernetes.io/role/elb") == "1" for s in public)
    assert all(tags[s].get(f"kubernetes.io/cluster/{PROJECT}") == "shared" for s in subnets)
    assert len({subnets[s]["AvailabilityZone"] for s in private}) == 2
    assert (
        len(
            ec2.describe_nat_gateways(Filters=[{"Name": "vpc-id", "Values": [outputs["VpcId"]]}])[
                "NatGateways"
            ]
        )
        == 1
    )

    iam = aws("iam")
    for name in ROLES:
        role_tags = {t["Key"]: t["Value"] for t in iam.list_role_tags(RoleName=name)["Tags"]}
        assert role_tags.get("Project") == PROJECT, name
    assert iam.get_instance_profile(InstanceProfileName=f"{PROJECT}-build-host")["InstanceProfile"]["Roles"]
    push_policy = iam.get_role_policy(RoleName=f"{PROJECT}-build-host", PolicyName="ecr-push-pull")
    statements = push_policy["PolicyDocument"]["Statement"]
    wildcard = [s for s in statements if s["Resource"] == "*"]
    assert [s["Action"] for s in wildcard] == ["ecr:GetAuthorizationToken"]

    eks = aws("eks")
    cluster = eks.describe_cluster(name=PROJECT)["cluster"]
    assert cluster["status"] == "ACTIVE"
    assert set(cluster["resourcesVpcConfig"]["subnetIds"]) == set(private + public)
    enabled = {
        t for entry in cluster["logging"]["clusterLogging"] if entry["enabled"] for t in entry["types"]
    }
    assert enabled == {"api", "audit", "authenticator"}
    issuer = cluster["identity"]["oidc"]["issuer"].removeprefix("https://")
    providers = [p["Arn"] for p in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]]
    assert any(arn.endswith(issuer) for arn in providers)
    trust = iam.get_role(RoleName=f"{PROJECT}-lb-controller")["Role"]["AssumeRolePolicyDocument"]
    condition = trust["Statement"][0]["Condition"]["StringEquals"]
    assert condition[f"{issuer}:sub"] == "system:serviceaccount:kube-system:aws-load-balancer-controller"

    assert sorted(eks.list_fargate_profiles(clusterName=PROJECT)["fargateProfileNames"]) == sorted(PROFILES)
    coredns = eks.describe_fargate_profile(clusterName=PROJECT, fargateProfileName=f"{PROJECT}-coredns")
    assert coredns["fargateProfile"]["selectors"] == [
        {"namespace": "kube-system", "labels": {"k8s-app": "kube-dns"}}
    ]
    assert set(coredns["fargateProfile"]["subnets"]) == set(private)

    ecr = aws("ecr")
    repo = ecr.describe_repositories(repositoryNames=[PROJECT])["repositories"][0]
    assert repo["imageTagMutability"] == "IMMUTABLE"
    assert repo["imageScanningConfiguration"]["scanOnPush"] is True
    assert repo["encryptionConfiguration"]["encryptionType"] == "AES256"
    lifecycle = json.loads(ecr.get_lifecycle_policy(repositoryName=PROJECT)["lifecyclePolicyText"])
    assert len(lifecycle["rules"]) == 2
    repo_tags = {
        t["Key"]: t["Value"] for t in ecr.list_tags_for_resource(resourceArn=repo["repositoryArn"])["tags"]
    }
    assert repo_tags.get("Project") == PROJECT


def test_second_run_changes_nothing(first_run, playbook):
    run = playbook("playbooks/infra.yml")
    print(f"\ninfra run 2: {run.seconds:.1f} s, recap {run.recap}")
    assert run.returncode == 0, run.explain()
    assert run.recap["changed"] == 0, run.changed_tasks()


def test_check_mode_changes_nothing_but_the_emulator_quirk(first_run, playbook):
    run = playbook("playbooks/infra.yml", "--check")
    print(f"\ninfra --check: {run.seconds:.1f} s, recap {run.recap}")
    assert run.returncode == 0, run.explain()
    assert set(run.changed_tasks()) <= CHECK_MODE_EMULATOR_CHANGES
    assert run.recap["changed"] == len(run.changed_tasks())


def test_tag_runs_only_that_role(first_run, playbook, aws):
    aws("ecr").delete_repository(repositoryName=PROJECT, force=True)
    run = playbook("playbooks/infra.yml", "--tags", "ecr")
    assert run.returncode == 0, run.explain()
    # Tasks that ran, by role, apart from each role's argument validation (Ansible tags that "always").
    roles_run = {name.split(" : ")[0] for name in run.task_names()
                 if " : " in name and "Validating arguments against arg spec" not in name}
    assert roles_run <= {"ecr", "preflight"}, roles_run
    assert "ecr" in roles_run
    assert set(run.changed_tasks()) == {
        "ecr : Repository (scan on push, immutable tags, lifecycle, encryption)",
        "ecr : Repository tags",
    }
    assert aws("ecr").describe_repositories(repositoryNames=[PROJECT])["repositories"]


def test_teardown_check_mode_deletes_nothing(teardown_check):
    run, still_there = teardown_check
    assert run.returncode == 0, run.explain()
    assert run.recap["changed"] > 0
    assert still_there["clusters"] == [PROJECT]
    assert still_there["stacks"] == [f"{PROJECT}-network"]
    assert sorted(still_there["profiles"]) == sorted(PROFILES)


def test_teardown_removes_everything(teardown_runs):
    runs, left = teardown_runs
    assert left == [[], []], left
    # Fargate profiles: moto answers ListFargateProfiles for a deleted cluster with HTTP 500, so the
    # profiles are checked in the teardown's results: each was deleted (and waited for) before the cluster.
    deleted = runs[0].changed_items("fargate_profile : Delete the Fargate profile")
    assert set(PROFILES) <= set(deleted), runs[0].explain()


def test_second_teardown_changes_nothing(teardown_runs):
    runs, _ = teardown_runs
    assert runs[0].recap["changed"] > 0
    assert runs[1].recap["changed"] == 0, runs[1].changed_tasks()
