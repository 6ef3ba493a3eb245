"""eks_cluster_versions_info against a stubbed EKS DescribeClusterVersions (shapes from botocore's model;
values like the example in AWS's "Understand the Kubernetes version lifecycle on EKS" page)."""

from datetime import datetime, timedelta, timezone

from tests.modules.harness import aws_error

EKS_CLUSTER_VERSIONS_INFO = "banknote.deploy.eks_cluster_versions_info"

PST = timezone(timedelta(hours=-8))


def version(v, end_standard, end_extended, status="STANDARD_SUPPORT"):
    return {
        "clusterVersion": v,
        "clusterType": "eks",
        "defaultPlatformVersion": "eks.3",
        "defaultVersion": False,
        "releaseDate": datetime(2026, 6, 1, 17, 0, tzinfo=PST),
        # AWS answers midnight UTC in the caller's zone, e.g. 2027-08-01T16:00:00-08:00.
        "endOfStandardSupportDate": end_standard,
        "endOfExtendedSupportDate": end_extended,
        "versionStatus": status,
        "kubernetesPatchVersion": f"{v}.2",
    }


V136 = version("1.36", datetime(2027, 8, 1, 16, 0, tzinfo=PST), datetime(2028, 8, 1, 16, 0, tzinfo=PST))
V133 = version(
    "1.33",
    datetime(2026, 7, 28, 17, 0, tzinfo=PST),
    datetime(2027, 7, 28, 17, 0, tzinfo=PST),
    "EXTENDED_SUPPORT",
)


def test_one_version_with_its_dates_as_utc_days(run_module):
    expected = {"clusterType": "eks", "includeAll": True, "clusterVersions": ["1.36"]}
    result = run_module(
        EKS_CLUSTER_VERSIONS_INFO,
        {"region": "eu-west-1", "versions": ["1.36"]},
        {"eks": [("describe_cluster_versions", {"clusterVersions": [V136]}, expected)]},
    )
    assert result["changed"] is False
    assert result["versions"] == [
        {
            "version": "1.36",
            "status": "STANDARD_SUPPORT",
            "end_of_standard_support_date": "2027-08-02",
            "end_of_extended_support_date": "2028-08-02",
            "release_date": "2026-06-02",
            "default_version": False,
            "kubernetes_patch_version": "1.36.2",
        }
    ]


def test_every_page_is_read(run_module):
    first = {"clusterType": "eks", "includeAll": True}
    stubs = {
        "eks": [
            ("describe_cluster_versions", {"clusterVersions": [V136], "nextToken": "t1"}, first),
            ("describe_cluster_versions", {"clusterVersions": [V133]}, dict(first, nextToken="t1")),
        ]
    }
    result = run_module(EKS_CLUSTER_VERSIONS_INFO, {"region": "us-east-1"}, stubs)
    assert [(v["version"], v["status"]) for v in result["versions"]] == [
        ("1.36", "STANDARD_SUPPORT"),
        ("1.33", "EXTENDED_SUPPORT"),
    ]


def test_throttling_is_retried(run_module):
    expected = {"clusterType": "eks", "includeAll": True, "clusterVersions": ["1.36"]}
    stubs = {
        "eks": [
            ("describe_cluster_versions", aws_error("ThrottlingException"), expected),
            ("describe_cluster_versions", {"clusterVersions": [V136]}, expected),
        ]
    }
    result = run_module(EKS_CLUSTER_VERSIONS_INFO, {"region": "us-east-1", "versions": ["1.36"]}, stubs)
    assert result["versions"][0]["version"] == "1.36"
    assert len(run_module.last.sleeps) == 1


def test_access_denied_fails_naming_the_action(run_module):
    expected = {"clusterType": "eks", "includeAll": True}
    result = run_module(
        EKS_CLUSTER_VERSIONS_INFO,
        {"region": "us-east-1"},
        {"eks": [("describe_cluster_versions", aws_error("AccessDeniedException", "denied", 403), expected)]},
    )
    assert result["failed"] is True
    assert "eks:DescribeClusterVersions" in result["msg"]
