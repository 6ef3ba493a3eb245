"""/predict: the service's own JSON API, one row or a batch, plus the seed's query-string form."""

from typing import Any

import numpy as np
from flask import Blueprint, current_app, request

from app.metrics import record_predictions
from app.model import Classifier
from app.validation import (
    ApiError,
    as_matrix,
    check_batch_size,
    check_fields,
    json_type,
    parse_decimal,
    read_json,
    row_from_list,
    row_from_object,
)

bp = Blueprint("predict", __name__)


def classifier() -> Classifier:
    return current_app.extensions["banknote_classifier"]


def _results(model: Classifier, rows: np.ndarray) -> list[dict[str, Any]]:
    """One {"label", "class", "probability"} per row; probability is that of the predicted class."""
    labels, probabilities = model.predict(rows)
    record_predictions(labels)
    names = model.class_name_of
    return [
        {"label": label, "class": names[label], "probability": probability}
        for label, probability in zip(labels, probabilities, strict=True)
    ]


@bp.post("/predict")
def predict_post() -> dict[str, Any]:
    model = classifier()
    body = read_json(request)
    max_rows = current_app.config["MAX_BATCH_ROWS"]
    if type(body) is dict and "instances" in body:
        check_fields(list(body), ("instances",), "body")
        items = check_batch_size(body["instances"], max_rows, "instances")
        rows = [row_from_list(item, model.feature_names, f"instances[{i}]") for i, item in enumerate(items)]
        return {"predictions": _results(model, as_matrix(rows))}
    if type(body) is dict:
        # The hot path: one row, one model call, no batch machinery and no arrays.
        label, probability = model.predict_one(row_from_object(body, model.feature_names))
        record_predictions([label])
        return {"label": label, "class": model.class_name_of[label], "probability": probability}
    if type(body) is list:
        items = check_batch_size(body, max_rows, "body")
        rows = [row_from_object(item, model.feature_names, f"[{i}]") for i, item in enumerate(items)]
        return {"predictions": _results(model, as_matrix(rows))}
    raise ApiError(
        422,
        f"expected an object with {', '.join(model.feature_names)}, an array of such objects, "
        f'or {{"instances": [[...], ...]}}; got {json_type(body)}',
    )


@bp.get("/predict")
def predict_get() -> dict[str, Any]:
    """GET /predict?variance=..&skewness=..&curtosis=..&entropy=.. (kept for the seed's clients)."""
    model = classifier()
    args = request.args
    check_fields(list(args), model.feature_names, "query")
    repeated = [name for name in model.feature_names if len(args.getlist(name)) > 1]
    if repeated:
        raise ApiError(422, f"query: {', '.join(repeated)} given more than once")
    row = [parse_decimal(args[name], name) for name in model.feature_names]
    return _results(model, as_matrix([row]))[0]
