"""Defect: one EKS token per play. A token lives 15 minutes from signing (14 usable, as `aws eks
get-token` counts), while the Helm waits, the rollout wait, teardown's deletion waits and verify's
load balancer wait can each take 10 minutes, and run back to back.

Static: in every task file that talks to the API server, each kubernetes.core task follows a fresh
mint (k8s_app's tasks_from: token) with no waiting kubernetes.core task in between, and the mint is
sized for that task's wait variable, whose default fits in a token's life. Run: the token entry point
replaces the token, reports its expiry, refuses a wait the token cannot outlast, and is a no-op
without eks auth. Not checked here: a real API server rejecting an expired token (needs AWS)."""

import json
import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from k8s_helpers import run_playbook

from tests.support.ansible import REPO_ROOT, PlaybookRun
from tests.support.moto import MotoServer

TOKEN_USABLE_SECONDS = 14 * 60  # banknote.deploy.eks_token TOKEN_LIFETIME_SECONDS
MARGIN_SECONDS = 60  # roles/k8s_app/vars/main.yml k8s_app_token_margin_seconds
TASK_FILES = sorted({
    *(REPO_ROOT / "roles" / "k8s_app" / "tasks").glob("*.yml"),
    *(REPO_ROOT / "roles" / "lb_controller" / "tasks").glob("*.yml"),
    *(REPO_ROOT / "roles" / "verify" / "tasks").glob("*.yml"),
    *(REPO_ROOT / "roles" / "teardown" / "tasks").rglob("*.yml"),
})
TIMEOUT_VAR = re.compile(r"\b[a-z][a-z0-9_]*_timeout\b")


def flatten(tasks: list[dict]) -> list[dict]:
    out = []
    for task in tasks or []:
        if "block" in task:
            out += flatten(task["block"]) + flatten(task.get("rescue")) + flatten(task.get("always"))
        else:
            out.append(task)
    return out


def module_of(task: dict) -> str:
    return next((key for key in task if "." in key), "")


def is_mint(task: dict) -> bool:
    include_tasks = task.get("ansible.builtin.include_tasks")
    include_role = task.get("ansible.builtin.include_role") or {}
    return include_tasks == "token.yml" or (include_role.get("name") == "k8s_app"
                                            and include_role.get("tasks_from") == "token")


def wait_variables(task: dict) -> set[str]:
    """The *_timeout variables bounding a task's wait; empty when it does not wait."""
    args = task[module_of(task)]
    if "until" in task:
        return set(TIMEOUT_VAR.findall(str(task.get("retries"))))
    if args.get("wait") not in (None, False):
        return set(TIMEOUT_VAR.findall(str(args.get("wait_timeout"))))
    return set()


def role_defaults() -> dict:
    merged = {}
    for role in ("k8s_app", "lb_controller", "verify"):
        merged |= yaml.safe_load((REPO_ROOT / "roles" / role / "defaults" / "main.yml").read_text())
    return merged


def test_every_api_step_runs_on_a_token_minted_for_it():
    defaults = role_defaults()
    checked = []
    for path in TASK_FILES:
        mint, waited_since_mint = None, False
        for task in flatten(yaml.safe_load(path.read_text())):
            if is_mint(task):
                mint, waited_since_mint = task, False
                continue
            if not module_of(task).startswith("kubernetes.core."):
                continue
            where = f"{path.relative_to(REPO_ROOT)}: {task['name']}"
            assert mint is not None, f"{where} runs without a fresh token minted before it in this file"
            assert not waited_since_mint, f"{where} follows another long wait on the same token"
            waits = wait_variables(task)
            if waits:
                minted_for = set(TIMEOUT_VAR.findall(str(mint["vars"]["k8s_app_token_step_seconds"])))
                assert waits <= minted_for, f"{where} waits {waits}, the token was checked for {minted_for}"
                for name in waits:
                    assert int(defaults[name]) + MARGIN_SECONDS <= TOKEN_USABLE_SECONDS, (where, name)
                waited_since_mint = True
            checked.append((path.name, task["name"], bool(waits)))
    long_steps = {name for _, name, waits in checked if waits}
    # The test has teeth: the long steps of the issue are among the ones checked.
    assert {"Install the AWS Load Balancer Controller", "Install the metrics server",
            "Uninstall the AWS Load Balancer Controller",
            "Apply the manifests (server-side apply; waits for the Deployment's rollout)",
            "Delete the Service and wait until its load balancer is gone",
            "Wait for the Service's load balancer hostname"} <= long_steps, long_steps


def token_play(tmp_path: Path, tasks: list[dict]) -> str:
    playbook = tmp_path / "token.yml"
    playbook.write_text(json.dumps([{"name": "token", "hosts": "control", "gather_facts": False,
                                     "environment": "{{ aws_environment }}", "tasks": tasks}]))
    return str(playbook)


def mint(step_seconds: int = 0) -> dict:
    return {"name": "mint", "ansible.builtin.include_role": {"name": "k8s_app", "tasks_from": "token"},
            "vars": {"k8s_app_token_step": "the test step", "k8s_app_token_step_seconds": step_seconds}}


def show(label: str) -> dict:
    """A debug task whose msg (a mapping) the test reads back from the run's results: see shown()."""
    return {"name": f"show {label}", "ansible.builtin.debug": {"msg": {
        "token_sha256": "{{ k8s_app_api.api_key | default('') | hash('sha256') }}",
        "host": "{{ k8s_app_api.host | default('') }}",
        "expires_at": "{{ k8s_app_token_expires_at | default('') }}"}}}


def shown(run: PlaybookRun, label: str) -> dict:
    (result,) = run.results_of(f"show {label}")
    return result["msg"]


EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"  # no token at all


EKS = {"k8s_app_cluster_auth": "eks", "project_name": "banknote-test"}
# What cluster-auth leaves behind (as facts: extra vars would hide the facts the mint sets).
CONNECTED = {"name": "connected", "ansible.builtin.set_fact": {
    "k8s_app_cluster_present": True,
    "k8s_app_api": {"host": "https://example.eks.amazonaws.com", "ca_cert": "/nonexistent/ca.crt"}}}


@pytest.mark.ansible
def test_each_mint_replaces_the_token_and_reports_its_expiry(tmp_path: Path, k8s_moto: MotoServer):
    tasks = [CONNECTED, mint(), show("first"), {"name": "pause", "ansible.builtin.pause": {"seconds": 2}},
             mint(600), show("second")]
    before = datetime.now(UTC).replace(microsecond=0)
    run = run_playbook(token_play(tmp_path, tasks), extra_vars={**k8s_moto.extra_vars, **EKS}, timeout=300)
    assert run.returncode == 0, run.explain()
    found = {label: shown(run, label) for label in ("first", "second")}
    assert {s["host"] for s in found.values()} == {"https://example.eks.amazonaws.com"}, found  # host kept
    assert found["first"]["token_sha256"] != found["second"]["token_sha256"]  # a new token
    assert found["first"]["token_sha256"] != EMPTY_SHA256
    expiry = {k: datetime.fromisoformat(v["expires_at"]) for k, v in found.items()}
    assert all(v.tzinfo == UTC for v in expiry.values()), found
    assert expiry["second"] > expiry["first"] >= before + timedelta(seconds=TOKEN_USABLE_SECONDS)
    assert expiry["second"] <= datetime.now(UTC) + timedelta(seconds=TOKEN_USABLE_SECONDS)
    assert run.raw.count("k8s-aws-v1.") == 0  # no_log: the token never reaches the output


@pytest.mark.ansible
def test_a_wait_longer_than_the_token_lives_is_refused(tmp_path: Path, k8s_moto: MotoServer):
    run = run_playbook(token_play(tmp_path, [CONNECTED, mint(800)]),
                       extra_vars={**k8s_moto.extra_vars, **EKS}, timeout=300)
    assert run.returncode != 0
    assert run.failure_messages == [
        "the test step may wait 800 s but an EKS token is good for 840 s: set its timeout to at most 780 s."]


@pytest.mark.ansible
def test_without_eks_auth_the_mint_changes_nothing(tmp_path: Path):
    started = time.monotonic()
    run = run_playbook(token_play(tmp_path, [mint(5000), show("none")]),
                       extra_vars={"k8s_app_cluster_auth": "none"}, timeout=300)
    assert run.returncode == 0, run.explain()
    assert shown(run, "none") == {"token_sha256": EMPTY_SHA256, "host": "", "expires_at": ""}
    assert time.monotonic() - started < 120
