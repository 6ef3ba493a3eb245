"""/metrics: Prometheus text that moves with traffic, summed over worker processes."""

import multiprocessing
import re

from app.metrics import Metrics, use_slot

POST_LATENCY = 'banknote_http_request_duration_seconds_{}{{handler="predict.predict_post"{}}}'
SAMPLE = re.compile(r'^[a-z_]+\{(?:[a-z_]+="[^"]*",?)*\} (?:\d+|\d+\.\d+(?:e-?\d+)?|[\d.]+e[-+]?\d+)$')


def scrape(client) -> dict[str, float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.content_type == "text/plain; version=0.0.4; charset=utf-8"
    samples = {}
    for line in response.get_data(as_text=True).splitlines():
        if line.startswith("#"):
            assert re.match(r"^# (HELP|TYPE) [a-z_]+ .+$", line), line
            continue
        assert SAMPLE.match(line), line
        name, value = line.rsplit(" ", 1)
        samples[name] = float(value)
    return samples


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

    assert moved('banknote_predictions_total{class="genuine"}') == 3
    assert moved('banknote_predictions_total{class="forged"}') == 2
    assert moved('banknote_http_requests_total{handler="predict.predict_post",code="200"}') == 2
    assert moved('banknote_http_requests_total{handler="predict.predict_post",code="422"}') == 1
    assert moved('banknote_http_requests_total{handler="predict.predict_get",code="200"}') == 1
    assert moved('banknote_http_requests_total{handler="unmatched",code="404"}') == 1
    assert moved(POST_LATENCY.format("count", "")) == 3
    assert moved(POST_LATENCY.format("bucket", ',le="+Inf"')) == 3
    assert moved(POST_LATENCY.format("sum", "")) > 0


def test_v2_predictions_are_counted(client, genuine_row):
    before = scrape(client).get('banknote_predictions_total{class="genuine"}', 0)
    body = {"inputs": [{"name": "features", "shape": [2, 4], "datatype": "FP64",
                        "data": list(genuine_row.values()) * 2}]}
    assert client.post("/v2/models/banknote/infer", json=body).status_code == 200
    assert scrape(client)['banknote_predictions_total{class="genuine"}'] - before == 2


def test_histogram_buckets_are_cumulative(client, genuine_row):
    for _ in range(5):
        client.post("/predict", json=genuine_row)
    samples = scrape(client)
    prefix = POST_LATENCY.format("bucket", ",")[:-1]
    buckets = [value for name, value in samples.items() if name.startswith(prefix)]
    assert len(buckets) == 13
    assert buckets == sorted(buckets)
    assert buckets[-1] == samples[POST_LATENCY.format("count", "")]


def _record_in_another_process(metrics: Metrics, slot: int) -> None:
    use_slot(slot)
    metrics.observe_request("predict.predict_post", 200, 0.002)
    metrics.observe_predictions([1, 1, 0])


def test_forked_workers_share_the_table():
    """A forked process writing its own row shows up in the parent's exposition (gunicorn's case)."""
    metrics = Metrics(["predict.predict_post"], {0: "forged", 1: "genuine"})
    metrics.observe_request("predict.predict_post", 200, 0.001)
    fork = multiprocessing.get_context("fork")
    for slot in (1, 2):
        child = fork.Process(target=_record_in_another_process, args=(metrics, slot))
        child.start()
        child.join(timeout=30)
        assert child.exitcode == 0
    text = metrics.exposition()
    assert 'banknote_http_requests_total{handler="predict.predict_post",code="200"} 3' in text
    assert 'banknote_predictions_total{class="genuine"} 4' in text
    assert 'banknote_predictions_total{class="forged"} 2' in text
    assert POST_LATENCY.format("bucket", ',le="0.001"') + " 1" in text
    assert POST_LATENCY.format("bucket", ',le="0.0025"') + " 3" in text


def test_unknown_status_codes_and_handlers_are_bounded():
    metrics = Metrics(["a"], {0: "forged", 1: "genuine"})
    metrics.observe_request("a", 418, 0.1)
    metrics.observe_request("never-registered", 200, 0.1)
    text = metrics.exposition()
    assert 'banknote_http_requests_total{handler="a",code="other"} 1' in text
    assert 'banknote_http_requests_total{handler="unmatched",code="200"} 1' in text
