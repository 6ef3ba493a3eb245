#!/usr/bin/python
"""Ansible module: count the app's access records of one User-Agent in a CloudWatch Logs group."""
# Ansible module layout: DOCUMENTATION first, then imports (botocore is checked by AnsibleAWSModule).
# ruff: noqa: E402

DOCUMENTATION = r"""
module: cloudwatchlogs_agent_count
short_description: Count the access records of one User-Agent in a CloudWatch Logs group
description:
  - Reads the log group's events since O(start_time) that contain O(user_agent) (FilterLogEvents with the
    agent as a quoted term, every page) and counts those that are access records whose C(user_agent) is
    exactly O(user_agent).
  - An event is an access record when its message is a JSON object with C(user_agent), or a JSON object
    whose C(log) string holds one (Fluent Bit's record, as Fargate's log router writes it, with or without
    a container runtime prefix before the JSON).
  - With O(expected) above 0, reads again every O(delay) seconds until at least that many are found or
    O(wait_timeout) seconds have passed (events are searchable a few seconds after they are written), then
    returns the last count; the caller decides what a short count means.
  - Reads only; check mode reads too.
options:
  log_group_name:
    description: The log group.
    type: str
    required: true
  user_agent:
    description: The User-Agent to count (one per client run, so other clients' records are not counted).
    type: str
    required: true
  start_time:
    description: Only events at or after this time, in milliseconds since the epoch.
    type: int
    required: true
  expected:
    description: Wait until at least this many records are found (0 = read once).
    type: int
    default: 0
  wait_timeout:
    description: Seconds to keep reading while fewer than O(expected) are found.
    type: int
    default: 60
  delay:
    description: Seconds between two reads.
    type: int
    default: 5
extends_documentation_fragment: [amazon.aws.common.modules, amazon.aws.region.modules, amazon.aws.boto3]
author: banknote deploy (!UNKNOWN)
"""

EXAMPLES = r"""
- name: Count this run's requests in the app's log group
  banknote.deploy.cloudwatchlogs_agent_count:
    log_group_name: /banknote/app
    user_agent: banknote-verify/0123456789ab
    start_time: 1796040000000
    expected: 64
    region: us-east-1
  register: counted
"""

RETURN = r"""
count:
  description: Access records whose user_agent is O(user_agent).
  type: int
  returned: always
events:
  description: Events FilterLogEvents returned for the term (records and anything else mentioning it).
  type: int
  returned: always
"""

import json

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.banknote.deploy.plugins.module_utils.access_log import record_agent
from ansible_collections.banknote.deploy.plugins.module_utils.aws import AWS_ERRORS, client, wait_until


def main():
    module = AnsibleAWSModule(
        argument_spec={
            "log_group_name": {"type": "str", "required": True},
            "user_agent": {"type": "str", "required": True},
            "start_time": {"type": "int", "required": True},
            "expected": {"type": "int", "default": 0},
            "wait_timeout": {"type": "int", "default": 60},
            "delay": {"type": "int", "default": 5},
        },
        supports_check_mode=True,
    )
    params = module.params
    logs = client(module, "logs")
    # A quoted term matches the exact phrase anywhere in the message (CloudWatch Logs filter pattern syntax).
    request = {"logGroupName": params["log_group_name"], "startTime": params["start_time"],
               "filterPattern": json.dumps(params["user_agent"])}

    def read():
        events, token = [], None
        while True:
            try:
                page = logs.filter_log_events(aws_retry=True, **request,
                                              **({"nextToken": token} if token else {}))
            except AWS_ERRORS as error:
                module.fail_json_aws(error, msg=f"Cannot read the log group {params['log_group_name']}")
            events += page.get("events", [])
            token = page.get("nextToken")
            if not token:
                break
        count = sum(1 for event in events if record_agent(event.get("message", "")) == params["user_agent"])
        return count >= params["expected"], {"count": count, "events": len(events)}

    result = wait_until(module, read, params["wait_timeout"], params["delay"])
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
