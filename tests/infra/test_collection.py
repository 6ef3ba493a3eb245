"""The project's collection (collections/ansible_collections/banknote/deploy) passes `ansible-test sanity`:
validate-modules (each module's documentation agrees with its argument spec), compile, import, pep8, pylint,
yamllint, and the code-smell checks ansible-test runs on every collection.

ansible-test runs each sanity tool in a virtual environment of its own, with the exact versions its
requirements name (ansible_test/_data/requirements/sanity.*.txt), so the project's venv needs nothing more.
Two things of this machine are worked around, neither changes what is checked:
- ansible-test puts pip into those environments with get-pip.py from ci-files.testing.ansible.com, which
  is not reachable: ansible_test_get_pip.py stands in for it (ensurepip, then the package index).
- The collection's dependency amazon.aws (its doc fragments, its module_utils) must sit beside it in the
  same ansible_collections tree: the test runs on a copy of the collection with the venv's amazon.aws
  linked in.
The environments are kept under .local/ansible-test (git-ignored): the first run installs them (a few
minutes), later ones take well under a minute.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.ansible import REPO_ROOT, VENV_BIN

COLLECTION = REPO_ROOT / "collections" / "ansible_collections" / "banknote" / "deploy"
AMAZON_AWS = Path(sys.prefix).glob("lib/python*/site-packages/ansible_collections/amazon/aws")
# ansible-test's home: its cached get-pip.py and the sanity tools' environments.
ANSIBLE_TEST_HOME = REPO_ROOT / ".local" / "ansible-test"
GET_PIP = Path(__file__).parent / "ansible_test_get_pip.py"
PIP_VERSION = "24.2"  # ansible_test/_data/requirements/constraints.txt and ansible-test.txt pin this pip


@pytest.fixture(scope="module")
def collection_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("collections") / "ansible_collections"
    copy = root / "banknote" / "deploy"
    shutil.copytree(COLLECTION, copy, ignore=shutil.ignore_patterns("output", "__pycache__"))
    (root / "amazon").mkdir()
    (root / "amazon" / "aws").symlink_to(next(AMAZON_AWS))
    cache = ANSIBLE_TEST_HOME / ".ansible" / "test" / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(GET_PIP, cache / f"get_pip_{PIP_VERSION.replace('.', '_')}.py")
    return copy


def test_ansible_test_sanity_passes(collection_copy: Path):
    run = subprocess.run(
        [str(VENV_BIN / "ansible-test"), "sanity", "--python", f"{sys.version_info[0]}.{sys.version_info[1]}",
         "--local", "--color", "no"],
        cwd=collection_copy, env={"HOME": str(ANSIBLE_TEST_HOME), "PATH": str(VENV_BIN) + ":/usr/bin:/bin"},
        capture_output=True, text=True, timeout=900, check=False,
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-6000:]
    # A test ansible-test skipped (a missing tool) would pass silently: these must have run.
    for test in ("validate-modules", "compile", "import", "pep8", "pylint", "yamllint", "ansible-doc"):
        assert f'Running sanity test "{test}"' in output, f"{test} did not run:\n{output[-3000:]}"


def test_the_ignore_file_waives_only_the_licence_header():
    """ansible-test's ignore file could silence any check; the collection uses it for one (README.md)."""
    lines = (COLLECTION / "tests" / "sanity" / "ignore-2.19.txt").read_text().splitlines()
    modules = sorted(f"plugins/modules/{p.name}" for p in (COLLECTION / "plugins" / "modules").glob("*.py"))
    assert sorted(line.split()[0] for line in lines) == modules
    assert {line.split()[1] for line in lines} == {"validate-modules:missing-gplv3-license"}
