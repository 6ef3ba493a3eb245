"""What a deploy leaves in an AWS account once torn down: one check shared by every teardown test.

It covers every kind of resource the flow creates (roles/*: iam, network, eks_cluster, fargate_profile,
ecr, build_host, lb_controller through the load balancer controller, the log groups EKS and app_logs make,
tls_certificate's ACM certificate and dns_record's Route 53 record) and
the teardown role removes (roles/teardown/defaults/main.yml, teardown_steps). It is meant for a throwaway
account (the tests' own moto): what is not a default of the account counts as the deploy's, so a kind
is listed whole (VPCs except the default one, every Elastic IP, load balancer, key pair...), and IAM,
whose names are global, by the project's prefix. The one exception is what the administrator creates
once before any deploy (docs/bootstrap/*.json, the permissions boundary): teardown keeps it on purpose.
"""

from collections.abc import Callable, Iterable, Iterator
from typing import Any, NamedTuple

from tests.support.ansible import REPO_ROOT

ClientFactory = Callable[[str], Any]  # service name -> boto3 client, e.g. MotoServer.client

# Managed policies of the one-time administrator step (docs/aws.md): they outlive every deploy.
ADMIN_POLICIES = frozenset(path.stem for path in (REPO_ROOT / "docs" / "bootstrap").glob("*.json"))


def _pages(client: Any, operation: str, key: str, **kwargs: Any) -> Iterator[Any]:
    for page in client.get_paginator(operation).paginate(**kwargs):
        yield from page[key]


class Leftover(NamedTuple):
    kind: str  # "IAM role", "VPC", ...
    name: str  # its name, or its ID where it has none

    def __str__(self) -> str:
        return f"{self.kind} {self.name}"


def _named(kind: str, names: Iterable[str]) -> list[Leftover]:
    return [Leftover(kind, name) for name in sorted(names)]


def _iam(client: ClientFactory, project: str) -> list[Leftover]:
    iam = client("iam")
    roles = (r["RoleName"] for r in _pages(iam, "list_roles", "Roles"))
    profiles = (p["InstanceProfileName"] for p in _pages(iam, "list_instance_profiles", "InstanceProfiles"))
    policies = (p["PolicyName"] for p in _pages(iam, "list_policies", "Policies", Scope="Local"))
    providers = (p["Arn"] for p in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"])
    return (_named("IAM role", (name for name in roles if name.startswith(project)))
            + _named("IAM instance profile", (name for name in profiles if name.startswith(project)))
            + _named("IAM policy", (name for name in policies
                                    if name.startswith(project) and name not in ADMIN_POLICIES))
            + _named("OIDC provider", providers))


def _eks_ecr_cloudformation_logs(client: ClientFactory) -> list[Leftover]:
    eks = client("eks")
    clusters = list(_pages(eks, "list_clusters", "clusters"))
    # A Fargate profile lives in its cluster (AWS refuses to delete a cluster that still has one).
    profiles = (f"{cluster}/{name}" for cluster in clusters
                for name in _pages(eks, "list_fargate_profiles", "fargateProfileNames", clusterName=cluster))
    repositories = (r["repositoryName"]
                    for r in _pages(client("ecr"), "describe_repositories", "repositories"))
    stacks = (s["StackName"] for s in _pages(client("cloudformation"), "list_stacks", "StackSummaries")
              if s["StackStatus"] != "DELETE_COMPLETE")
    log_groups = (g["logGroupName"] for g in _pages(client("logs"), "describe_log_groups", "logGroups"))
    return (_named("EKS cluster", clusters) + _named("Fargate profile", profiles)
            + _named("ECR repository", repositories) + _named("CloudFormation stack", stacks)
            + _named("log group", log_groups))


def _ec2_elbv2(client: ClientFactory) -> list[Leftover]:
    ec2, elbv2 = client("ec2"), client("elbv2")
    instances = (i["InstanceId"] for r in _pages(ec2, "describe_instances", "Reservations")
                 for i in r["Instances"] if i["State"]["Name"] != "terminated")
    key_pairs = (k["KeyName"] for k in ec2.describe_key_pairs()["KeyPairs"])
    addresses = (a.get("AllocationId", a["PublicIp"]) for a in ec2.describe_addresses()["Addresses"])
    vpcs = (v["VpcId"] for v in _pages(ec2, "describe_vpcs", "Vpcs") if not v["IsDefault"])
    # The build host's group, the load balancer controller's: each VPC's own "default" group goes with it.
    groups = (f"{g['GroupName']} ({g['GroupId']})" for g in _pages(ec2, "describe_security_groups",
                                                                   "SecurityGroups")
              if g["GroupName"] != "default")
    balancers = (b["LoadBalancerName"] for b in _pages(elbv2, "describe_load_balancers", "LoadBalancers"))
    target_groups = (t["TargetGroupName"] for t in _pages(elbv2, "describe_target_groups", "TargetGroups"))
    return (_named("EC2 instance", instances) + _named("key pair", key_pairs)
            + _named("Elastic IP", addresses) + _named("VPC", vpcs) + _named("security group", groups)
            + _named("load balancer", balancers) + _named("target group", target_groups))


def _acm_route53(client: ClientFactory) -> list[Leftover]:
    certificates = (c["CertificateArn"] for c in _pages(client("acm"), "list_certificates",
                                                         "CertificateSummaryList"))
    route53 = client("route53")
    # The hosted zone is the user's (given, never created); what a deploy adds in it is a record.
    # A zone's own SOA and NS records come and go with the zone.
    records = (f"{record['Name']} {record['Type']} ({zone['Name']})"
               for zone in _pages(route53, "list_hosted_zones", "HostedZones")
               for record in _pages(route53, "list_resource_record_sets", "ResourceRecordSets",
                                    HostedZoneId=zone["Id"])
               if record["Type"] not in ("SOA", "NS"))
    return _named("ACM certificate", certificates) + _named("Route 53 record", records)


def leftovers(client: ClientFactory, project: str = "banknote") -> list[Leftover]:
    """Everything still there, one (kind, name) each; [] when the account is back to nothing.

    client: service name -> boto3 client on the account and region of the deploy (MotoServer.client)."""
    return (_iam(client, project) + _eks_ecr_cloudformation_logs(client) + _ec2_elbv2(client)
            + _acm_route53(client))


def assert_nothing_left(client: ClientFactory, project: str = "banknote") -> None:
    left = leftovers(client, project)
    assert left == [], "left behind:\n" + "\n".join(map(str, left))
