"""The app's access records (app/gunicorn.conf.py, JsonAccessLogger: one JSON object per request on stdout,
the client's User-Agent as `user_agent`), as they arrive wherever its stdout goes: shared by the module
cloudwatchlogs_agent_count (Fluent Bit events in CloudWatch Logs) and the verify role's filter
verify_access_lines_with_agent (podman's k8s-file log lines). Standard library only.
"""

from __future__ import annotations

import json


def _json_object(text):
    """The JSON object in `text` from its first "{" (after any prefix a log driver adds), or None."""
    start = text.find("{")
    if start < 0:
        return None
    try:
        value = json.loads(text[start:])
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def record_agent(text):
    """The user_agent of the access record in `text`, or None when it holds none: the record itself after any
    prefix (podman's k8s-file "<time> stdout F "), or inside Fluent Bit's {"log": "<the app's line>", ...}."""
    record = _json_object(text)
    if record is not None and "user_agent" not in record and isinstance(record.get("log"), str):
        record = _json_object(record["log"])
    return record.get("user_agent") if record is not None else None
