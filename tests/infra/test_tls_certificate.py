"""HTTPS on the aws target's path, run against moto with IAM enforced: the deploy requests a DNS-validated
certificate, writes its validation CNAME in the Route 53 zone, waits until it is ISSUED and points the
domain name at the load balancer (alias A record); a rerun changes nothing; teardown's tls step removes the
three and leaves a certificate it did not request alone; every call the operator made is allowed by
docs/operator*.json (HOSTED_ZONE_ID replaced as docs/aws.md tells the admin).

moto issues a requested certificate after MOTO_ACM_VALIDATION_WAIT seconds without resolving the CNAME
(set short here); the Service's NLB is one made in moto (no API server on the local target: dns_record_apply
is off there, inventory/local). The paths moto cannot produce are in
tests/modules/test_acm_certificate_request.py.
"""

import json
import os
from unittest import mock

import pytest
from infra_helpers import run_playbook

from tests.support.iam_policy import assert_calls_allowed, operator_policies
from tests.support.moto import moto_server
from tests.support.wait import wait_until

pytestmark = [pytest.mark.ansible, pytest.mark.slow]

DOMAIN = "banknote.example.com"
PROJECT_TAGS = {"Project": "banknote", "Owner": "ml-platform", "CostCenter": "ml-research",
                "ManagedBy": "ansible"}


@pytest.fixture(scope="module")
def moto(tmp_path_factory):
    with mock.patch.dict(os.environ, {"MOTO_ACM_VALIDATION_WAIT": "3"}), \
            moto_server(tmp_path_factory.mktemp("moto-tls") / "moto.log") as server:
        yield server


@pytest.fixture(scope="module")
def setup(moto):
    """A public hosted zone for example.com and an internet-facing NLB (as the controller would make)."""
    zone = moto.client("route53").create_hosted_zone(Name="example.com.", CallerReference="tls-test")
    zone_id = zone["HostedZone"]["Id"].split("/")[-1]
    ec2 = moto.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.9.{i}.0/24", AvailabilityZone=f"us-east-1{z}")
               ["Subnet"]["SubnetId"] for i, z in enumerate("ab")]
    nlb = moto.client("elbv2").create_load_balancer(
        Name="k8s-banknote-banknote-0a1b2c3d4e", Subnets=subnets, Type="network", Scheme="internet-facing",
    )["LoadBalancers"][0]
    return {"zone_id": zone_id, "nlb": nlb}


def extra(moto, setup, **more):
    return {**moto.extra_vars, "app_domain_name": DOMAIN, "app_hosted_zone_id": setup["zone_id"],
            "dns_record_apply": True, "dns_record_target_dns_name": setup["nlb"]["DNSName"],
            "tls_certificate_poll_delay": 1, **more}


def deploy(moto, setup, *args, **more):
    return run_playbook("playbooks/deploy.yml", "--tags", "tls_certificate,dns_record", *args,
                        extra_vars=extra(moto, setup, **more))


def records(moto, zone_id):
    sets = moto.client("route53").list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]
    return {(r["Name"], r["Type"]): r for r in sets if r["Type"] in {"A", "CNAME"}}


def certificates(moto):
    acm = moto.client("acm")
    statuses = ["PENDING_VALIDATION", "ISSUED"]
    listed = acm.list_certificates(CertificateStatuses=statuses)["CertificateSummaryList"]
    out = {}
    for item in listed:
        arn = item["CertificateArn"]
        detail = acm.describe_certificate(CertificateArn=arn)["Certificate"]
        pairs = acm.list_tags_for_certificate(CertificateArn=arn).get("Tags", [])
        tags = {t["Key"]: t["Value"] for t in pairs}
        out[arn] = {"status": detail["Status"], "domain": detail["DomainName"], "tags": tags,
                    "record": detail["DomainValidationOptions"][0]["ResourceRecord"]}
    return out


@pytest.fixture(scope="module")
def deployed(moto, setup):
    check = deploy(moto, setup, "--check")
    assert check.returncode == 0, check.explain()
    after_check = certificates(moto)
    first = deploy(moto, setup)
    assert first.returncode == 0, first.explain()
    second = deploy(moto, setup)
    assert second.returncode == 0, second.explain()
    return {"check": check, "after_check": after_check, "first": first, "second": second}


def test_check_mode_requests_nothing(deployed):
    assert deployed["check"].total("changed") > 0
    assert deployed["after_check"] == {}


def test_deploy_requests_validates_and_tags_the_certificate(deployed, moto, setup):
    (arn, cert), = certificates(moto).items()
    assert (cert["domain"], cert["status"]) == (DOMAIN, "ISSUED")
    assert cert["tags"] == PROJECT_TAGS
    found = records(moto, setup["zone_id"])
    cname = found[(cert["record"]["Name"], "CNAME")]
    assert cname["ResourceRecords"] == [{"Value": cert["record"]["Value"]}]
    assert deployed["first"].fact("tls_certificate_in_use")["arn"] == arn


def test_alias_points_the_domain_at_the_load_balancer(deployed, moto, setup):
    alias = records(moto, setup["zone_id"])[(f"{DOMAIN}.", "A")]["AliasTarget"]
    assert alias["HostedZoneId"] == setup["nlb"]["CanonicalHostedZoneId"]
    assert alias["DNSName"].rstrip(".").lower() == setup["nlb"]["DNSName"].lower()


def test_rerun_changes_nothing(deployed):
    assert deployed["second"].total("changed") == 0, deployed["second"].changed_tasks()


def test_a_users_certificate_is_checked_and_used_as_it_is(deployed, moto, setup):
    acm = moto.client("acm")
    users = acm.request_certificate(DomainName=DOMAIN, ValidationMethod="DNS")["CertificateArn"]
    run = deploy(moto, setup, app_tls_certificate_arn=users, tls_certificate_issue_timeout=30)
    # moto issues it after MOTO_ACM_VALIDATION_WAIT; until then the check refuses it (not ISSUED).
    if run.returncode != 0:
        assert "not ISSUED" in " ".join(run.failure_messages)
        # On a slow machine the first retry came too early too: wait until moto says ISSUED.
        def issued() -> bool:
            return acm.describe_certificate(CertificateArn=users)["Certificate"]["Status"] == "ISSUED"
        wait_until(issued, 180, what="moto to issue the user's certificate", interval=1)
        run = deploy(moto, setup, app_tls_certificate_arn=users)
    assert run.returncode == 0, run.explain()
    assert run.fact("tls_certificate_in_use") == {"arn": users, "source": "supplied", "domain_name": DOMAIN}
    assert run.total("changed") == 0


def test_a_certificate_that_does_not_cover_the_name_is_refused(deployed, moto, setup):
    other = moto.client("acm").request_certificate(DomainName="other.example.org",
                                                   ValidationMethod="DNS")["CertificateArn"]
    run = deploy(moto, setup, app_tls_certificate_arn=other)
    assert run.returncode != 0
    messages = run.failure_messages
    assert any(("not ISSUED" in m) or (f"not {DOMAIN}" in m) for m in messages), messages


@pytest.fixture(scope="module")
def torn_down(deployed, moto, setup):
    steps = {"teardown_steps": ["tls"]}
    check = run_playbook("playbooks/teardown.yml", "--check", extra_vars=extra(moto, setup, **steps))
    assert check.returncode == 0, check.explain()
    left_after_check = (certificates(moto), records(moto, setup["zone_id"]))
    runs = []
    for _ in (1, 2):
        run = run_playbook("playbooks/teardown.yml", extra_vars=extra(moto, setup, **steps))
        assert run.returncode == 0, run.explain()
        runs.append(run)
    return {"check": check, "left_after_check": left_after_check, "runs": runs}


def test_teardown_check_mode_deletes_nothing(torn_down, deployed, moto):
    certs, found = torn_down["left_after_check"]
    assert any(c["tags"] == PROJECT_TAGS for c in certs.values())
    assert (f"{DOMAIN}.", "A") in found
    assert torn_down["check"].total("changed") > 0


def test_teardown_removes_what_the_deploy_made_and_nothing_else(torn_down, moto, setup):
    left = certificates(moto)
    assert [c for c in left.values() if c["tags"] == PROJECT_TAGS] == []
    # The certificates the tests requested as "the user's" (no project tags) are still there.
    assert len(left) == 2
    assert all(c["tags"] == {} for c in left.values())
    assert records(moto, setup["zone_id"]) == {}
    assert torn_down["runs"][1].total("changed") == 0, torn_down["runs"][1].changed_tasks()


def test_every_call_is_allowed_by_the_scoped_policies(torn_down, moto, setup):
    policies = [json.loads(json.dumps(p).replace("HOSTED_ZONE_ID", setup["zone_id"]))
                for p in operator_policies()]
    counts = assert_calls_allowed(moto.call_log, policies)
    assert {"acm:RequestCertificate", "acm:DeleteCertificate", "route53:ChangeResourceRecordSets",
            "elasticloadbalancing:DescribeLoadBalancers"} <= set(counts_actions(moto))
    assert counts["calls"] > 0
    assert [c for c in moto.calls() if c.get("user") == "banknote-operator" and not c["allowed"]] == []


def counts_actions(moto):
    return {f"{c['service']}:{c['action']}" for c in moto.calls() if c.get("user") == "banknote-operator"}
