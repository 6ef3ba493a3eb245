"""Helpers for the infra tests: the infra steps of the teardown, playbooks with one JSON line a result."""

import functools

from tests.support import ansible

# The steps of the infra roles only: the k8s and build_host steps act on local state other work on this
# machine uses (podman pods, the build host stand-in); their own tests cover them.
INFRA_TEARDOWN_STEPS = ["fargate_profile", "eks_cluster", "ecr", "network", "iam"]

# JSON results for PlaybookRun.failure_messages; deprecation warnings are noise in the failure output.
run_playbook = functools.partial(
    ansible.run_playbook, config={**ansible.JSON_RESULTS, "deprecation_warnings": "false"}, timeout=900
)
