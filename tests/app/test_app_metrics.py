"""/metrics: Prometheus text that moves with traffic; under gunicorn, summed over worker processes."""

import json
import os
import re
from pathlib import Path

import pytest
from prometheus_client.mmap_dict import MmapedDict, mmap_key

from app import create_app
from app.metrics import Metrics
from tests.support.http import post_json, request
from tests.support.wait import wait_until

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
GENUINE = 'banknote_predictions_total{class="genuine"}'
FORGED = 'banknote_predictions_total{class="forged"}'
POST_LATENCY = 'banknote_http_request_duration_seconds_{}{{handler="predict.predict_post"{}}}'
SAMPLE = re.compile(r'^[a-z_]+\{(?:[a-z_]+="[^"]*",?)*\} (?:\d+|\d+\.\d+(?:e-?\d+)?|[\d.]+e[-+]?\d+)$')


def parse(text: str) -> dict[str, float]:
    """{'name{labels}': value} from the text format, every line checked against it."""
    samples = {}
    for line in text.splitlines():
        if line.startswith("#"):
            assert re.match(r"^# (HELP|TYPE) [a-z_]+ .+$", line), line
            continue
        assert SAMPLE.match(line), line
        name, value = line.rsplit(" ", 1)
        samples[name] = float(value)
    return samples


def scrape(client) -> dict[str, float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.content_type == CONTENT_TYPE
    return parse(response.get_data(as_text=True))


# --- in-process: no PROMETHEUS_MULTIPROC_DIR, each app counts in its own registry ----------------

def test_counters_move_with_traffic(client, genuine_row, forged_row):
    before = scrape(client)
    client.post("/predict", json=genuine_row)
    client.post("/predict", json=[genuine_row, forged_row, genuine_row])
    client.get("/predict", query_string=forged_row)
    client.post("/predict", json={"variance": 1})
    client.get("/no-such-page")
    after = scrape(client)

    def moved(name):
        return after.get(name, 0) - before.get(name, 0)

    assert moved(GENUINE) == 3
    assert moved(FORGED) == 2
    assert moved('banknote_http_requests_total{code="200",handler="predict.predict_post"}') == 2
    assert moved('banknote_http_requests_total{code="422",handler="predict.predict_post"}') == 1
    assert moved('banknote_http_requests_total{code="200",handler="predict.predict_get"}') == 1
    assert moved('banknote_http_requests_total{code="404",handler="unmatched"}') == 1
    assert moved(POST_LATENCY.format("count", "")) == 3
    assert moved(POST_LATENCY.format("bucket", ',le="+Inf"')) == 3
    assert moved(POST_LATENCY.format("sum", "")) > 0


def test_v2_predictions_are_counted(client, genuine_row):
    before = scrape(client)[GENUINE]
    body = {"inputs": [{"name": "features", "shape": [2, 4], "datatype": "FP64",
                        "data": list(genuine_row.values()) * 2}]}
    assert client.post("/v2/models/banknote/infer", json=body).status_code == 200
    assert scrape(client)[GENUINE] - before == 2


def test_histogram_buckets_are_cumulative(client, genuine_row):
    for _ in range(5):
        client.post("/predict", json=genuine_row)
    samples = scrape(client)
    prefix = POST_LATENCY.format("bucket", ",")[:-1]
    buckets = [value for name, value in samples.items() if name.startswith(prefix)]
    assert len(buckets) == 13
    assert buckets == sorted(buckets)
    assert buckets[-1] == samples[POST_LATENCY.format("count", "")] == 5


def test_every_class_is_listed_from_the_first_scrape(client):
    samples = scrape(client)
    assert samples[GENUINE] == samples[FORGED] == 0
    assert not [name for name in samples if "_created" in name]  # the series the service always had


def test_each_app_counts_in_its_own_registry(serving_dir, genuine_row):
    first, second = (create_app({"MODEL_DIR": str(serving_dir)}).test_client() for _ in range(2))
    first.post("/predict", json=genuine_row)
    assert scrape(first)[GENUINE] == 1
    assert scrape(second)[GENUINE] == 0


def test_unknown_status_codes_and_handlers_are_bounded():
    metrics = Metrics(["a"], {0: "forged", 1: "genuine"})
    metrics.observe_request("a", 418, 0.1)
    metrics.observe_request("never-registered", 200, 0.1)
    samples = parse(metrics.exposition().decode())
    assert samples['banknote_http_requests_total{code="other",handler="a"}'] == 1
    assert samples['banknote_http_requests_total{code="200",handler="unmatched"}'] == 1
    assert len([name for name in samples if name.startswith("banknote_http_requests_total")]) == 2


# --- under gunicorn with the real config: prometheus_client's multiprocess mode ------------------

def genuine_counted(url: str, n: int) -> float:
    reply = request("GET", f"{url}/metrics?n={n}")
    assert (reply.status, reply.headers["Content-Type"]) == (200, CONTENT_TYPE)
    return parse(reply.body.decode())[GENUINE]


def answered_by(server, path: str) -> dict[int, int]:
    """{n: pid of the worker that answered} for the requests to `path` tagged ?n=N, from the access
    log, where gunicorn's worker writes its own pid (app/gunicorn.conf.py, JsonAccessLogger)."""
    records = (json.loads(line) for line in server.logs()[0].splitlines())
    return {int(r["query"].removeprefix("n=")): r["pid"] for r in records if r["path"] == path and r["query"]}


def workers_summing(predictions: dict[int, int], scrapes: dict[int, int]) -> set[int]:
    """Workers that answered a scrape after another worker had answered a prediction."""
    return {pid for n, pid in scrapes.items()
            if any(m <= n and other != pid for m, other in predictions.items())}


def all_logged(server, n: int) -> tuple[dict[int, int], dict[int, int]] | None:
    """(predictions, scrapes) from answered_by once the log has all n of each, else None."""
    predictions, scrapes = answered_by(server, "/predict"), answered_by(server, "/metrics")
    return (predictions, scrapes) if len(predictions) == len(scrapes) == n else None


@pytest.mark.slow
def test_every_scrape_counts_every_workers_predictions(gunicorn_factory, serving_dir, genuine_row, tmp_path):
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    # What a previous run may leave on the tmpfs (a restarted container in its pod): emptied at start.
    stale = MmapedDict(str(metrics_dir / "counter_1.db"))
    stale.write_value(mmap_key("banknote_predictions", "banknote_predictions_total", ["class"], ["genuine"],
                               "Rows classified, by predicted class."), 1000.0, 0.0)
    stale.close()
    server = gunicorn_factory({"MODEL_DIR": str(serving_dir), "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)},
                              workers=2)
    try:
        server.wait_ready()
        counted = {}  # n -> genuine predictions in the n-th scrape, sent right after the n-th prediction
        for n in range(1, 301):  # a new connection per request: the kernel picks the worker each time
            post_json(f"{server.url}/predict?n={n}", genuine_row)
            counted[n] = genuine_counted(server.url, n)
            if n % 10 == 0 and len(workers_summing(answered_by(server, "/predict"),
                                                   answered_by(server, "/metrics"))) >= 2:
                break
        # Each worker logs a request after answering it: wait until every one is in the log.
        predictions, scrapes = wait_until(lambda: all_logged(server, n), 10, what="every request's log line")
        files_while_running = {path.name for path in metrics_dir.iterdir()}
    finally:
        server.stop()

    assert len(set(predictions.values())) >= 2, f"one worker answered all {n} predictions"
    assert len(set(scrapes.values())) >= 2, f"one worker answered all {n} scrapes"
    assert len(workers_summing(predictions, scrapes)) >= 2
    # Whichever worker answered, every scrape counted every prediction so far: its own and the
    # other worker's, and nothing from the stale file.
    assert counted == {i: i for i in range(1, n + 1)}
    assert "counter_1.db" not in files_while_running
    assert {f"counter_{pid}.db" for pid in set(predictions.values())} <= files_while_running
    assert not metrics_dir.exists()  # removed when the server exited


@pytest.mark.slow
def test_default_directory_is_the_servers_own_on_the_tmpfs(gunicorn_factory, serving_dir, genuine_row,
                                                           monkeypatch):
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    server = gunicorn_factory({"MODEL_DIR": str(serving_dir)}, workers=2)
    try:
        server.wait_ready()
        post_json(f"{server.url}/predict?n=1", genuine_row)
        assert genuine_counted(server.url, 1) == 1
        directory = Path(f"/dev/shm/banknote-metrics-{server.process.pid}")
        worker = wait_until(lambda: all_logged(server, 1), 10, what="the prediction's log line")[0][1]
        assert f"counter_{worker}.db" in os.listdir(directory)
    finally:
        server.stop()
    assert not directory.exists()
