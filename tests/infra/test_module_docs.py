"""Every project module documents itself: ansible-doc (and so ansible-lint) parses its DOCUMENTATION,
EXAMPLES and RETURN. A ': ' in a plain YAML scalar once broke this unnoticed."""

import json
import subprocess
from pathlib import Path

import pytest

from tests.support.ansible import REPO_ROOT, VENV_BIN

MODULES = sorted(path.stem for path in (REPO_ROOT / "plugins/modules").glob("*.py"))


def ansible_doc(name: str) -> dict:
    run = subprocess.run([str(VENV_BIN / "ansible-doc"), "-M", "plugins/modules", "--json", name],
                         cwd=REPO_ROOT, capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    assert "Unable to parse" not in run.stderr, run.stderr
    return json.loads(run.stdout)[name]


@pytest.mark.parametrize("name", MODULES)
def test_module_documentation_parses(name: str):
    doc = ansible_doc(name)
    assert doc["doc"]["short_description"]
    assert doc["examples"], f"{name} has no EXAMPLES"


def test_there_are_modules_to_check():
    assert len(MODULES) >= 14
    assert all(Path(REPO_ROOT / "plugins/modules" / f"{name}.py").is_file() for name in MODULES)
