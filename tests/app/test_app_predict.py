"""POST and GET /predict: answers for real notes, batch forms and order, the response shape."""

import json
import math

import joblib
import numpy as np
import pytest

from app import create_app
from training.schema import CLASS_NAMES, CLASSES, FEATURES


@pytest.mark.parametrize(("row", "label", "name"),
                         [("genuine_row", 1, "genuine"), ("forged_row", 0, "forged")])
def test_note_from_the_data_gets_its_class(client, request, row, label, name):
    response = client.post("/predict", json=request.getfixturevalue(row))
    assert response.status_code == 200
    assert response.json["label"] == label
    assert response.json["class"] == name
    assert 0.5 <= response.json["probability"] <= 1.0


def test_answer_has_exactly_the_documented_keys_in_order(client, genuine_row):
    response = client.post("/predict", json=genuine_row)
    assert response.is_json
    assert list(json.loads(response.data)) == ["label", "class", "probability"]


def test_label_names_come_from_the_artifact(client, data_rows):
    """Every answer pairs label and class as training/schema.py (via model.json) defines them."""
    names = dict(zip(CLASSES, CLASS_NAMES, strict=True))
    rows = [features for features, _ in data_rows[::40]]
    predictions = client.post("/predict", json=rows).json["predictions"]
    assert {p["label"] for p in predictions} == set(CLASSES)  # both classes occur in this sample
    assert all(p["class"] == names[p["label"]] for p in predictions)


def test_probability_is_that_of_the_predicted_class(client, serving_dir, data_rows):
    """p is the forest's probability of the returned label, and the largest of its probabilities.

    Expected from scikit-learn itself (model.joblib, the estimator the artifact was exported from), not
    from app.forest: the served forest agrees with it to 1e-9
    (tests/training/test_training_forest_equivalence.py)."""
    rows = [features for features, _ in data_rows[::25]]
    predictions = client.post("/predict", json=rows).json["predictions"]
    assert len(predictions) == len(rows) > 0
    matrix = np.array([[row[name] for name in FEATURES] for row in rows])
    estimator = joblib.load(serving_dir.parent / "model.joblib")
    assert [int(c) for c in estimator.classes_] == [0, 1]  # so a column index is a label
    proba = estimator.predict_proba(matrix)
    for prediction, row_proba in zip(predictions, proba, strict=True):
        assert prediction["label"] == int(row_proba.argmax())
        assert prediction["probability"] == pytest.approx(row_proba[prediction["label"]], abs=1e-9)


def test_training_accuracy_through_the_api_is_high(client, data_rows):
    """A sanity check of the whole path (names, column order, labels): the forest fits its data."""
    rows = [features for features, _ in data_rows[:1000]]
    labels = [label for _, label in data_rows[:1000]]
    predictions = client.post("/predict", json=rows).json["predictions"]
    agreement = sum(p["label"] == label for p, label in zip(predictions, labels, strict=True)) / len(labels)
    assert agreement > 0.97


def test_batch_of_objects_keeps_order(client, genuine_row, forged_row):
    batch = [genuine_row, forged_row, forged_row, genuine_row, forged_row]
    response = client.post("/predict", json=batch)
    assert response.status_code == 200
    assert [p["label"] for p in response.json["predictions"]] == [1, 0, 0, 1, 0]


def test_instances_form_keeps_order_and_column_order(client, genuine_row, forged_row):
    instances = [[row[name] for name in FEATURES] for row in (forged_row, genuine_row, forged_row)]
    response = client.post("/predict", json={"instances": instances})
    assert response.status_code == 200
    assert [p["label"] for p in response.json["predictions"]] == [0, 1, 0]


def test_batch_answers_equal_single_answers(client, data_rows):
    rows = [features for features, _ in data_rows[::97]]
    batch = client.post("/predict", json=rows).json["predictions"]
    singles = [client.post("/predict", json=row).json for row in rows]
    assert batch == singles


def test_batch_up_to_the_limit_is_accepted(serving_dir, genuine_row):
    client = create_app({"MODEL_DIR": str(serving_dir), "MAX_BATCH_ROWS": 3}).test_client()
    assert client.post("/predict", json=[genuine_row] * 3).status_code == 200
    response = client.post("/predict", json=[genuine_row] * 4)
    assert response.status_code == 422
    assert "limit of 3" in response.json["error"]


def test_integers_are_numbers(client):
    response = client.post("/predict", json={"variance": 3, "skewness": 8, "curtosis": -2, "entropy": 0})
    assert response.status_code == 200


def test_json_suffix_and_charset_content_types_are_json(client, genuine_row):
    for content_type in ("application/json; charset=utf-8", "application/vnd.banknote+json"):
        response = client.post("/predict", data=json.dumps(genuine_row), content_type=content_type)
        assert response.status_code == 200, content_type


def test_missing_content_type_is_taken_as_json(client, genuine_row):
    response = client.post("/predict", data=json.dumps(genuine_row))
    assert response.status_code == 200
    assert response.json["label"] == 1


def test_get_with_query_string(client, genuine_row, forged_row):
    for row, label in ((genuine_row, 1), (forged_row, 0)):
        response = client.get("/predict", query_string=row)
        assert response.status_code == 200
        assert response.json["label"] == label
        assert response.json == client.post("/predict", json=row).json


def test_get_accepts_plain_decimal_forms(client):
    query = {"variance": "-1.5", "skewness": "+2", "curtosis": ".5e1", "entropy": "3E-2"}
    assert client.get("/predict", query_string=query).status_code == 200


def test_probabilities_are_finite_json_numbers(client, data_rows):
    rows = [features for features, _ in data_rows[::50]]
    for prediction in client.post("/predict", json=rows).json["predictions"]:
        assert isinstance(prediction["probability"], float)
        assert math.isfinite(prediction["probability"])
