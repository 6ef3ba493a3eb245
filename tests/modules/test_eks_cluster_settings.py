"""eks_cluster_settings against EKS-shaped responses (botocore's eks model; API reference:
https://docs.aws.amazon.com/eks/latest/APIReference/API_DescribeCluster.html, API_UpdateClusterConfig,
API_DescribeUpdate).

Moto has no accessConfig or upgradePolicy and replaces resourcesVpcConfig whole on UpdateClusterConfig
(EMULATOR_GAPS.md: eks_cluster_manage_access_config, _upgrade_policy, _endpoint_access: false), so this is
where those paths run: a cluster as community.aws.eks_cluster creates it, with EKS's defaults, converges
in one UpdateClusterConfig per kind of change (EKS takes one kind per call, one update at a time), each
waited for; the rerun changes nothing."""

import datetime

from tests.modules.harness import aws_error

EKS_CLUSTER_SETTINGS = "banknote.deploy.eks_cluster_settings"

WHEN = datetime.datetime(2026, 11, 30, 9, 0, tzinfo=datetime.UTC)
LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"]
VPC = {
    "subnetIds": ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"],
    "securityGroupIds": [],
    "clusterSecurityGroupId": "sg-0a1b2c3d4e5f60003",
    "vpcId": "vpc-0a1b2c3d4e5f60004",
    "endpointPublicAccess": True,
    "endpointPrivateAccess": False,
    "publicAccessCidrs": ["0.0.0.0/0"],
}
NAME = {"name": "banknote"}
ARGS = {
    "region": "eu-west-1",
    "name": "banknote",
    "authentication_mode": "API_AND_CONFIG_MAP",
    "logging_types": ["api", "audit", "authenticator"],
    "upgrade_support_type": "STANDARD",
    "endpoint_public_access": True,
    "endpoint_private_access": True,
    "public_access_cidrs": ["203.0.113.0/24"],
}


def cluster(access="CONFIG_MAP", logging=None, support="EXTENDED", vpc=None):
    return {
        "cluster": {
            "name": "banknote",
            "arn": "arn:aws:eks:eu-west-1:111122223333:cluster/banknote",
            "createdAt": WHEN,
            "version": "1.34",
            "endpoint": "https://0123456789ABCDEF.gr7.eu-west-1.eks.amazonaws.com",
            "roleArn": "arn:aws:iam::111122223333:role/banknote-cluster",
            "resourcesVpcConfig": vpc or VPC,
            "kubernetesNetworkConfig": {"serviceIpv4Cidr": "10.100.0.0/16", "ipFamily": "ipv4"},
            "logging": {"clusterLogging": logging or [{"types": LOG_TYPES, "enabled": False}]},
            "identity": {"oidc": {"issuer": "https://oidc.eks.eu-west-1.amazonaws.com/id/0123456789ABCDEF"}},
            "status": "ACTIVE",
            "platformVersion": "eks.5",
            "tags": {"Project": "banknote"},
            "accessConfig": {"bootstrapClusterCreatorAdminPermissions": True, "authenticationMode": access},
            "upgradePolicy": {"supportType": support},
        }
    }


def update(update_id, kind, status="InProgress"):
    body = {"id": update_id, "status": status, "type": kind, "params": [], "createdAt": WHEN, "errors": []}
    return {"update": body}


def describe_update(update_id, kind, status):
    return ("describe_update", update(update_id, kind, status), {"name": "banknote", "updateId": update_id})


CONVERGED_LOGGING = [
    {"types": ["api", "audit", "authenticator"], "enabled": True},
    {"types": ["controllerManager", "scheduler"], "enabled": False},
]
CIDRS = ["203.0.113.0/24"]
ENDPOINTS = {"endpointPublicAccess": True, "endpointPrivateAccess": True, "publicAccessCidrs": CIDRS}
CONVERGED_VPC = {**VPC, "endpointPrivateAccess": True, "publicAccessCidrs": CIDRS}


def test_fresh_cluster_converges_one_update_per_kind(run_module):
    eks = [
        ("describe_cluster", cluster(), {"name": "banknote"}),
        ("update_cluster_config", update("u1", "AccessConfigUpdate"),
         {"name": "banknote", "accessConfig": {"authenticationMode": "API_AND_CONFIG_MAP"}}),
        describe_update("u1", "AccessConfigUpdate", "InProgress"),
        describe_update("u1", "AccessConfigUpdate", "Successful"),
        ("update_cluster_config", update("u2", "LoggingUpdate"),
         {"name": "banknote", "logging": {"clusterLogging": CONVERGED_LOGGING}}),
        describe_update("u2", "LoggingUpdate", "Successful"),
        ("update_cluster_config", update("u3", "UpgradePolicyUpdate"),
         {"name": "banknote", "upgradePolicy": {"supportType": "STANDARD"}}),
        describe_update("u3", "UpgradePolicyUpdate", "Successful"),
        # All three endpoint settings in one call, never the subnets (which would be a different update).
        ("update_cluster_config", update("u4", "EndpointAccessUpdate"),
         {"name": "banknote", "resourcesVpcConfig": ENDPOINTS}),
        describe_update("u4", "EndpointAccessUpdate", "Successful"),
    ]
    result = run_module(EKS_CLUSTER_SETTINGS, ARGS, {"eks": eks})
    assert result["changed"] is True
    assert result["updates"] == ["authentication_mode", "logging", "upgrade_policy", "endpoint_access"]
    assert run_module.last.sleeps == [15]  # the one InProgress poll


def test_rerun_changes_nothing(run_module):
    converged = cluster("API_AND_CONFIG_MAP", CONVERGED_LOGGING, "STANDARD", CONVERGED_VPC)
    result = run_module(EKS_CLUSTER_SETTINGS, ARGS, {"eks": [("describe_cluster", converged, NAME)]})
    assert (result["changed"], result["updates"]) == (False, [])


def test_check_mode_reports_without_updating(run_module):
    result = run_module(
        EKS_CLUSTER_SETTINGS, ARGS, {"eks": [("describe_cluster", cluster(), NAME)]}, check_mode=True
    )
    assert result["changed"] is True
    assert len(result["updates"]) == 4


def test_failed_update_fails_the_task(run_module):
    args = {"name": "banknote", "upgrade_support_type": "STANDARD", "region": "eu-west-1"}
    result = run_module(EKS_CLUSTER_SETTINGS, args, {"eks": [
        ("describe_cluster", cluster(), {"name": "banknote"}),
        ("update_cluster_config", update("u9", "UpgradePolicyUpdate"),
         {"name": "banknote", "upgradePolicy": {"supportType": "STANDARD"}}),
        describe_update("u9", "UpgradePolicyUpdate", "Failed"),
    ]})
    assert result["failed"] is True
    assert "ended Failed" in result["msg"]


def test_throttled_calls_are_retried(run_module):
    throttled = aws_error("ThrottlingException", "Rate exceeded")
    args = {"name": "banknote", "upgrade_support_type": "STANDARD", "region": "eu-west-1"}
    result = run_module(EKS_CLUSTER_SETTINGS, args, {"eks": [
        ("describe_cluster", throttled, {"name": "banknote"}),
        ("describe_cluster", cluster(), {"name": "banknote"}),
        ("update_cluster_config", throttled, {**NAME, "upgradePolicy": {"supportType": "STANDARD"}}),
        ("update_cluster_config", update("u5", "UpgradePolicyUpdate"),
         {"name": "banknote", "upgradePolicy": {"supportType": "STANDARD"}}),
        describe_update("u5", "UpgradePolicyUpdate", "Successful"),
    ]})
    assert (result["changed"], result["updates"]) == (True, ["upgrade_policy"])
    assert len(run_module.last.sleeps) == 2
