"""Open Inference Protocol V2 REST: health, server and model metadata, inference."""

import json

import pytest

from training.schema import FEATURES

INFER = "/v2/models/banknote/infer"


def rows_of(*rows):
    return [[row[name] for name in FEATURES] for row in rows]


def infer_body(rows, datatype="FP32", nested=False, **extra):
    data = rows if nested else [value for row in rows for value in row]
    return {"inputs": [{"name": "features", "shape": [len(rows), 4], "datatype": datatype, "data": data}],
            **extra}


def test_server_metadata(client):
    response = client.get("/v2")
    assert response.status_code == 200
    assert response.json == {"name": "banknote-inference", "version": "0.1.0", "extensions": []}


def test_health_live_and_ready(client):
    assert client.get("/v2/health/live").json == {"live": True}
    assert client.get("/v2/health/ready").json == {"ready": True}


def test_model_metadata_shape(client, serving_dir):
    model_json = json.loads((serving_dir / "model.json").read_text())
    response = client.get("/v2/models/banknote")
    assert response.status_code == 200
    meta = response.json
    assert meta["name"] == "banknote"
    assert meta["versions"] == [model_json["arrays_sha256"][:12]]
    assert meta["platform"] == model_json["format"]
    assert meta["inputs"] == [{"name": "features", "datatype": "FP32", "shape": [-1, len(FEATURES)]}]
    assert meta["outputs"] == [
        {"name": "label", "datatype": "INT64", "shape": [-1]},
        {"name": "probability", "datatype": "FP64", "shape": [-1]},
    ]


def test_versioned_paths_answer_for_the_served_version(client):
    version = client.get("/v2/models/banknote").json["versions"][0]
    base = f"/v2/models/banknote/versions/{version}"
    assert client.get(base).json == client.get("/v2/models/banknote").json
    assert client.get(f"{base}/ready").json == {"name": "banknote", "ready": True}
    response = client.post(f"{base}/infer", json=infer_body([[3.6216, 8.6661, -2.8073, -0.44699]]))
    assert response.status_code == 200
    assert response.json["model_version"] == version


def test_model_ready(client):
    assert client.get("/v2/models/banknote/ready").json == {"name": "banknote", "ready": True}


@pytest.mark.parametrize("datatype", ["FP32", "FP64"])
@pytest.mark.parametrize("nested", [False, True], ids=["flat", "nested"])
def test_infer_classifies_known_rows_in_order(client, genuine_row, forged_row, datatype, nested):
    rows = rows_of(genuine_row, forged_row, forged_row, genuine_row)
    response = client.post(INFER, json=infer_body(rows, datatype, nested))
    assert response.status_code == 200
    body = response.json
    assert body["model_name"] == "banknote"
    assert "id" not in body
    label, probability = body["outputs"]
    assert label == {"name": "label", "datatype": "INT64", "shape": [4], "data": [1, 0, 0, 1]}
    assert probability["name"] == "probability"
    assert probability["datatype"] == "FP64"
    assert probability["shape"] == [4]
    assert all(0.5 <= p <= 1.0 for p in probability["data"])


def test_infer_agrees_with_predict(client, data_rows):
    rows = [features for features, _ in data_rows[::30]]
    predictions = client.post("/predict", json=rows).json["predictions"]
    outputs = client.post(INFER, json=infer_body(rows_of(*rows))).json["outputs"]
    assert outputs[0]["data"] == [p["label"] for p in predictions]
    assert outputs[1]["data"] == [p["probability"] for p in predictions]


def test_infer_echoes_id(client, genuine_row):
    response = client.post(INFER, json=infer_body(rows_of(genuine_row), id="req-42"))
    assert response.json["id"] == "req-42"


def test_infer_returns_only_requested_outputs(client, genuine_row):
    body = infer_body(rows_of(genuine_row), outputs=[{"name": "probability", "parameters": {"x": True}}])
    outputs = client.post(INFER, json=body).json["outputs"]
    assert [output["name"] for output in outputs] == ["probability"]


def test_infer_accepts_parameters(client, genuine_row):
    body = infer_body(rows_of(genuine_row), parameters={"content_type": "np", "binary_data_output": False})
    body["inputs"][0]["parameters"] = {"content_type": "np"}
    response = client.post(INFER, json=body)
    assert response.status_code == 200
    assert response.json["outputs"][0]["data"] == [1]


def test_infer_up_to_the_row_limit(client, genuine_row):
    response = client.post(INFER, json=infer_body(rows_of(*[genuine_row] * 1000)))
    assert response.status_code == 200
    assert response.json["outputs"][0]["shape"] == [1000]
