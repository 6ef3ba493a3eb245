"""Prometheus metrics without a client library, summed over every gunicorn worker.

How it works: the counters live in an anonymous shared memory map made when the app is created.
gunicorn.conf.py preloads the app in the master, so every forked worker shares that map, and its
pre_fork hook gives each worker its own row ("slot"): a worker only ever writes its own row and
/metrics sums all rows, so no lock is shared between processes and a killed worker can block
nobody. A replacement worker takes a free row and keeps adding to it; sums never go down.
Without preload (e.g. gunicorn run without our config) each worker has its own map and /metrics
shows only the worker that answers the scrape.
"""

import bisect
import mmap
import threading
import time
from collections.abc import Iterable

import numpy as np
from flask import Blueprint, Flask, Response, current_app, g, request

MAX_SLOTS = 64  # rows in the shared table: at least the number of live workers, also during a reload
STATUS_CODES = (200, 400, 404, 405, 413, 415, 422, 500)  # anything else counts as code="other"
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
UNMATCHED = "unmatched"  # requests that matched no route (404, 405): bounded label values



class _ThisProcess:
    """Which row this process writes, and the lock its threads (gthread workers) share for it."""

    slot = 0  # gunicorn.conf.py's post_fork sets it in each worker
    lock = threading.Lock()


def use_slot(slot: int) -> None:
    """Called in a freshly forked worker with the row the master reserved for it."""
    if not 0 <= slot < MAX_SLOTS:
        raise ValueError(f"metrics slot {slot} outside 0..{MAX_SLOTS - 1}")
    _ThisProcess.slot = slot
    _ThisProcess.lock = threading.Lock()  # a lock copied by fork may be held by a thread that is gone


class Metrics:
    """Fixed-layout counters: requests and latency per handler, predictions per class."""

    def __init__(self, handlers: Iterable[str], class_names: dict[int, str]) -> None:
        self.handlers = (*sorted(set(handlers)), UNMATCHED)
        self.class_names = tuple(class_names.values())
        self._class_index = {label: i for i, label in enumerate(class_names)}
        self._handler_index = {name: i for i, name in enumerate(self.handlers)}
        self._code_index = {code: i for i, code in enumerate(STATUS_CODES)}
        n_handlers, n_codes, n_buckets = len(self.handlers), len(STATUS_CODES) + 1, len(LATENCY_BUCKETS) + 1
        # One row per slot: [requests by handler x code | latency buckets by handler | latency sums | classes]
        self._requests_end = n_handlers * n_codes
        self._buckets_end = self._requests_end + n_handlers * n_buckets
        self._sums_end = self._buckets_end + n_handlers
        width = self._sums_end + len(self.class_names)
        # MAP_SHARED | MAP_ANONYMOUS: the pages stay shared with every process forked after this.
        self._memory = mmap.mmap(-1, MAX_SLOTS * width * 8)
        self._table = np.ndarray((MAX_SLOTS, width), dtype=np.float64, buffer=self._memory)
        # The same cells, flat, for the per-request increments: item access on a memoryview costs a
        # fraction of numpy's scalar indexing.
        self._cells = memoryview(self._memory).cast("d")
        self._width = width
        self._shape = (n_handlers, n_codes, n_buckets)

    def observe_request(self, handler: str, code: int, seconds: float) -> None:
        n_handlers, n_codes, n_buckets = self._shape
        h = self._handler_index.get(handler, n_handlers - 1)
        c = self._code_index.get(code, n_codes - 1)
        b = bisect.bisect_left(LATENCY_BUCKETS, seconds)  # first bucket whose bound (le) >= seconds
        cells = self._cells
        with _ThisProcess.lock:
            row = _ThisProcess.slot * self._width
            cells[row + h * n_codes + c] += 1
            cells[row + self._requests_end + h * n_buckets + b] += 1
            cells[row + self._buckets_end + h] += seconds

    def observe_predictions(self, labels: list[int]) -> None:
        first = self._sums_end
        if len(labels) == 1:  # the common case, without numpy's per-call overhead
            with _ThisProcess.lock:
                self._cells[_ThisProcess.slot * self._width + first + self._class_index[labels[0]]] += 1
            return
        counts = np.bincount([self._class_index[label] for label in labels], minlength=len(self.class_names))
        with _ThisProcess.lock:
            self._table[_ThisProcess.slot, first:] += counts

    def exposition(self) -> str:
        """Prometheus text format 0.0.4, summed over all slots; series never observed are left out."""
        totals = self._table.sum(axis=0)
        n_handlers, n_codes, n_buckets = self._shape
        requests = totals[: self._requests_end].reshape(n_handlers, n_codes)
        buckets = totals[self._requests_end : self._buckets_end].reshape(n_handlers, n_buckets)
        sums = totals[self._buckets_end : self._sums_end]
        classes = totals[self._sums_end :]
        codes = [str(code) for code in STATUS_CODES] + ["other"]

        requests_name = "banknote_http_requests_total"
        lines = [f"# HELP {requests_name} HTTP requests answered, by handler and status code.",
                 f"# TYPE {requests_name} counter"]
        for h, handler in enumerate(self.handlers):
            lines += [_sample(requests_name, value, handler=handler, code=code)
                      for code, value in zip(codes, requests[h], strict=True) if value]

        latency_name = "banknote_http_request_duration_seconds"
        lines += [f"# HELP {latency_name} Time from routing to response, by handler.",
                  f"# TYPE {latency_name} histogram"]
        for h, handler in enumerate(self.handlers):
            if not buckets[h].sum():
                continue
            cumulative = np.cumsum(buckets[h])
            lines += [_sample(f"{latency_name}_bucket", value, handler=handler, le=str(bound))
                      for bound, value in zip((*LATENCY_BUCKETS, "+Inf"), cumulative, strict=True)]
            lines.append(_sample(f"{latency_name}_sum", sums[h], handler=handler))
            lines.append(_sample(f"{latency_name}_count", cumulative[-1], handler=handler))

        predictions_name = "banknote_predictions_total"
        lines += [f"# HELP {predictions_name} Rows classified, by predicted class.",
                  f"# TYPE {predictions_name} counter"]
        lines += [_sample(predictions_name, value, **{"class": name})
                  for name, value in zip(self.class_names, classes, strict=True)]
        return "\n".join(lines) + "\n"


def _sample(name: str, value: float, **labels: str) -> str:
    """One sample line. Label values here are route and class names we chose: nothing to escape."""
    label_text = ",".join(f'{key}="{text}"' for key, text in labels.items())
    number = float(value)
    return f"{name}{{{label_text}}} {int(number) if number.is_integer() else repr(number)}"


bp = Blueprint("metrics", __name__)


@bp.get("/metrics")
def metrics() -> Response:
    text = current_app.extensions["banknote_metrics"].exposition()
    return Response(text, mimetype="text/plain", content_type="text/plain; version=0.0.4; charset=utf-8")


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
    """Creates the shared table once every route exists, and times every request."""
    app.register_blueprint(bp)
    app.extensions["banknote_metrics"] = Metrics(
        (rule.endpoint for rule in app.url_map.iter_rules()), class_names
    )
    app.before_request(_start_timer)
    app.after_request(_record_request)


def record_predictions(labels: list[int]) -> None:
    current_app.extensions["banknote_metrics"].observe_predictions(labels)
