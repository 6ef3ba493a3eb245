"""Check that the collections of requirements.yml are installed at the versions it names.

With --install, ask Ansible Galaxy only for the ones that are missing or at another version
(the pinned ansible package bundles all of them, and Galaxy may be unreachable).
"""

import argparse
import json
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def installed_versions() -> dict[str, str]:
    out = subprocess.run(
        [BIN / "ansible-galaxy", "collection", "list", "--format", "json"],
        check=True, capture_output=True, text=True,
    ).stdout
    found: dict[str, str] = {}
    # Paths are listed in priority order: the first version seen is the one Ansible loads.
    for collections in json.loads(out).values():
        for name, info in collections.items():
            found.setdefault(name, info["version"])
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--install", action="store_true", help="install what is missing from Galaxy")
    args = parser.parse_args()
    wanted = yaml.safe_load((ROOT / "requirements.yml").read_text())["collections"]
    have = installed_versions()
    missing = [c for c in wanted if have.get(c["name"]) != c["version"]]
    if not missing:
        print(f"setup: {len(wanted)} Ansible collections present at the pinned versions")
        return 0
    names = ", ".join(f"{c['name']}=={c['version']} (have {have.get(c['name'], 'none')})" for c in missing)
    if not args.install:
        print(f"collections: missing or at another version: {names}", file=sys.stderr)
        return 1
    print(f"setup: installing from Ansible Galaxy: {names}")
    subprocess.run(
        [BIN / "ansible-galaxy", "collection", "install", "--force",
         *(f"{c['name']}:=={c['version']}" for c in missing)],
        check=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
