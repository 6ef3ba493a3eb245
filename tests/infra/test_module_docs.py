"""Every module of the project's collection documents itself: `ansible-doc banknote.deploy.NAME` (as a
reader or ansible-lint would run it, through ansible.cfg's collections_path) parses its DOCUMENTATION,
EXAMPLES and RETURN. A ': ' in a plain YAML scalar once broke this unnoticed. That the documentation agrees
with each argument spec is ansible-test's validate-modules (test_collection.py)."""

import json
import subprocess

import pytest

from tests.support.ansible import REPO_ROOT, VENV_BIN

COLLECTION = REPO_ROOT / "collections" / "ansible_collections" / "banknote" / "deploy"
MODULES = sorted(path.stem for path in (COLLECTION / "plugins" / "modules").glob("*.py"))


def ansible_doc(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(VENV_BIN / "ansible-doc"), *args], cwd=REPO_ROOT, capture_output=True,
                          text=True, check=False)


@pytest.mark.parametrize("name", MODULES)
def test_module_documentation_parses(name: str):
    run = ansible_doc("--json", f"banknote.deploy.{name}")
    assert run.returncode == 0, run.stderr
    assert "Unable to parse" not in run.stderr, run.stderr
    doc = json.loads(run.stdout)[f"banknote.deploy.{name}"]
    assert doc["doc"]["short_description"]
    assert doc["doc"]["collection"] == "banknote.deploy"
    assert doc["examples"], f"{name} has no EXAMPLES"
    assert f"banknote.deploy.{name}:" in doc["examples"], f"{name}'s EXAMPLES do not call it by its FQCN"


def test_ansible_doc_lists_every_module_of_the_collection():
    run = ansible_doc("--list", "--json", "banknote.deploy")
    assert run.returncode == 0, run.stderr
    assert sorted(json.loads(run.stdout)) == [f"banknote.deploy.{name}" for name in MODULES]
    assert len(MODULES) >= 18  # the project's modules are found (a broken glob would pass vacuously)
