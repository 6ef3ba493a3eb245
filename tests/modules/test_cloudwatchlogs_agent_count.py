"""banknote.deploy.cloudwatchlogs_agent_count (verify's count on aws) against stubbed CloudWatch Logs.

Events are shaped like FilterLogEvents' FilteredLogEvent (logStreamName, timestamp, message, ingestionTime,
eventId); messages like Fargate's log router writes them (Fluent Bit's record: the app's line in "log").
"""

import json

from tests.modules.harness import aws_error

MODULE = "banknote.deploy.cloudwatchlogs_agent_count"
GROUP, AGENT, START = "/banknote/app", "banknote-verify/0123456789ab", 1796040000000
ARGS = {"log_group_name": GROUP, "user_agent": AGENT, "start_time": START, "region": "us-east-1"}
REQUEST = {"logGroupName": GROUP, "startTime": START, "filterPattern": json.dumps(AGENT)}
STREAM = "banknote-kube.var.log.containers.banknote-5d9c7b6f4-abcde_banknote_app-0123.log"


def access(agent, path="/predict"):
    return {"time": "2026-11-30T15:00:00+0000", "method": "POST", "path": path, "status": 200,
            "user_agent": agent, "pid": 7}


def event(number, message):
    return {"logStreamName": STREAM, "timestamp": START + number, "message": message,
            "ingestionTime": START + number + 900, "eventId": f"{number:056d}"}


def router(record, prefix="2026-11-30T15:00:00.123456789Z stdout F "):
    """Fluent Bit's record for one stdout line (the app's JSON after the container runtime's prefix)."""
    return json.dumps({"log": prefix + json.dumps(record), "stream": "stdout"})


def page(*events, token=None):
    response = {"events": list(events), "searchedLogStreams": []}
    if token:
        response["nextToken"] = token
    return response


def test_counts_records_of_exactly_this_agent_on_every_page(run_module):
    first = page(event(1, router(access(AGENT))), event(2, router(access(AGENT + "-other"))), token="t2")
    second = page(event(3, json.dumps(access(AGENT))),  # the app's line as the whole message
                  event(4, f"gunicorn: not an access record, mentions {AGENT}"),
                  event(5, router(access(AGENT), prefix="")))
    stubs = {"logs": [("filter_log_events", first, REQUEST),
                      ("filter_log_events", second, dict(REQUEST, nextToken="t2"))]}
    result = run_module(MODULE, ARGS, stubs)
    assert not result.get("failed"), result
    assert (result["count"], result["events"]) == (3, 5)
    assert result["changed"] is False


def test_waits_for_late_events_up_to_the_expected_count(run_module):
    one, two = event(1, router(access(AGENT))), event(2, router(access(AGENT)))
    stubs = {"logs": [("filter_log_events", page(one), REQUEST),
                      ("filter_log_events", page(one, two), REQUEST)]}
    result = run_module(MODULE, dict(ARGS, expected=2, delay=3), stubs)
    assert result["count"] == 2
    assert run_module.last.sleeps == [3]


def test_a_short_count_after_the_wait_is_returned_not_failed(run_module):
    result = run_module(MODULE, dict(ARGS, expected=5, wait_timeout=-1),
                        {"logs": [("filter_log_events", page(event(1, router(access(AGENT)))), REQUEST)]})
    assert not result.get("failed"), result
    assert result["count"] == 1


def test_a_missing_group_fails_naming_it(run_module):
    missing = aws_error("ResourceNotFoundException", "The specified log group does not exist.")
    result = run_module(MODULE, ARGS, {"logs": [("filter_log_events", missing, REQUEST)]})
    assert result["failed"]
    assert GROUP in result["msg"]


def test_throttling_is_retried(run_module):
    result = run_module(MODULE, ARGS, {"logs": [
        ("filter_log_events", aws_error("ThrottlingException"), REQUEST),
        ("filter_log_events", page(event(1, router(access(AGENT)))), REQUEST)]})
    assert result["count"] == 1
    assert len(run_module.last.calls) == 2
