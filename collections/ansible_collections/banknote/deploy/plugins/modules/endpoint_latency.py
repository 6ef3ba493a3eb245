#!/usr/bin/python
"""Ansible module: send a bounded number of identical HTTP requests and report latency percentiles."""
# Ansible module layout: DOCUMENTATION first, then imports.
# ruff: noqa: E402

DOCUMENTATION = r"""
module: endpoint_latency
short_description: Measure an HTTP endpoint's latency over a bounded number of requests
description:
  - Sends O(count) requests one after another (each on a new connection, as separate clients would),
    stopping early after O(max_seconds). Reports failures (transport errors or another status than
    O(status_code)) and latency percentiles in milliseconds, nearest-rank method.
  - Ansible's own uri module reports whole seconds and adds a task's overhead per request, hence this module.
options:
  url: {description: URL to call., type: str, required: true}
  method: {description: HTTP method., type: str, default: GET}
  body: {description: JSON body (sent with Content-Type application/json)., type: raw}
  count: {description: Number of requests., type: int, default: 50}
  timeout: {description: Per-request timeout in seconds., type: float, default: 10}
  max_seconds: {description: Stop sending after this many seconds., type: float, default: 60}
  status_code: {description: Status that counts as success., type: int, default: 200}
  ca_path:
    description:
      - PEM file of the CA certificate(s) HTTPS requests trust, instead of the system's trust store.
      - The certificate and the hostname are always verified.
    type: path
  http_agent:
    description: User-Agent header of every request (an id tells this run's requests apart in access logs).
    type: str
    default: banknote-endpoint-latency
author: banknote k8s (!UNKNOWN)
"""

EXAMPLES = r"""
- name: p95 over 50 predictions
  banknote.deploy.endpoint_latency:
    url: http://127.0.0.1:8080/predict
    method: POST
    body: {variance: 3.6216, skewness: 8.6661, curtosis: -2.8073, entropy: -0.44699}
    count: 50
  register: latency

- name: The same over HTTPS, trusting a private CA, with an agent the access log can be searched for
  banknote.deploy.endpoint_latency:
    url: https://127.0.0.1:8443/v2/health/ready
    ca_path: /srv/ca.crt
    http_agent: banknote-verify/abc123
"""

RETURN = r"""
sent: {description: Requests sent., type: int, returned: always}
failures: {description: Requests that failed or got another status., type: int, returned: always}
p50_ms: {description: Median latency (successful requests)., type: float, returned: always}
p95_ms: {description: 95th percentile latency (successful requests)., type: float, returned: always}
max_ms: {description: Slowest successful request., type: float, returned: always}
first_error: {description: The first failure's description (empty when none)., type: str, returned: always}
"""

import json
import math
import time
import urllib.error

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.urls import Request, make_context


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an ascending list (0.0 for an empty list)."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


def one_request(client, url, method, data, status_code):
    headers = {"Content-Type": "application/json"} if data is not None else {}
    started = time.perf_counter()
    try:
        with client.open(method, url, data=data, headers=headers) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except (urllib.error.URLError, OSError) as exc:
        return None, f"{type(exc).__name__}: {exc}"
    elapsed_ms = (time.perf_counter() - started) * 1000
    if status != status_code:
        return None, f"status {status}, expected {status_code}"
    return elapsed_ms, ""


def main():
    module = AnsibleModule(
        argument_spec={
            "url": {"type": "str", "required": True},
            "method": {"type": "str", "default": "GET"},
            "body": {"type": "raw"},
            "count": {"type": "int", "default": 50},
            "timeout": {"type": "float", "default": 10},
            "max_seconds": {"type": "float", "default": 60},
            "status_code": {"type": "int", "default": 200},
            "ca_path": {"type": "path"},
            "http_agent": {"type": "str", "default": "banknote-endpoint-latency"},
        },
        supports_check_mode=True,
    )
    p = module.params
    if p["count"] < 1:
        module.fail_json(msg="count must be at least 1")
    data = None if p["body"] is None else json.dumps(p["body"]).encode()
    # ansible-core's Request (module_utils/urls.py): urllib with Ansible's TLS and proxy handling. Its TLS
    # context is made once here: open_url makes one per request (ssl.create_default_context loads the CA
    # bundle, ~20 ms), which would be timed as the endpoint's latency. make_context(cafile=...) trusts only
    # that file (ansible-core module_utils/urls.py, make_context), and always verifies.
    client = Request(timeout=p["timeout"], http_agent=p["http_agent"],
                     context=make_context(cafile=p["ca_path"]))
    latencies, failures, first_error, sent = [], 0, "", 0
    deadline = time.monotonic() + p["max_seconds"]
    while sent < p["count"] and time.monotonic() < deadline:
        sent += 1
        elapsed_ms, error = one_request(client, p["url"], p["method"].upper(), data, p["status_code"])
        if elapsed_ms is None:
            failures += 1
            first_error = first_error or error
        else:
            latencies.append(elapsed_ms)
    latencies.sort()
    module.exit_json(
        changed=False, sent=sent, failures=failures, first_error=first_error,
        p50_ms=round(percentile(latencies, 0.50), 2), p95_ms=round(percentile(latencies, 0.95), 2),
        max_ms=round(latencies[-1], 2) if latencies else 0.0,
    )


if __name__ == "__main__":
    main()
