"""Helpers for the infra tests: the infra steps of the teardown, playbooks under this package's bounds."""

import functools
import importlib.util

from tests.support import ansible

# The steps of the infra roles only: the k8s and build_host steps act on local state other work on this
# machine uses (podman pods, the build host stand-in); their own tests cover them.
INFRA_TEARDOWN_STEPS = ["fargate_profile", "eks_cluster", "log_group", "ecr", "network", "iam"]

# Deprecation warnings are noise in a failure's stderr.
run_playbook = functools.partial(ansible.run_playbook, config={"deprecation_warnings": "false"}, timeout=900)


def _load_preflight_filters():
    """roles/preflight/filter_plugins/preflight.py as a module, for tests of its pure functions."""
    path = ansible.REPO_ROOT / "roles/preflight/filter_plugins/preflight.py"
    spec = importlib.util.spec_from_file_location("preflight_filters", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


preflight_filters = _load_preflight_filters()
