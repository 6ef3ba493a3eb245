"""Every AWS module call in every role names its region (issue 9, defect 2).

On the aws target nothing sets AWS_DEFAULT_REGION: a module call without `region:` gets
NoRegionError, or runs in the profile's region while the rest of the flow runs in aws_region (teardown
then misses what it made). The test parses every task file under roles/ and, for each task whose module
takes a region (its argument spec has a `region` option), requires a `region` (or its alias
`aws_region`) argument, or a `module_defaults` on an enclosing block that gives one.

Which modules take a region is read from the modules' own argument specs, not from a list: each module
used by a role is imported and its main() run far enough to capture the argument_spec it passes to
AnsibleAWSModule (which adds the common AWS options, region among them, unless default_args=False) or
AnsibleModule.
"""

import importlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.ansible import REPO_ROOT

# The project's own collection (collections/ansible_collections/banknote/deploy) is checked like the AWS ones.
AWS_COLLECTIONS = ("amazon.aws", "community.aws", "banknote.deploy")
REGION_KEYS = ("region", "aws_region")
# Modules whose `region` option is not the API region: amazon.aws.route53's argument_spec replaces the common
# option with its own (latency-based routing, which requires `identifier`); Route 53 is a global service,
# its client resolves to the aws-global endpoint without a region (botocore endpoints, partitionEndpoint).
REGION_MEANS_SOMETHING_ELSE = {"amazon.aws.route53"}
# Keys of a task that hold nested tasks.
BLOCK_KEYS = ("block", "rescue", "always")


class _Captured(Exception):
    def __init__(self, spec: dict[str, Any]):
        super().__init__("argument spec captured")
        self.spec = spec


def _argument_spec(main) -> dict[str, Any]:
    """The argument spec a module's main() hands to its module class (nothing else runs)."""
    from ansible.module_utils import basic
    from ansible_collections.amazon.aws.plugins.module_utils import modules as aws_modules

    def capture_aws(self, **kwargs):
        spec = dict(kwargs.get("argument_spec") or {})
        if kwargs.get("default_args", True):
            spec = {**aws_modules.aws_argument_spec(), **spec}
        raise _Captured(spec)

    def capture_plain(self, argument_spec=None, **_):
        raise _Captured(dict(argument_spec or {}))

    patch = pytest.MonkeyPatch()
    patch.setattr(aws_modules.AnsibleAWSModule, "__init__", capture_aws)
    patch.setattr(basic.AnsibleModule, "__init__", capture_plain)
    try:
        main()
    except _Captured as captured:
        return captured.spec
    finally:
        patch.undo()
    raise AssertionError(f"{main.__module__}.main() created no module")


def _module_main(name: str):
    """main() of a module given by FQCN (collections/ is on sys.path: pyproject.toml)."""
    namespace, collection, short = name.split(".")
    package = f"ansible_collections.{namespace}.{collection}.plugins.modules"
    return importlib.import_module(f"{package}.{short}").main


_SPECS: dict[str, dict[str, Any]] = {}


def takes_region(name: str) -> bool:
    if name not in _SPECS:
        _SPECS[name] = _argument_spec(_module_main(name))
    spec = _SPECS[name]
    return any(key in spec or any(key in (option.get("aliases") or []) for option in spec.values())
               for key in REGION_KEYS)


def _aws_module(task: dict[str, Any]) -> str | None:
    """The task's module when it is an AWS collection module or a project module, else None."""
    return next((key for key in task if key.startswith(tuple(f"{c}." for c in AWS_COLLECTIONS))), None)


def _defaults_give_region(module: str, defaults: list[dict[str, Any]]) -> bool:
    groups = {module, "group/aws", "group/amazon.aws.aws", "group/community.aws.aws"}
    return any(key in groups and any(k in (values or {}) for k in REGION_KEYS)
               for level in defaults for key, values in (level or {}).items())


def _walk(tasks: list[Any] | None, defaults: list[dict[str, Any]]) -> Iterator[tuple[dict, list]]:
    for task in tasks or []:
        if not isinstance(task, dict):
            continue
        inner = [*defaults, task.get("module_defaults") or {}]
        if any(key in task for key in BLOCK_KEYS):
            for key in BLOCK_KEYS:
                yield from _walk(task.get(key), inner)
        else:
            yield task, inner


def task_files() -> list[Path]:
    roles = REPO_ROOT / "roles"
    return sorted(p for sub in ("tasks", "handlers") for p in roles.glob(f"*/{sub}/**/*.yml"))


def aws_calls() -> list[tuple[str, str, str, bool]]:
    """(file, task name, module, has region) for every AWS module call in the roles' task files."""
    calls = []
    for path in task_files():
        for task, defaults in _walk(yaml.safe_load(path.read_text()), []):
            module = _aws_module(task)
            if module is None:
                continue
            args = task[module] if isinstance(task[module], dict) else {}
            has_region = any(k in args for k in REGION_KEYS) or _defaults_give_region(module, defaults)
            calls.append((str(path.relative_to(REPO_ROOT)), task.get("name", "?"), module, has_region))
    return calls


def test_the_walk_finds_the_aws_calls():
    modules = {module for _, _, module, _ in aws_calls()}
    # A parser that found nothing would pass the test below vacuously.
    assert {"amazon.aws.ec2_instance", "amazon.aws.ec2_key", "banknote.deploy.ecr_registry_login"} <= modules


def test_region_option_is_read_from_the_argument_spec():
    assert takes_region("amazon.aws.ec2_instance")
    assert takes_region("banknote.deploy.ssm_parameter_value")
    # A project module that is not an AWS API client has no region option.
    assert not takes_region("banknote.deploy.endpoint_latency")


def test_every_aws_module_call_names_its_region():
    missing = [f"{path}: {name} ({module})" for path, name, module, has_region in aws_calls()
               if not has_region and takes_region(module) and module not in REGION_MEANS_SOMETHING_ELSE]
    assert not missing, (
        "AWS module calls without region: (the aws target sets no AWS_DEFAULT_REGION; pass the role's "
        "<role>_region, which defaults to aws_region):\n" + "\n".join(missing))
