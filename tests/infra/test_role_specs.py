"""Each role's defaults/main.yml and meta/argument_specs.yml say the same thing.

defaults/main.yml is what a reader opens first; argument_specs.yml is what Ansible validates and
`ansible-doc -t role` shows. The rules:
- every variable in defaults/main.yml is an option of the role's `main` entry point, with the same
  default value (compared after YAML parsing, so quoting style does not matter);
- every option with a default, in any entry point, is in defaults/main.yml with that value (the
  role's defaults apply to all its entry points, so a second value could never take effect);
- an option without a default must be `required: true` and absent from defaults/main.yml: the
  caller has to pass it (a value in defaults/main.yml would make `required` meaningless, and an
  optional variable with no default at all would be documented nowhere a reader of the role looks).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.support.ansible import REPO_ROOT

ROLES = sorted(path for path in (REPO_ROOT / "roles").iterdir() if (path / "tasks").is_dir())


def _load(path: Path) -> dict:
    return (yaml.safe_load(path.read_text(encoding="utf-8")) or {}) if path.is_file() else {}


def disagreements(role: Path) -> list[str]:
    defaults = _load(role / "defaults" / "main.yml")
    entry_points = _load(role / "meta" / "argument_specs.yml").get("argument_specs", {})
    main_options = (entry_points.get("main") or {}).get("options") or {}
    found = []
    for name, value in defaults.items():
        if name not in main_options:
            found.append(f"{name}: in defaults/main.yml, not an option of the main entry point")
        elif "default" not in main_options[name]:
            found.append(f"{name}: in defaults/main.yml ({value!r}), but the main option has no default")
    for entry_point, spec in entry_points.items():
        for name, option in ((spec or {}).get("options") or {}).items():
            where = f"{name} ({entry_point})"
            if "default" in option:
                if name not in defaults:
                    found.append(f"{where}: default {option['default']!r} in argument_specs, "
                                 "not in defaults/main.yml")
                elif option["default"] != defaults[name]:
                    found.append(f"{where}: argument_specs default {option['default']!r} "
                                 f"!= defaults/main.yml {defaults[name]!r}")
            elif not option.get("required"):
                found.append(f"{where}: no default and not required (give it a default or make it required)")
            elif name in defaults:
                found.append(f"{where}: required, yet defaults/main.yml gives it a value")
    return found


def test_roles_are_found() -> None:
    # Guards against a vacuous pass: the project has more than a dozen roles, each with both files.
    assert len(ROLES) >= 12
    for role in ROLES:
        assert (role / "defaults" / "main.yml").is_file(), role.name
        assert (role / "meta" / "argument_specs.yml").is_file(), role.name


@pytest.mark.parametrize("role", ROLES, ids=[role.name for role in ROLES])
def test_defaults_and_argument_specs_agree(role: Path) -> None:
    assert disagreements(role) == []


def test_the_check_catches_each_kind_of_disagreement(tmp_path: Path) -> None:
    role = tmp_path / "demo"
    (role / "defaults").mkdir(parents=True)
    (role / "meta").mkdir()
    (role / "defaults" / "main.yml").write_text(
        "demo_same: 1\ndemo_changed: a\ndemo_undocumented: x\ndemo_no_spec_default: [1]\ndemo_required: y\n")
    (role / "meta" / "argument_specs.yml").write_text(yaml.safe_dump({"argument_specs": {
        "main": {"options": {
            "demo_same": {"type": "int", "default": 1},
            "demo_changed": {"type": "str", "default": "b"},
            "demo_no_spec_default": {"type": "list"},
            "demo_only_in_spec": {"type": "str", "default": "z"},
            "demo_optional": {"type": "str"},
            "demo_required": {"type": "str", "required": True},
        }},
        "other": {"options": {"demo_same": {"type": "int", "default": 2}}},
    }}))
    found = "\n".join(disagreements(role))
    for name in ("demo_changed", "demo_undocumented", "demo_no_spec_default", "demo_only_in_spec",
                 "demo_optional", "demo_required", "demo_same (other)"):
        assert name in found, name
    assert "demo_same:" not in found
