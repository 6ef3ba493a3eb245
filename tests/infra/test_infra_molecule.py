"""The molecule scenario for the infra roles (molecule/infra): converge, idempotence, verify, destroy."""

import pytest

from tests.support.ansible import run_molecule

pytestmark = [pytest.mark.ansible, pytest.mark.slow]


def test_molecule_infra_scenario_passes():
    done = run_molecule("test", "-s", "infra", timeout=1200)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-6000:]
    assert "idempotence" in output.lower()
