"""kubernetes.core.helm runs a helm binary on the control node: every Helm task runs the pinned one the
helm role installs, and the infra play installs it (on targets that install charts) before preflight
checks for it."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def helm_tasks(tasks: list) -> list[dict]:
    found = []
    for task in tasks or []:
        if "kubernetes.core.helm" in task:
            found.append(task)
        found += helm_tasks(task.get("block", [])) + helm_tasks(task.get("rescue", []))
        found += helm_tasks(task.get("always", []))
    return found


def test_every_helm_task_runs_the_pinned_binary():
    tasks = [task for path in sorted((ROOT / "roles").glob("*/tasks/**/*.yml"))
             for task in helm_tasks(yaml.safe_load(path.read_text()))]
    assert len(tasks) >= 4  # install and uninstall of the controller and the metrics server
    for task in tasks:
        binary_path = task["kubernetes.core.helm"].get("binary_path")
        assert binary_path == "{{ lb_controller_helm_binary_path }}", task["name"]


def test_the_binary_path_is_where_the_helm_role_installs_it():
    helm = yaml.safe_load((ROOT / "roles/helm/defaults/main.yml").read_text())
    controller = yaml.safe_load((ROOT / "roles/lb_controller/defaults/main.yml").read_text())
    preflight = yaml.safe_load((ROOT / "roles/preflight/defaults/main.yml").read_text())
    assert controller["lb_controller_helm_binary_path"] == helm["helm_binary_path"]
    assert preflight["preflight_helm_binary_path"] == helm["helm_binary_path"]


def test_infra_installs_helm_before_preflight_where_charts_are_installed():
    play = yaml.safe_load((ROOT / "playbooks/infra.yml").read_text())[0]
    roles = [task["ansible.builtin.import_role"]["name"] for task in play["tasks"]]
    assert roles.index("helm") < roles.index("preflight")
    helm_task = play["tasks"][roles.index("helm")]
    assert helm_task["when"] == "lb_controller_apply | bool"
