"""verify counts the requests it sent in the pods' logs (roles/verify/tasks/logs.yml and its filters).

The log files are written here, in the format podman's k8s-file driver writes (the pods' stdout lines,
each "<time> stdout F <line>"), so the count is tested without pods; the whole flow counts real ones.
"""

import datetime
import importlib.util
import json
import threading
import time
from pathlib import Path

import pytest

from tests.support.ansible import REPO_ROOT, run_playbook

AGENT = "banknote-verify/testrun12345"
PLAYBOOK = "tests/k8s/playbooks/verify_logs.yml"


def _filters():
    path = REPO_ROOT / "roles/verify/filter_plugins/verify_logs.py"
    spec = importlib.util.spec_from_file_location("verify_logs", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


filters = _filters()


def access_line(agent: str, path: str = "/predict", status: int = 200) -> str:
    """One stdout line as the app writes it (app/gunicorn.conf.py) and podman's k8s-file driver stores it."""
    record = {"time": "2026-11-30T15:00:00+0000", "remote_addr": "10.88.0.1", "method": "POST", "path": path,
              "query": None, "status": status, "bytes": 42, "duration_ms": 1.2, "user_agent": agent, "pid": 7}
    return f"2026-11-30T15:00:00.123456789+00:00 stdout F {json.dumps(record)}\n"


def test_requests_sent_counts_attempts_items_and_timed_requests():
    results = [{"status": 200, "attempts": 3},
               {"results": [{"status": 200}, {"skipped": True}, {"status": 422}]},
               {"sent": 50, "failures": 0}, {"skipped": True}]
    # A retried task's earlier attempts may not have reached the app: 1 to 3 requests.
    assert filters.verify_requests_sent(results) == [1 + 2 + 50, 3 + 2 + 50]


def test_only_records_with_exactly_this_agent_count():
    lines = [access_line(AGENT), access_line(AGENT + "x"), access_line("HAProxy health check"),
             "2026-11-30T15:00:00.1+00:00 stderr F [INFO] Booting worker with pid: 7\n",
             f"2026-11-30T15:00:00.1+00:00 stdout F not json {AGENT}\n",
             access_line(AGENT).split(" F ", 1)[1]]
    assert filters.verify_access_lines_with_agent(lines, AGENT) == 2


def run(log_dir: Path | str, **extra):
    return run_playbook(PLAYBOOK, extra_vars={"verify_log_dir": str(log_dir), "verify_log_wait_seconds": 3,
                                              **extra}, timeout=300)


def write_log(log_dir: Path, name: str, lines: list[str]) -> None:
    log_dir.mkdir(parents=True, exist_ok=True)
    with (log_dir / name).open("a") as f:
        f.writelines(lines)


@pytest.mark.ansible
def test_every_request_found_in_the_revision_log_files(tmp_path: Path):
    # Two revisions' files (the old one has this run's first requests), other clients' lines in between.
    log_dir = tmp_path / "logs"
    write_log(log_dir, "banknote-aaaaaaaaaa.log", [access_line(AGENT, "/v2/health/live")] * 2
              + [access_line("curl/7.88")])
    write_log(log_dir, "banknote-bbbbbbbbbb.log", [access_line(AGENT)] * 13 + [access_line("other")])
    write_log(log_dir, "not-a-log.txt", [access_line(AGENT)] * 5)
    result = run(log_dir)
    assert result.returncode == 0, result.explain()
    (message,) = result.messages("Report the log count")
    assert message.startswith(f"verify: 15 of this run's requests (User-Agent {AGENT}) found"), message
    assert "of 14 to 15 sent" in message


@pytest.mark.ansible
def test_a_request_missing_from_the_logs_fails_saying_how_many(tmp_path: Path):
    log_dir = tmp_path / "logs"
    write_log(log_dir, "banknote-aaaaaaaaaa.log", [access_line(AGENT)] * 13)
    result = run(log_dir)
    assert result.returncode != 0
    assert result.task_results("Read the lines with this run's User-Agent") == ["ok"]
    (failure,) = result.failure_messages
    assert "hold 13 requests with User-Agent" in failure, failure
    assert "this run sent 14 to 15" in failure, failure


@pytest.mark.ansible
def test_lines_that_arrive_late_are_waited_for(tmp_path: Path):
    log_dir = tmp_path / "logs"
    write_log(log_dir, "banknote-aaaaaaaaaa.log", [access_line(AGENT)] * 9)
    written_at: list[float] = []

    def write_late() -> None:
        write_log(log_dir, "banknote-aaaaaaaaaa.log", [access_line(AGENT)] * 5)
        written_at.append(time.time())

    late = threading.Timer(12, write_late)
    late.start()
    try:
        result = run(log_dir, verify_log_wait_seconds=60)
    finally:
        late.cancel()
    assert result.returncode == 0, result.explain()
    (task,) = [t["task"] for play in result.report["plays"] for t in play["tasks"]
               if "Read the lines with this run's User-Agent" in t["task"]["name"]]
    started = datetime.datetime.fromisoformat(task["duration"]["start"].replace("Z", "+00:00")).timestamp()
    assert written_at, "the late lines were never written"
    assert started < written_at[0], "the task started after the late lines came: raise the Timer's delay"
    assert result.results_of("Read the lines with this run's User-Agent")[0]["attempts"] > 1


@pytest.mark.ansible
def test_no_log_files_fails_with_what_to_do(tmp_path: Path):
    result = run(tmp_path / "nothing-here")
    assert result.returncode != 0
    (failure,) = result.failure_messages
    assert "No pods' log files (*.log)" in failure, failure
    assert "--tags k8s_app" in failure, failure


@pytest.mark.ansible
def test_on_aws_the_report_names_the_log_group_and_counts_nothing():
    result = run("")
    assert result.returncode == 0, result.explain()
    (message,) = result.messages("Say where the logs are")
    assert "CloudWatch Logs group /banknote/app" in message
    assert "aws logs tail /banknote/app --follow" in message
    assert result.task_results("Read the lines with this run's User-Agent") == ["skipped"]
