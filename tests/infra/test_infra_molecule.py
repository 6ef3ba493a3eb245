"""The molecule scenario for the infra roles (molecule/infra): converge, idempotence, verify, destroy."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent

pytestmark = [pytest.mark.ansible, pytest.mark.slow]


def test_molecule_infra_scenario_passes():
    # molecule runs ansible-playbook and friends from PATH: the venv's first.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "MOLECULE_"))}
    env["PATH"] = f"{VENV_BIN}:{env['PATH']}"
    done = subprocess.run([str(VENV_BIN / "molecule"), "test", "-s", "infra"], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=1200, check=False)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-6000:]
    assert "idempotence" in output.lower()
