"""The run_module fixture: a module's main() against botocore Stubbers (harness.py, README.md)."""

import pytest

from tests.modules.harness import ModuleRun
from tests.modules.harness import run_module as _run_module


class ModuleRunner:
    """run_module(name, args, stubs, check_mode=False) -> result dict; .last holds the last run's calls
    (service, operation, params) and the sleeps it skipped."""

    def __init__(self):
        self.last = ModuleRun()

    def __call__(self, module_name, args, stubs, *, check_mode=False):
        self.last = ModuleRun()
        return _run_module(module_name, args, stubs, check_mode=check_mode, record=self.last)


@pytest.fixture
def run_module():
    return ModuleRunner()
