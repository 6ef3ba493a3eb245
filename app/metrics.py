"""Prometheus metrics with prometheus_client; under gunicorn, counts for the whole pod.

gunicorn.conf.py sets PROMETHEUS_MULTIPROC_DIR before the app is imported, which puts
prometheus_client in multiprocess mode: each worker writes its counts to its own files in that
directory (on a tmpfs) and /metrics sums every file, exited workers' included, so sums never go
down while the server runs. Without the variable (in-process tests, `flask run`) each app counts
in its own registry and /metrics shows this process only.
"""

import os
import time
from collections.abc import Iterable

from flask import Blueprint, Flask, Response, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_PLAIN_0_0_4,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector

STATUS_CODES = frozenset((200, 400, 404, 405, 413, 415, 422, 500))  # anything else counts as code="other"
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
UNMATCHED = "unmatched"  # requests that matched no route (404, 405): bounded label values


class Metrics:
    """Requests and latency per handler, predictions per class."""

    def __init__(self, handlers: Iterable[str], class_names: dict[int, str]) -> None:
        self.handlers = frozenset(handlers)
        self.class_names = dict(class_names)
        # The series the text format 0.0.4 had before this library: no <name>_created samples (which
        # multiprocess mode never writes anyway). A process-wide switch; this app owns its process.
        disable_created_metrics()
        # Multiprocess mode (prometheus_client chose it from this variable on import): the metrics
        # write to files and belong to no registry; each scrape reads the files.
        own = None if os.environ.get("PROMETHEUS_MULTIPROC_DIR") else CollectorRegistry()
        self._registry = own
        self._requests = Counter("banknote_http_requests",
                                 "HTTP requests answered, by handler and status code.",
                                 ("handler", "code"), registry=own)
        self._latency = Histogram("banknote_http_request_duration_seconds",
                                  "Time from routing to response, by handler.",
                                  ("handler",), buckets=LATENCY_BUCKETS, registry=own)
        self._predictions = Counter("banknote_predictions", "Rows classified, by predicted class.",
                                    ("class",), registry=own)
        # Each process's labelled series, made on first use (in a worker: the master writes no
        # file), so a request skips labels()' lock and lookup; keys are bounded by routes and codes.
        self._request_series: dict[tuple[str, int], tuple[Counter, Histogram]] = {}
        self._class_series: dict[int, Counter] = {}

    def observe_request(self, handler: str, code: int, seconds: float) -> None:
        series = self._request_series.get((handler, code))
        if series is None:
            name = handler if handler in self.handlers else UNMATCHED
            series = self._request_series[handler, code] = (
                self._requests.labels(name, str(code) if code in STATUS_CODES else "other"),
                self._latency.labels(name),
            )
        series[0].inc()
        series[1].observe(seconds)

    def _predicted(self, label: int) -> Counter:
        series = self._class_series.get(label)
        if series is None:
            series = self._class_series[label] = self._predictions.labels(self.class_names[label])
        return series

    def observe_predictions(self, labels: list[int]) -> None:
        if len(labels) == 1:  # the common case
            self._predicted(labels[0]).inc()
            return
        for label in self.class_names:
            if count := labels.count(label):
                self._predicted(label).inc(count)

    def exposition(self) -> bytes:
        # Every class is listed, 0 until predicted: inc(0) writes the series into this process's
        # file in multiprocess mode, where a series exists only once some process has written it.
        for label in self.class_names:
            self._predicted(label).inc(0)
        if self._registry is not None:
            return generate_latest(self._registry)
        # A registry per scrape, as prometheus_client's documentation does: made in a worker, after
        # gunicorn created the directory (on_starting), and it reads whichever files exist now.
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        return generate_latest(registry)


bp = Blueprint("metrics", __name__)


@bp.get("/metrics")
def metrics() -> Response:
    body = current_app.extensions["banknote_metrics"].exposition()
    return Response(body, content_type=CONTENT_TYPE_PLAIN_0_0_4)


def _start_timer() -> None:
    g.request_started = time.perf_counter()


def _record_request(response: Response) -> Response:
    started = g.pop("request_started", None)
    if started is not None:
        rule = request.url_rule
        current_app.extensions["banknote_metrics"].observe_request(
            rule.endpoint if rule is not None else UNMATCHED, response.status_code,
            time.perf_counter() - started,
        )
    return response


def init_metrics(app: Flask, class_names: dict[int, str]) -> None:
    """Creates the metrics once every route exists, and times every request."""
    app.register_blueprint(bp)
    handlers = (rule.endpoint for rule in app.url_map.iter_rules())
    app.extensions["banknote_metrics"] = Metrics(handlers, class_names)
    app.before_request(_start_timer)
    app.after_request(_record_request)


def record_predictions(labels: list[int]) -> None:
    current_app.extensions["banknote_metrics"].observe_predictions(labels)
