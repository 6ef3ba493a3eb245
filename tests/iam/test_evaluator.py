"""The local IAM evaluator (tests/support/iam_policy.py) on synthetic calls, against the real policies."""

import json
import uuid

import pytest

from tests.support import iam_policy as iam
from tests.support.iam_policy import ACCOUNT_ID, Request, evaluate

REGION = "us-east-1"
BOUNDARY = f"arn:aws:iam::{ACCOUNT_ID}:policy/banknote-permissions-boundary"
GITHUB = "token.actions.githubusercontent.com"


def entry(service, action, querystring=None, *, body=None, path="/", method="POST", user=iam.OPERATOR_USER):
    """One line of the moto launcher's call log."""
    qs = {"Action": [action], **{k: [v] for k, v in (querystring or {}).items()}}
    return {
        "time": 0.0,
        "service": service,
        "action": action,
        "region": REGION,
        "access_key_id": "AKIA",
        "user": user,
        "method": method,
        "path": path,
        "querystring": qs if body is None else {},
        "body": json.dumps(body) if body is not None else "",
        "allowed": True,
    }


def decisions(*entries, policies=None):
    report = iam.evaluate_calls(list(entries), policies)
    return {
        (f.request.action, f.request.resource): f.decision
        for f in report.allowed + report.denied + report.unchecked
    }


def only(*entries, policies=None):
    found = decisions(*entries, policies=policies)
    assert len(found) == 1, found
    return next(iter(found.items()))


# --- evaluation logic on small policies --------------------------------------------------------------

ALLOW_S3 = {"Statement": [{"Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:aws:s3:::bucket/*"}]}


@pytest.mark.parametrize(
    ("action", "resource", "expected"),
    [
        ("s3:GetObject", "arn:aws:s3:::bucket/key", "allow"),
        ("S3:getobject", "arn:aws:s3:::bucket/key", "allow"),  # actions are case-insensitive
        ("s3:GetObject", "arn:aws:s3:::other/key", "implicit_deny"),
        ("s3:PutObject", "arn:aws:s3:::bucket/key", "implicit_deny"),
        ("s3:GetObject", "*", "implicit_deny"),  # an ARN pattern never matches the "*" of unscoped actions
    ],
)
def test_action_and_resource_wildcards(action, resource, expected):
    assert evaluate([ALLOW_S3], Request(action, resource)).result == expected


def test_policy_variables_in_resources():
    policy = {"Statement": [{"Effect": "Allow", "Action": "iam:GetUser", "Resource": "${aws:PrincipalArn}"}]}
    me = "arn:aws:iam::1:user/me"
    assert (
        evaluate([policy], Request("iam:GetUser", me, context={"aws:PrincipalArn": [me]})).result == "allow"
    )
    other = Request("iam:GetUser", "arn:aws:iam::1:user/other", context={"aws:PrincipalArn": [me]})
    assert evaluate([policy], other).result == "implicit_deny"


def test_explicit_deny_wins_and_not_action_not_resource():
    policies = [
        {"Statement": [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]},
        {"Statement": [{"Effect": "Deny", "Action": "ec2:*", "NotResource": "arn:aws:ec2:*:*:instance/i-1"}]},
    ]
    assert evaluate(policies, Request("s3:GetObject", "arn:aws:s3:::b")).result == "allow"
    assert evaluate(policies, Request("iam:GetRole", "arn:aws:iam::1:role/x")).result == "implicit_deny"
    assert evaluate(policies, Request("ec2:StopInstances", "arn:aws:ec2:r:1:instance/i-2")).result == "deny"
    assert evaluate(policies, Request("ec2:StopInstances", "arn:aws:ec2:r:1:instance/i-1")).result == "allow"


def conditional(operator, key, value):
    return [
        {
            "Statement": [
                {"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {operator: {key: value}}}
            ]
        }
    ]


@pytest.mark.parametrize(
    ("operator", "value", "context", "absent", "expected"),
    [
        ("StringEquals", "a", {"k:x": ["a"]}, [], "allow"),
        ("StringEquals", "a", {"k:x": ["b"]}, [], "implicit_deny"),
        ("StringEquals", "a", {}, ["k:x"], "implicit_deny"),  # absent key: positive operator false
        ("StringNotEquals", "a", {}, ["k:x"], "allow"),  # negated operator true
        ("StringEqualsIfExists", "a", {}, ["k:x"], "allow"),
        ("StringLike", "a*", {"k:x": ["abc"]}, [], "allow"),
        ("ArnLike", "arn:aws:iam::*:role/b-*", {"k:x": ["arn:aws:iam::1:role/b-x"]}, [], "allow"),
        ("ArnEquals", "arn:aws:iam::1:role/b", {"k:x": ["arn:aws:iam::1:role/c"]}, [], "implicit_deny"),
        ("ForAnyValue:StringEquals", ["a", "b"], {"k:x": ["c", "b"]}, [], "allow"),
        ("ForAnyValue:StringEquals", ["a"], {}, ["k:x"], "implicit_deny"),
        ("ForAllValues:StringEquals", ["a", "b"], {"k:x": ["a", "c"]}, [], "implicit_deny"),
        ("ForAllValues:StringEquals", ["a"], {}, ["k:x"], "allow"),  # empty set: vacuously true
        ("Null", "true", {}, ["k:x"], "allow"),
        ("Null", "false", {}, ["k:x"], "implicit_deny"),
        ("Bool", "true", {"k:x": ["true"]}, [], "allow"),
        ("StringEquals", "a", {}, [], "unchecked"),  # neither known nor known absent: never allowed
    ],
)
def test_condition_operators(operator, value, context, absent, expected):
    request = Request("s3:GetObject", "*", context=context, absent=absent)
    assert evaluate(conditional(operator, "k:x", value), request).result == expected


def test_unknown_condition_in_a_deny_is_unchecked_not_allowed():
    policies = [
        {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},
        {
            "Statement": [
                {
                    "Effect": "Deny",
                    "Action": "*",
                    "Resource": "*",
                    "Condition": {"StringEquals": {"k:x": "a"}},
                }
            ]
        },
    ]
    decision = evaluate(policies, Request("s3:GetObject", "*", unknown={"k:x": "state"}))
    assert decision.result == "unchecked"
    assert decision.reasons == ["k:x: state"]


# --- the Service Authorization Reference ------------------------------------------------------------


def test_reference_is_policy_sentrys_copy():
    ec2 = iam.service_reference()["ec2"]
    assert ec2["privileges"]["RunInstances"]["resource_types"]["instance"]["required"] is True
    assert iam.arn_template("iam", "role") == "arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}"
    assert "iam:PermissionsBoundary" in iam.supported_condition_keys("iam:PutRolePolicy", "role")


# --- real policies, real defects --------------------------------------------------------------------


def test_get_oidc_provider_of_github_actions_is_denied():
    """Defect 5's cause: the policy scopes GetOpenIDConnectProvider to EKS issuers."""
    arn = f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/token.actions.githubusercontent.com"
    (action, resource), decision = only(
        entry("iam", "GetOpenIDConnectProvider", {"OpenIDConnectProviderArn": arn})
    )
    assert (action, resource, decision.result) == ("iam:GetOpenIDConnectProvider", arn, "implicit_deny")
    eks = f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC"
    assert (
        only(entry("iam", "GetOpenIDConnectProvider", {"OpenIDConnectProviderArn": eks}))[1].result == "allow"
    )


def test_ec2_key_temporary_key_pair_is_denied():
    """Defect 1: ec2_key (force: true) imports a temporary ansible-<uuid> key pair."""
    temp = f"ansible-{uuid.uuid4()}"
    (_, resource), decision = only(entry("ec2", "ImportKeyPair", {"KeyName": temp, "PublicKeyMaterial": "x"}))
    assert resource == f"arn:aws:ec2:{REGION}:{ACCOUNT_ID}:key-pair/{temp}"
    assert decision.result == "implicit_deny"
    assert only(entry("ec2", "ImportKeyPair", {"KeyName": "banknote-build-host"}))[1].result == "allow"


def test_unscoped_describe_is_checked_against_resource_star():
    (_, resource), decision = only(entry("ec2", "DescribeVpcs"))
    assert (resource, decision.result) == ("*", "allow")


def test_elbv2_maps_to_the_elasticloadbalancing_prefix():
    (action, _), decision = only(entry("elbv2", "DescribeLoadBalancers"))
    assert (action, decision.result) == ("elasticloadbalancing:DescribeLoadBalancers", "allow")


def test_eks_rest_paths_give_the_resource():
    (_, resource), decision = only(
        entry("eks", "DescribeCluster", path="/clusters/banknote", method="GET", body={})
    )
    assert (resource, decision.result) == (f"arn:aws:eks:{REGION}:{ACCOUNT_ID}:cluster/banknote", "allow")
    assert (
        only(entry("eks", "DescribeCluster", path="/clusters/other", method="GET", body={}))[1].result
        == "implicit_deny"
    )


def test_security_group_create_needs_the_project_tag():
    tagged = {
        "GroupName": "banknote-build-host",
        "GroupDescription": "d",
        "VpcId": "vpc-1",
        "TagSpecification.1.ResourceType": "security-group",
        "TagSpecification.1.Tag.1.Key": "Project",
        "TagSpecification.1.Tag.1.Value": "banknote",
    }
    group = f"arn:aws:ec2:{REGION}:{ACCOUNT_ID}:security-group/*"
    found = decisions(entry("ec2", "CreateSecurityGroup", tagged))
    assert found[("ec2:CreateSecurityGroup", group)].result == "allow"
    assert found[("ec2:CreateTags", group)].result == "allow"  # tag-on-create, ec2:CreateAction
    untagged = {k: v for k, v in tagged.items() if not k.startswith("TagSpecification")}
    assert (
        decisions(entry("ec2", "CreateSecurityGroup", untagged))[("ec2:CreateSecurityGroup", group)].result
        == "implicit_deny"
    )


def test_request_tags_only_where_the_reference_lists_them():
    """CreateSecurityGroup's vpc resource takes no aws:RequestTag (Service Authorization Reference)."""
    call = iam.Call.from_log(
        entry(
            "ec2",
            "CreateSecurityGroup",
            {
                "VpcId": "vpc-1",
                "TagSpecification.1.ResourceType": "security-group",
                "TagSpecification.1.Tag.1.Key": "Project",
                "TagSpecification.1.Tag.1.Value": "banknote",
            },
        )
    )
    requests = {
        r.resource.rsplit(":", 1)[1]: r
        for r in iam.requests_for_call(call, iam.LogState())
        if r.action == "ec2:CreateSecurityGroup"
    }
    assert requests["security-group/*"].lookup("aws:RequestTag/Project") == ["banknote"]
    assert requests["vpc/vpc-1"].lookup("aws:RequestTag/Project") is None


def test_resource_tag_conditions_are_unchecked_with_the_reason():
    (_, resource), decision = only(entry("ec2", "TerminateInstances", {"InstanceId.1": "i-0abc"}))
    assert resource == f"arn:aws:ec2:{REGION}:{ACCOUNT_ID}:instance/i-0abc"
    assert decision.result == "unchecked"
    assert decision.reasons == [
        "aws:ResourceTag/Project: needs the resource's current tags (state, not in the call)"
    ]


def test_run_instances_passes_the_build_host_role_to_ec2():
    profile = entry(
        "iam",
        "AddRoleToInstanceProfile",
        {"InstanceProfileName": "banknote-build-host", "RoleName": "banknote-build-host"},
    )
    run = entry(
        "ec2",
        "RunInstances",
        {
            "ImageId": "ami-1",
            "SubnetId": "subnet-1",
            "KeyName": "banknote-build-host",
            "IamInstanceProfile.Name": "banknote-build-host",
            "SecurityGroupId.1": "sg-1",
            "TagSpecification.1.ResourceType": "instance",
            "TagSpecification.1.Tag.1.Key": "Project",
            "TagSpecification.1.Tag.1.Value": "banknote",
            "TagSpecification.2.ResourceType": "volume",
            "TagSpecification.2.Tag.1.Key": "Project",
            "TagSpecification.2.Tag.1.Value": "banknote",
        },
    )
    found = decisions(profile, run)
    pass_role = found[("iam:PassRole", f"arn:aws:iam::{ACCOUNT_ID}:role/banknote-build-host")]
    assert pass_role.result == "allow"
    run_results = {k[1].split(":")[-1]: d.result for k, d in found.items() if k[0] == "ec2:RunInstances"}
    assert run_results == {
        "image/ami-1": "allow",
        "instance/*": "allow",
        "volume/*": "allow",
        "network-interface/*": "allow",
        "security-group/sg-1": "allow",
        "subnet/subnet-1": "allow",
        "key-pair/banknote-build-host": "allow",
    }


def test_pass_role_to_another_service_is_denied():
    role = f"arn:aws:iam::{ACCOUNT_ID}:role/banknote-build-host"
    decision = evaluate(
        iam.operator_policies(),
        Request("iam:PassRole", role, context={"iam:PassedToService": ["lambda.amazonaws.com"]}),
    )
    assert decision.result == "implicit_deny"


# --- defect 11: the operator cannot grant itself more than the boundary ------------------------------

ROLE_TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
)


def create_role(**extra):
    return entry(
        "iam",
        "CreateRole",
        {"RoleName": "banknote-build-host", "AssumeRolePolicyDocument": ROLE_TRUST, **extra},
    )


def test_create_role_without_the_boundary_is_denied():
    assert (
        decisions(create_role())[
            ("iam:CreateRole", f"arn:aws:iam::{ACCOUNT_ID}:role/banknote-build-host")
        ].result
        == "implicit_deny"
    )


def test_create_role_with_another_boundary_is_denied():
    other = f"arn:aws:iam::{ACCOUNT_ID}:policy/AdministratorAccess"
    role = f"arn:aws:iam::{ACCOUNT_ID}:role/banknote-build-host"
    assert (
        decisions(create_role(PermissionsBoundary=other))[("iam:CreateRole", role)].result == "implicit_deny"
    )


def test_create_role_with_the_boundary_is_allowed_and_so_are_its_policies():
    role = f"arn:aws:iam::{ACCOUNT_ID}:role/banknote-build-host"
    put = entry(
        "iam", "PutRolePolicy", {"RoleName": "banknote-build-host", "PolicyName": "p", "PolicyDocument": "{}"}
    )
    found = decisions(create_role(PermissionsBoundary=BOUNDARY), put)
    assert found[("iam:CreateRole", role)].result == "allow"
    assert found[("iam:PutRolePolicy", role)].result == "allow"


def test_inline_policy_on_a_role_without_the_boundary_is_denied():
    """The escalation path: a banknote-* role created before (or without) the boundary gets any policy."""
    put = entry(
        "iam",
        "PutRolePolicy",
        {"RoleName": "banknote-build-host", "PolicyName": "admin", "PolicyDocument": "{}"},
    )
    attach = entry(
        "iam",
        "AttachRolePolicy",
        {"RoleName": "banknote-eks-cluster", "PolicyArn": "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"},
    )
    old_roles = [
        entry("iam", "CreateRole", {"RoleName": "banknote-build-host"}, user="admin"),
        entry("iam", "CreateRole", {"RoleName": "banknote-eks-cluster"}, user="admin"),
    ]
    found = decisions(*old_roles, put, attach)
    assert {k[0]: d.result for k, d in found.items()} == {
        "iam:PutRolePolicy": "implicit_deny",
        "iam:AttachRolePolicy": "implicit_deny",
    }


def test_role_changes_with_unknown_boundary_are_unchecked():
    put = entry(
        "iam", "PutRolePolicy", {"RoleName": "banknote-build-host", "PolicyName": "p", "PolicyDocument": "{}"}
    )
    (_, _), decision = only(put)
    assert decision.result == "unchecked"
    assert "iam:PermissionsBoundary" in decision.reasons[0]


@pytest.mark.parametrize(
    ("action", "params", "expected"),
    [
        ("DeleteRolePermissionsBoundary", {"RoleName": "banknote-build-host"}, "deny"),
        (
            "PutRolePermissionsBoundary",
            {
                "RoleName": "banknote-build-host",
                "PermissionsBoundary": "arn:aws:iam::aws:policy/AdministratorAccess",
            },
            "deny",
        ),
        (
            "PutRolePermissionsBoundary",
            {"RoleName": "banknote-build-host", "PermissionsBoundary": BOUNDARY},
            "allow",
        ),
        (
            "CreatePolicyVersion",
            {"PolicyArn": BOUNDARY, "PolicyDocument": "{}", "SetAsDefault": "true"},
            "deny",
        ),
        ("SetDefaultPolicyVersion", {"PolicyArn": BOUNDARY, "VersionId": "v1"}, "deny"),
        ("DeletePolicy", {"PolicyArn": BOUNDARY}, "deny"),
        (
            "UpdateAssumeRolePolicy",
            {"RoleName": "banknote-build-host", "PolicyDocument": ROLE_TRUST},
            "allow",
        ),
        (
            "AttachRolePolicy",
            {"RoleName": "banknote-build-host", "PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess"},
            "implicit_deny",
        ),
    ],
)
def test_boundary_cannot_be_removed_replaced_or_edited(action, params, expected):
    """With the boundary in place, nothing lets the operator lift it."""
    created = create_role(PermissionsBoundary=BOUNDARY)
    found = decisions(created, entry("iam", action, params))
    results = {d.result for k, d in found.items() if k[0] == f"iam:{action}"}
    assert results == {expected}


def test_update_assume_role_policy_needs_the_boundary():
    """A trust change on a role without the boundary would let a principal assume an unbounded role."""
    old = entry("iam", "CreateRole", {"RoleName": "banknote-build-host"}, user="admin")
    update = entry(
        "iam", "UpdateAssumeRolePolicy", {"RoleName": "banknote-build-host", "PolicyDocument": ROLE_TRUST}
    )
    found = decisions(old, update)
    assert {d.result for k, d in found.items() if k[0] == "iam:UpdateAssumeRolePolicy"} == {"implicit_deny"}


# --- the integration entry point ----------------------------------------------------------------------


def test_assert_calls_allowed_lists_every_call_outside_the_policy(tmp_path):
    log = tmp_path / "calls.jsonl"
    lines = [
        entry("sts", "GetCallerIdentity"),
        entry("ec2", "DescribeVpcs"),
        entry("ec2", "ImportKeyPair", {"KeyName": "ansible-1234"}),
        entry(
            "iam",
            "GetOpenIDConnectProvider",
            {"OpenIDConnectProviderArn": f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/{GITHUB}"},
        ),
    ]
    log.write_text("".join(json.dumps(line) + "\n" for line in lines))
    with pytest.raises(AssertionError) as failure:
        iam.assert_calls_allowed(log)
    message = str(failure.value)
    assert "ec2:ImportKeyPair on arn:aws:ec2:us-east-1:123456789012:key-pair/ansible-1234" in message
    assert "iam:GetOpenIDConnectProvider on arn:aws:iam::123456789012:oidc-provider/token.actions" in message
    log.write_text("".join(json.dumps(line) + "\n" for line in lines[:2]))
    counts = iam.assert_calls_allowed(log)
    assert counts["distinct_actions"] == 2  # sts:GetCallerIdentity needs no permission
    assert counts["checked_actions"] == 1


def test_local_only_calls_are_reported_apart():
    """The local target's stack-leftovers workaround deletes VPC resources directly; AWS never sees it."""
    counts = iam.evaluate_calls([entry("ec2", "DeleteNatGateway", {"NatGatewayId": "nat-1"})]).counts()
    assert counts["denied_actions"] == []
    assert list(counts["local_only_actions"]) == ["ec2:DeleteNatGateway"]


# --- actions the current Service Authorization Reference lists without a resource type -------------


def create_cluster(tags):
    body = {"name": "banknote", "roleArn": f"arn:aws:iam::{ACCOUNT_ID}:role/banknote-eks-cluster",
            "resourcesVpcConfig": {"subnetIds": ["subnet-1"]}, "tags": tags}
    return entry("eks", "CreateCluster", path="/clusters", body=body)


def test_create_cluster_is_allowed_on_star_only_with_the_project_tag():
    found = decisions(create_cluster({"Project": "banknote"}))
    assert found[("eks:CreateCluster", "*")].result == "allow"
    found = decisions(create_cluster({"Project": "other"}))
    assert found[("eks:CreateCluster", "*")].result == "implicit_deny"


def test_describe_log_groups_is_allowed():
    call = entry("logs", "DescribeLogGroups", body={"logGroupNamePrefix": "/aws/eks/banknote/"})
    assert only(call)[1].result == "allow"


def test_a_security_group_may_be_created_in_any_vpc_but_must_carry_the_project_tag():
    def create_security_group(project):
        return entry("ec2", "CreateSecurityGroup", {
            "GroupName": "banknote-build-host", "GroupDescription": "x", "VpcId": "vpc-1",
            "TagSpecification.1.ResourceType": "security-group",
            "TagSpecification.1.Tag.1.Key": "Project", "TagSpecification.1.Tag.1.Value": project})

    found = decisions(create_security_group("banknote"))
    vpc = f"arn:aws:ec2:{REGION}:{ACCOUNT_ID}:vpc/vpc-1"
    assert found[("ec2:CreateSecurityGroup", vpc)].result == "allow"
    assert {d.result for d in found.values()} == {"allow"}, found
    found = decisions(create_security_group("other"))
    assert "implicit_deny" in {d.result for d in found.values()}, found


def test_run_instances_through_a_network_interface_names_its_subnet_and_group():
    # amazon.aws.ec2_instance sends the subnet and groups on the first network interface.
    params = {"ImageId": "ami-1", "KeyName": "banknote-build-host", "MinCount": "1", "MaxCount": "1",
              "NetworkInterface.1.DeviceIndex": "0", "NetworkInterface.1.SubnetId": "subnet-1",
              "NetworkInterface.1.SecurityGroupId.1": "sg-1"}
    for n, kind in enumerate(("instance", "volume"), start=1):
        params |= {f"TagSpecification.{n}.ResourceType": kind, f"TagSpecification.{n}.Tag.1.Key": "Project",
                   f"TagSpecification.{n}.Tag.1.Value": "banknote"}
    found = decisions(entry("ec2", "RunInstances", params))
    run = {resource: d.result for (action, resource), d in found.items() if action == "ec2:RunInstances"}
    assert run[f"arn:aws:ec2:{REGION}:{ACCOUNT_ID}:subnet/subnet-1"] == "allow"
    assert run[f"arn:aws:ec2:{REGION}:{ACCOUNT_ID}:security-group/sg-1"] == "allow"
    assert set(run.values()) == {"allow"}, run
