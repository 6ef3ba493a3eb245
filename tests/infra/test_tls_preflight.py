"""Preflight's HTTPS and who-may-call-it checks (roles/preflight/tasks/tls.yml): bad inputs stop the infra
playbook before anything is created, with one sentence; on a target whose endpoint is on the internet it says
in one line that the endpoint is plain HTTP, and warns in one line while everyone may call it."""

import json

import pytest
from test_infra_preflight import assert_stops_early

pytestmark = pytest.mark.ansible

ARN = "arn:aws:acm:{region}:123456789012:certificate/0a1b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d"
PLAIN = "Say that the endpoint is plain HTTP"
OPEN = "Warn that everyone may call the endpoint"


def preflight(playbook, **extra):
    return playbook("playbooks/infra.yml", "--tags", "preflight", "-e", json.dumps(extra))


@pytest.mark.parametrize(("cidrs", "phrase"), [
    (["10.0.0.1/8"], "10.0.0.1/8 is not a network in CIDR notation"),
    (["203.0.113.7"], "203.0.113.7 has no prefix length"),
    (["2001:db8::/129"], "2001:db8::/129 is not a network"),
    ([], "must be a non-empty list"),
    ("0.0.0.0/0", "must be a non-empty list"),
])
def test_bad_allowed_cidrs_stop_early(playbook, cidrs, phrase):
    message = assert_stops_early(preflight(playbook, app_allowed_cidrs=cidrs), phrase)
    assert message.startswith("app_allowed_cidrs")


def test_a_certificate_needs_a_domain_name(playbook):
    run = preflight(playbook, app_tls_certificate_arn=ARN.format(region="us-east-1"))
    assert_stops_early(run, "HTTPS needs app_domain_name")


def test_a_domain_name_needs_a_zone_or_a_certificate(playbook):
    run = preflight(playbook, app_domain_name="banknote.example.com")
    assert_stops_early(run, "HTTPS needs app_domain_name")


def test_a_certificate_in_another_region_is_refused(playbook):
    run = preflight(playbook, app_tls_certificate_arn=ARN.format(region="eu-west-1"),
                    app_domain_name="banknote.example.com")
    assert_stops_early(run, "is in region 'eu-west-1', but the load balancer is in us-east-1")


def test_a_missing_certificate_is_refused(playbook):
    run = preflight(playbook, app_tls_certificate_arn=ARN.format(region="us-east-1"),
                    app_domain_name="banknote.example.com")
    assert_stops_early(run, "does not exist in us-east-1: check app_tls_certificate_arn")


def test_internet_facing_target_says_plain_http_and_warns_about_everyone(playbook):
    run = preflight(playbook, preflight_warn_plain_http=True, preflight_warn_open_cidrs=True,
                    app_allowed_cidrs=["203.0.113.0/24", "::/0"])
    assert run.returncode == 0, run.explain()
    (plain,) = run.messages(PLAIN)
    assert plain.startswith("The endpoint will be plain HTTP on port 80: set app_domain_name")
    (warning,) = run.messages(OPEN)
    assert warning.startswith("WARNING: app_allowed_cidrs contains ::/0:")


def test_local_target_prints_neither_line(playbook):
    run = preflight(playbook)
    assert run.returncode == 0, run.explain()
    assert run.task_results(PLAIN) == ["skipped"]
    assert run.task_results(OPEN) == ["skipped"]


def test_restricted_callers_are_not_warned_about(playbook):
    run = preflight(playbook, preflight_warn_open_cidrs=True, app_allowed_cidrs=["203.0.113.0/24"])
    assert run.returncode == 0, run.explain()
    assert run.task_results(OPEN) == ["skipped"]
