"""Preflight's cost estimate agrees with the roles' defaults (issue 9, defect 12): the expected figures are
computed here from the defaults files themselves, so changing a default without the estimate following
fails this test."""

import json

import pytest
import yaml
from infra_helpers import preflight_filters, run_playbook

from tests.support.ansible import REPO_ROOT

pytestmark = pytest.mark.ansible

filters = preflight_filters

# The project's group_vars/all.yml sits beside the real playbooks' directory, not this temporary one.
PLAYBOOK = f"""---
- name: Cost estimate only
  hosts: control
  gather_facts: false
  vars_files: ["{REPO_ROOT / 'group_vars' / 'all.yml'}"]
  tasks:
    - name: Preflight's estimate
      ansible.builtin.include_role:
        name: preflight
        tasks_from: cost
"""


def defaults(path):
    return yaml.safe_load((REPO_ROOT / path).read_text())


def expected(build_host_type=None):
    project = defaults("group_vars/all.yml")
    lbc = defaults("roles/lb_controller/defaults/main.yml")
    preflight = defaults("roles/preflight/defaults/main.yml")
    prices = preflight["preflight_prices"]
    build_host_defaults = defaults("roles/build_host/defaults/main.yml")
    build_host_type = build_host_type or build_host_defaults["build_host_instance_type"]

    def pods(name, prefix):
        return {"name": name, **{k: lbc[f"{prefix}_{k}"] for k in ("replicas", "cpu", "memory")}}

    app = {"name": "app", **{k: project[f"app_{k}"] for k in ("replicas", "cpu", "memory")}}
    coredns = {"name": "coredns", "replicas": 2, "cpu": "100m", "memory": "70Mi"}
    fleet = filters.fargate_fleet(
        [app, coredns, pods("lbc", "lb_controller"), pods("metrics-server", "lb_controller_metrics_server")]
    )
    hourly = (
        prices["eks_control_plane_hour"] + prices["nat_gateway_hour"] + prices["nlb_hour"]
        + fleet["vcpu"] * prices["fargate_vcpu_hour"] + fleet["memory_gb"] * prices["fargate_gb_hour"]
    )
    hours = preflight["preflight_build_host_hours_per_month"]
    build_host = hours * prices["ec2_instance_hour"][build_host_type]
    ecr = preflight["preflight_ecr_storage_gb"] * prices["ecr_gb_month"]
    return fleet, build_host, hourly * preflight["preflight_hours_per_month"] + build_host + ecr


def estimate(tmp_path, **extra):
    playbook = tmp_path / "cost.yml"
    playbook.write_text(PLAYBOOK)
    variables = {"preflight_k8s_end_of_standard": "2027-08-02", **extra}
    run = run_playbook(str(playbook), "-e", json.dumps(variables))
    assert run.returncode == 0, run.explain()
    (printed,) = run.messages("Print the cost estimate")
    return printed


def test_estimate_follows_the_roles_defaults(tmp_path):
    fleet, build_host, month = expected()
    out = estimate(tmp_path)
    assert f"{fleet['vcpu']} vCPU, {fleet['memory_gb']} GB in total" in out
    # The metrics server's 100m / 200Mi + Fargate's 256 MiB land on 0.25 vCPU / 0.5 GB.
    assert fleet["pods"][-1] == {"name": "metrics-server", "replicas": 1, "vcpu": 0.25, "memory_gb": 0.5}
    assert f"Build host (while it exists): ${filters.round_up(build_host, 2)} per month" in out
    assert f"${filters.math.ceil(month)} per month while it runs" in out, out


def test_a_changed_default_moves_the_estimate(tmp_path):
    # As if the inventory (or the build_host role's default) chose another instance type.
    _, build_host, _ = expected("t3.large")
    out = estimate(tmp_path, build_host_instance_type="t3.large")
    assert f"Build host (while it exists): ${filters.round_up(build_host, 2)} per month" in out


def test_extended_support_is_priced(tmp_path):
    out = estimate(tmp_path, preflight_k8s_extended=True)
    assert "EKS control plane: $0.6 per hour" in out


def test_docs_quote_the_same_monthly_total():
    _, _, month = expected()
    for doc in ("docs/aws.md", "README.md"):
        assert f"~${filters.math.ceil(month)} per month" in (REPO_ROOT / doc).read_text() or (
            f"**~${filters.math.ceil(month)}**" in (REPO_ROOT / doc).read_text()
        ), doc
