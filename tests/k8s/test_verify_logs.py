"""verify counts the requests it sent in the pods' logs (roles/verify/tasks/logs.yml and its filters).

The log files are written here, in the format podman's k8s-file driver writes (the pods' stdout lines,
each "<time> stdout F <line>"), so the count is tested without pods; the whole flow counts real ones.
"""

import datetime
import importlib.util
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.ansible import REPO_ROOT, run_playbook
from tests.support.iam_policy import assert_calls_allowed
from tests.support.moto import MotoServer, moto_server

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
def test_without_files_or_cloudwatch_the_report_names_the_log_group_and_counts_nothing():
    result = run("", verify_log_cloudwatch=False)
    assert result.returncode == 0, result.explain()
    (message,) = result.messages("Say that the logs are not counted")
    assert "CloudWatch Logs group /banknote/app" in message
    assert "aws logs tail /banknote/app --follow" in message
    assert result.task_results("Read the lines with this run's User-Agent") == ["skipped"]
    assert result.task_results("Read this run's records from the log group") == ["skipped"]


@pytest.fixture(scope="module")
def logs_moto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    with moto_server(tmp_path_factory.mktemp("moto-verify-logs") / "moto.log") as server:
        yield server


def put_router_events(logs, agents: list[str]) -> None:
    """Events as Fargate's log router writes them: Fluent Bit's record, the app's line (after the runtime's
    prefix) in "log"."""
    stream = "banknote-kube.var.log.containers.banknote-5d9c7b6f4-abcde_banknote_app-0123.log"
    logs.create_log_stream(logGroupName="/banknote/app", logStreamName=stream)
    now = int(time.time() * 1000)
    events = [{"timestamp": now - 1000 + n,
               "message": json.dumps({"log": access_line(agent).rstrip("\n"), "stream": "stdout"})}
              for n, agent in enumerate(agents)]
    logs.put_log_events(logGroupName="/banknote/app", logStreamName=stream, logEvents=events)


@pytest.mark.ansible
def test_on_eks_the_requests_are_counted_in_the_cloudwatch_group(logs_moto: MotoServer):
    """The log group as Fargate's router fills it, on IAM-enforced moto: the operator reads it with
    FilterLogEvents, within docs/operator*.json scoped to the group."""
    logs = logs_moto.client("logs")
    logs.create_log_group(logGroupName="/banknote/app")
    put_router_events(logs, [AGENT] * 14 + ["HAProxy health check", AGENT + "x"])
    result = run_playbook(PLAYBOOK, extra_vars={**logs_moto.extra_vars, "verify_log_dir": "",
                                                "verify_log_cloudwatch_wait_seconds": 5}, timeout=300)
    assert result.returncode == 0, result.explain()
    (message,) = result.messages("Report the log count")
    assert message.startswith(f"verify: 14 of this run's requests (User-Agent {AGENT}) found in "
                              "CloudWatch Logs group /banknote/app, of 14 to 15 sent"), message
    operator_calls = [c for c in logs_moto.calls() if c["user"] == "banknote-operator"]
    assert {(c["service"], c["action"]) for c in operator_calls} == {("logs", "FilterLogEvents")}
    assert_calls_allowed(logs_moto.call_log)
