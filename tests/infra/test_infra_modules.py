"""The EKS settings diff that moto cannot exercise (EMULATOR_GAPS.md), tested on AWS-shaped DescribeCluster
data. The modules' whole runs against stubbed AWS responses, the access entry's principal resolution
included, are in tests/modules/."""

import pytest
from ansible_collections.banknote.deploy.plugins.modules import eks_cluster_settings as settings


class Failed(Exception):
    pass


class FakeModule:
    def fail_json(self, msg, **_):
        raise Failed(msg)


# What DescribeCluster returns for a cluster community.aws.eks_cluster has just created with EKS's defaults.
FRESH_CLUSTER = {
    "accessConfig": {"authenticationMode": "CONFIG_MAP"},
    "logging": {"clusterLogging": [{"types": settings.LOG_TYPES, "enabled": False}]},
    "upgradePolicy": {"supportType": "EXTENDED"},
    "resourcesVpcConfig": {
        "subnetIds": ["subnet-1", "subnet-2"],
        "endpointPublicAccess": True,
        "endpointPrivateAccess": False,
        "publicAccessCidrs": ["0.0.0.0/0"],
    },
}
WANTED = {
    "authentication_mode": "API_AND_CONFIG_MAP",
    "logging_types": ["api", "audit", "authenticator"],
    "upgrade_support_type": "STANDARD",
    "endpoint_public_access": True,
    "endpoint_private_access": True,
    "public_access_cidrs": ["0.0.0.0/0"],
}


def test_fresh_cluster_needs_one_update_per_setting():
    updates = dict(settings.wanted_updates(FRESH_CLUSTER, WANTED, FakeModule()))
    assert list(updates) == ["authentication_mode", "logging", "upgrade_policy", "endpoint_access"]
    assert updates["authentication_mode"] == {"accessConfig": {"authenticationMode": "API_AND_CONFIG_MAP"}}
    assert updates["logging"] == {
        "logging": {
            "clusterLogging": [
                {"types": ["api", "audit", "authenticator"], "enabled": True},
                {"types": ["controllerManager", "scheduler"], "enabled": False},
            ]
        }
    }
    assert updates["upgrade_policy"] == {"upgradePolicy": {"supportType": "STANDARD"}}
    # The endpoint call carries all three settings, never the subnets.
    assert updates["endpoint_access"] == {
        "resourcesVpcConfig": {
            "endpointPublicAccess": True,
            "endpointPrivateAccess": True,
            "publicAccessCidrs": ["0.0.0.0/0"],
        }
    }


def test_converged_cluster_needs_nothing():
    converged = {
        "accessConfig": {"authenticationMode": "API_AND_CONFIG_MAP"},
        "logging": {
            "clusterLogging": [
                {"types": ["api", "audit", "authenticator"], "enabled": True},
                {"types": ["controllerManager", "scheduler"], "enabled": False},
            ]
        },
        "upgradePolicy": {"supportType": "STANDARD"},
        "resourcesVpcConfig": {**FRESH_CLUSTER["resourcesVpcConfig"], "endpointPrivateAccess": True},
    }
    assert settings.wanted_updates(converged, WANTED, FakeModule()) == []


def test_unmanaged_settings_are_left_alone():
    unmanaged = dict.fromkeys(WANTED)
    assert settings.wanted_updates(FRESH_CLUSTER, unmanaged, FakeModule()) == []


def test_authentication_mode_never_goes_back():
    cluster = {**FRESH_CLUSTER, "accessConfig": {"authenticationMode": "API"}}
    with pytest.raises(Failed, match="cannot change authentication mode from API back to API_AND_CONFIG_MAP"):
        settings.wanted_updates(cluster, WANTED, FakeModule())


def test_unknown_log_type_is_refused():
    with pytest.raises(Failed, match="Unknown EKS log types"):
        settings.wanted_updates(FRESH_CLUSTER, {**WANTED, "logging_types": ["api", "kubelet"]}, FakeModule())
