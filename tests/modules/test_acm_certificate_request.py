"""banknote.deploy.acm_certificate_request and elbv2_load_balancer_info against botocore Stubbers
(harness.py): parameters validated against the ACM and ELBv2 service models, responses shaped like the ACM
API Reference's DescribeCertificate (DomainValidationOptions[].ResourceRecord) and ELBv2's
DescribeLoadBalancers.

What moto cannot show (tests/infra/EMULATOR_GAPS.md): a certificate that never becomes ISSUED (moto issues
every request after a fixed wait), VALIDATION_TIMED_OUT, a certificate still in use by a load balancer, a
certificate in another region, one that does not cover the name, ACM naming the validation record only
after a while."""

import datetime

from tests.modules.harness import ANY, aws_error

ACM_REQUEST = "banknote.deploy.acm_certificate_request"
LB_INFO = "banknote.deploy.elbv2_load_balancer_info"

REGION, ACCOUNT, DOMAIN = "eu-west-1", "123456789012", "banknote.example.com"
ARN = f"arn:aws:acm:{REGION}:{ACCOUNT}:certificate/0a1b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d"
OTHER = f"arn:aws:acm:{REGION}:{ACCOUNT}:certificate/9f8e7d6c-5b4a-4c3d-8e2f-1a0b9c8d7e6f"
TAGS = {"Project": "banknote", "ManagedBy": "ansible"}
CREATED = datetime.datetime(2026, 11, 30, 12, 0, tzinfo=datetime.UTC)
RECORD = {"Name": f"_a79865eb4cd1a6ab990a45779b4e0b96.{DOMAIN}.", "Type": "CNAME",
          "Value": "_424c7224e9b0146f9a8808af955727d0.acm-validations.aws."}
LIVE = {"CertificateStatuses": ["PENDING_VALIDATION", "ISSUED"]}
ALL = {"CertificateStatuses": ["PENDING_VALIDATION", "ISSUED", "INACTIVE", "EXPIRED", "VALIDATION_TIMED_OUT",
                               "REVOKED", "FAILED"]}


def detail(arn=ARN, *, status="PENDING_VALIDATION", record=True, names=(DOMAIN,), in_use=(), validation=None):
    option = {"DomainName": names[0], "ValidationDomain": names[0], "ValidationMethod": "DNS",
              "ValidationStatus": validation or ("SUCCESS" if status == "ISSUED" else "PENDING_VALIDATION")}
    if record:
        option["ResourceRecord"] = RECORD
    return {"Certificate": {"CertificateArn": arn, "DomainName": names[0],
                            "SubjectAlternativeNames": list(names), "Status": status,
                            "Type": "AMAZON_ISSUED", "InUseBy": list(in_use),
                            "CreatedAt": CREATED, "DomainValidationOptions": [option]}}


def listing(*arns, domain=DOMAIN, statuses=LIVE):
    return ("list_certificates",
            {"CertificateSummaryList": [{"CertificateArn": a, "DomainName": domain} for a in arns]}, statuses)


def tags_of(arn, tags):
    return ("list_tags_for_certificate", {"Tags": [{"Key": k, "Value": v} for k, v in tags.items()]},
            {"CertificateArn": arn})


def describe(arn=ARN, **kwargs):
    return ("describe_certificate", detail(arn, **kwargs), {"CertificateArn": arn})


ARGS = {"domain_name": DOMAIN, "tags": TAGS, "region": REGION}


def test_requests_a_dns_validated_certificate_with_the_project_tags(run_module):
    result = run_module(ACM_REQUEST, ARGS, {"acm": [
        listing(),
        ("request_certificate", {"CertificateArn": ARN},
         {"DomainName": DOMAIN, "ValidationMethod": "DNS",
          "IdempotencyToken": ANY,
          "Tags": [{"Key": "Project", "Value": "banknote"}, {"Key": "ManagedBy", "Value": "ansible"}]}),
        # ACM names the validation record a few seconds after the request: the module polls until it does.
        describe(record=False),
        describe(),
    ]})
    assert result["changed"] is True
    assert result["certificate"]["arn"] == ARN
    assert result["validation_records"] == [
        {"name": RECORD["Name"], "type": "CNAME", "value": RECORD["Value"]}]


def test_finds_its_own_certificate_and_ignores_one_without_the_tags(run_module):
    result = run_module(ACM_REQUEST, ARGS, {"acm": [
        listing(OTHER, ARN),
        tags_of(OTHER, {"Project": "someone-else"}),
        tags_of(ARN, {**TAGS, "Extra": "x"}),
        describe(status="ISSUED"),
        describe(status="ISSUED"),
    ]})
    assert result["changed"] is False
    assert result["certificate"]["status"] == "ISSUED"


def test_check_mode_requests_nothing(run_module):
    result = run_module(ACM_REQUEST, ARGS, {"acm": [listing()]}, check_mode=True)
    assert result["changed"] is True
    assert result["certificate"] == {}


def test_waits_for_issued(run_module):
    result = run_module(ACM_REQUEST, {**ARGS, "wait_timeout": 600, "delay": 15}, {"acm": [
        listing(ARN), tags_of(ARN, TAGS), describe(), describe(),
        describe(), describe(status="ISSUED"),
    ]})
    assert result["certificate"]["status"] == "ISSUED"
    assert run_module.last.sleeps == [15]


def test_validation_timed_out_fails_with_one_sentence(run_module):
    result = run_module(ACM_REQUEST, {**ARGS, "wait_timeout": 600}, {"acm": [
        listing(ARN), tags_of(ARN, TAGS), describe(), describe(),
        describe(status="VALIDATION_TIMED_OUT", validation="FAILED"),
    ]})
    assert result["failed"] is True
    assert f"{ARN} for {DOMAIN} is VALIDATION_TIMED_OUT (FAILED)" in result["msg"]
    assert "validation CNAME" in result["msg"]


def test_still_pending_after_the_timeout_says_what_to_check(run_module, monkeypatch):
    clock = iter(range(0, 10_000, 100))
    monkeypatch.setattr("ansible_collections.banknote.deploy.plugins.module_utils.aws.time.monotonic",
                        lambda: next(clock))
    # The clock moves 100 s per look: the wait starts at 100 s, gives up once past 400 s, after 4 polls.
    polls = [describe() for _ in range(4)]
    result = run_module(ACM_REQUEST, {**ARGS, "wait_timeout": 300}, {"acm": [
        listing(ARN), tags_of(ARN, TAGS), describe(), describe(), *polls]})
    assert result["failed"] is True
    assert "still PENDING_VALIDATION after 300 s" in result["msg"]
    assert RECORD["Name"] in result["msg"]
    assert run_module.last.sleeps == [15, 15, 15]


def test_the_users_certificate_is_checked_not_changed(run_module):
    args = {"certificate_arn": ARN, "domain_name": "api.example.com", "region": REGION}
    result = run_module(ACM_REQUEST, args,
                        {"acm": [describe(status="ISSUED", names=("example.com", "*.example.com"))]})
    assert result["changed"] is False
    assert result["certificate"]["arn"] == ARN


def test_the_users_certificate_must_cover_the_name(run_module):
    args = {"certificate_arn": ARN, "domain_name": "a.b.example.com", "region": REGION}
    result = run_module(ACM_REQUEST, args,
                        {"acm": [describe(status="ISSUED", names=("example.com", "*.example.com"))]})
    assert result["failed"] is True
    assert "not a.b.example.com" in result["msg"]


def test_the_users_certificate_must_be_issued(run_module):
    result = run_module(ACM_REQUEST, {"certificate_arn": ARN, "domain_name": DOMAIN, "region": REGION},
                        {"acm": [describe(status="PENDING_VALIDATION")]})
    assert result["failed"] is True
    assert "is PENDING_VALIDATION, not ISSUED" in result["msg"]


def test_the_users_certificate_must_be_in_the_clusters_region(run_module):
    result = run_module(ACM_REQUEST, {"certificate_arn": ARN, "domain_name": DOMAIN, "region": "us-east-1"},
                        {"acm": []})
    assert result["failed"] is True
    assert "is in region 'eu-west-1', but the load balancer is in us-east-1" in result["msg"]


def test_a_missing_certificate_says_which_variable(run_module):
    result = run_module(ACM_REQUEST, {"certificate_arn": ARN, "domain_name": DOMAIN, "region": REGION},
                        {"acm": [("describe_certificate", aws_error("ResourceNotFoundException"),
                                  {"CertificateArn": ARN})]})
    assert result["failed"] is True
    assert "app_tls_certificate_arn" in result["msg"]


def test_absent_deletes_only_the_tagged_certificate(run_module):
    result = run_module(ACM_REQUEST, {**ARGS, "state": "absent"}, {"acm": [
        listing(OTHER, ARN, statuses=ALL),
        tags_of(OTHER, {"Project": "banknote"}),  # not every tag: someone else's
        tags_of(ARN, TAGS),
        describe(status="ISSUED"),
        ("delete_certificate", {}, {"CertificateArn": ARN}),
    ]})
    assert result["changed"] is True
    assert [d["arn"] for d in result["deleted"]] == [ARN]
    assert result["deleted"][0]["validation_records"][0]["name"] == RECORD["Name"]


def test_absent_in_check_mode_deletes_nothing_but_names_the_records(run_module):
    result = run_module(ACM_REQUEST, {**ARGS, "state": "absent"}, {"acm": [
        listing(ARN, statuses=ALL), tags_of(ARN, TAGS), describe(status="ISSUED"),
    ]}, check_mode=True)
    assert result["changed"] is True
    assert result["deleted"][0]["validation_records"] == [
        {"name": RECORD["Name"], "type": "CNAME", "value": RECORD["Value"]}]


def test_absent_refuses_a_certificate_still_in_use(run_module):
    nlb = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:loadbalancer/net/k8s-banknote/50dc6c495c0c9188"
    result = run_module(ACM_REQUEST, {**ARGS, "state": "absent"}, {"acm": [
        listing(ARN, statuses=ALL), tags_of(ARN, TAGS), describe(status="ISSUED", in_use=(nlb,)),
    ]})
    assert result["failed"] is True
    assert f"still in use by {nlb}" in result["msg"]


def test_absent_with_nothing_left_changes_nothing(run_module):
    result = run_module(ACM_REQUEST, {**ARGS, "state": "absent"}, {"acm": [listing(statuses=ALL)]})
    assert result["changed"] is False


def test_a_users_certificate_is_never_deleted(run_module):
    args = {"certificate_arn": ARN, "state": "absent", "region": REGION}
    result = run_module(ACM_REQUEST, args, {"acm": []})
    assert result["failed"] is True
    assert "never deleted" in result["msg"]


def test_throttling_is_retried(run_module):
    args = {"certificate_arn": ARN, "domain_name": DOMAIN, "region": REGION}
    result = run_module(ACM_REQUEST, args, {"acm": [
        ("describe_certificate", aws_error("ThrottlingException"), {"CertificateArn": ARN}),
        describe(status="ISSUED"),
    ]})
    assert result["changed"] is False
    assert len(run_module.last.sleeps) == 1


def nlb(dns):
    return {"LoadBalancerArn": f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:loadbalancer/net/x/1",
            "DNSName": dns, "CanonicalHostedZoneId": "Z2IFOLAFXWLO4F", "LoadBalancerName": "x",
            "Type": "network", "State": {"Code": "active"}, "CreatedTime": CREATED}


def test_finds_the_load_balancer_by_dns_name_with_its_canonical_zone(run_module):
    dns = "k8s-banknote-banknote-0a1b2c3d4e-50dc6c495c0c9188.elb.eu-west-1.amazonaws.com"
    result = run_module(LB_INFO, {"dns_name": dns.upper() + ".", "region": REGION}, {"elbv2": [
        ("describe_load_balancers",
         {"LoadBalancers": [nlb("other.elb.eu-west-1.amazonaws.com"), nlb(dns)]}, {}),
    ]})
    assert result["changed"] is False
    assert result["load_balancer"]["dns_name"] == dns
    assert result["load_balancer"]["canonical_hosted_zone_id"] == "Z2IFOLAFXWLO4F"


def test_no_load_balancer_with_that_name_is_empty_not_an_error(run_module):
    args = {"dns_name": "gone.elb.eu-west-1.amazonaws.com", "region": REGION}
    result = run_module(LB_INFO, args, {"elbv2": [
        ("describe_load_balancers", {"LoadBalancers": []}, {}),
    ]})
    assert result["load_balancer"] == {}
