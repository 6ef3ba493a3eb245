"""Filters for verify's count of its own requests in the app's access log (tasks/logs.yml).

The app writes one JSON object per request on stdout (app/gunicorn.conf.py, JsonAccessLogger), with the
client's User-Agent as `user_agent`; verify sends one agent per run (verify_http_agent).
"""

from ansible_collections.banknote.deploy.plugins.module_utils.access_log import record_agent


def _sent(results, retried_as_one):
    total = 0
    for result in results:
        if not isinstance(result, dict) or result.get("skipped"):
            continue
        if isinstance(result.get("results"), list):  # a loop: one result per item
            total += _sent(result["results"], retried_as_one)
        elif "sent" in result:  # banknote.deploy.endpoint_latency
            total += int(result["sent"])
        else:  # one request per attempt (until/retries); none made = no attempts key = one request
            total += 1 if retried_as_one else int(result.get("attempts", 1))
    return total


def verify_requests_sent(results):
    """(fewest, most) requests the registered `results` sent that reached the app.

    A retried task (until/retries) keeps only its last attempt's result: its earlier attempts may have failed
    before reaching the app (connection refused, no route) or reached it (a 503 from a pod not yet ready).
    Its last attempt succeeded, so it reached the app: fewest counts it once, most counts every attempt."""
    return [_sent(results, retried_as_one=True), _sent(results, retried_as_one=False)]


def verify_access_lines_with_agent(lines, agent):
    """How many of `lines` are access records (a JSON object, after any prefix a log driver adds, e.g.
    podman's k8s-file "<time> stdout F ") whose user_agent is exactly `agent`."""
    return sum(1 for line in lines if record_agent(line) == agent)


class FilterModule:
    def filters(self):
        return {
            "verify_requests_sent": verify_requests_sent,
            "verify_access_lines_with_agent": verify_access_lines_with_agent,
        }
