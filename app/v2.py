"""Open Inference Protocol (KServe V2) REST: health, metadata and inference for the one model.

The input is one FP32 or FP64 tensor named "features" of shape [N, 4] (columns in the order of
the model's feature names), data flat (row-major) or nested. Outputs: "label" INT64 [N] and
"probability" FP64 [N], the probability of the predicted label. Binary tensor data is not
supported (tritonclient users: binary_data=False).
"""

from typing import Any

from flask import Blueprint, current_app, request

from app.metrics import record_predictions
from app.model import MODEL_NAME, Classifier
from app.settings import SERVICE_NAME, SERVICE_VERSION
from app.validation import (
    ApiError,
    as_matrix,
    check_fields,
    check_number,
    json_type,
    read_json,
    shown,
)

bp = Blueprint("v2", __name__, url_prefix="/v2")

INPUT_NAME = "features"
INPUT_DATATYPES = ("FP32", "FP64")
OUTPUTS = {"label": "INT64", "probability": "FP64"}
ABSENT = object()  # an optional field left out, as opposed to one sent as null (which is refused)


def classifier() -> Classifier:
    return current_app.extensions["banknote_classifier"]


def _check_model(model_name: str, model_version: str | None) -> Classifier:
    model = classifier()
    if model_name != MODEL_NAME:
        raise ApiError(404, f"unknown model {shown(model_name)}: this server serves {MODEL_NAME!r}")
    if model_version is not None and model_version != model.version:
        raise ApiError(404, f"unknown version {shown(model_version)} of {MODEL_NAME!r}: "
                            f"the served version is {model.version!r}")
    return model


@bp.get("")
def server_metadata() -> dict[str, Any]:
    return {"name": SERVICE_NAME, "version": SERVICE_VERSION, "extensions": []}


@bp.get("/health/live")
def live() -> dict[str, Any]:
    return {"live": True}


@bp.get("/health/ready")
def ready() -> dict[str, Any]:
    # The model loads before the first request can arrive (or start-up fails), so serving means ready.
    return {"ready": True}


@bp.get("/models/<model_name>")
@bp.get("/models/<model_name>/versions/<model_version>")
def model_metadata(model_name: str, model_version: str | None = None) -> dict[str, Any]:
    model = _check_model(model_name, model_version)
    return {
        "name": MODEL_NAME,
        "versions": [model.version],
        "platform": model.platform,
        "inputs": [{"name": INPUT_NAME, "datatype": "FP32", "shape": [-1, model.n_features]}],
        "outputs": [{"name": name, "datatype": dtype, "shape": [-1]} for name, dtype in OUTPUTS.items()],
    }


@bp.get("/models/<model_name>/ready")
@bp.get("/models/<model_name>/versions/<model_version>/ready")
def model_ready(model_name: str, model_version: str | None = None) -> dict[str, Any]:
    _check_model(model_name, model_version)
    return {"name": MODEL_NAME, "ready": True}


@bp.post("/models/<model_name>/infer")
@bp.post("/models/<model_name>/versions/<model_version>/infer")
def infer(model_name: str, model_version: str | None = None) -> dict[str, Any]:
    model = _check_model(model_name, model_version)
    body = read_json(request)
    if type(body) is not dict:
        raise ApiError(422, f"expected an inference request object, got {json_type(body)}")
    check_fields(list(body), ("inputs",), "request", optional=("id", "parameters", "outputs"))
    request_id = body.get("id", ABSENT)
    if request_id is not ABSENT and type(request_id) is not str:
        raise ApiError(422, f"id: expected a string, got {json_type(request_id)}")
    _check_parameters(body.get("parameters", ABSENT), "parameters")
    rows = _read_input(body["inputs"], model)
    wanted = _requested_outputs(body.get("outputs", ABSENT))

    labels, probabilities = model.predict(rows)
    record_predictions(labels)
    values = {"label": labels, "probability": probabilities}
    response: dict[str, Any] = {"model_name": MODEL_NAME, "model_version": model.version}
    if request_id is not ABSENT:
        response["id"] = request_id
    response["outputs"] = [
        {"name": name, "datatype": OUTPUTS[name], "shape": [len(labels)], "data": values[name]}
        for name in wanted
    ]
    return response


def _check_parameters(parameters: Any, where: str) -> None:
    """$parameters: an object of string, number or boolean values. None of ours change the answer."""
    if parameters is ABSENT:
        return
    if type(parameters) is not dict:
        raise ApiError(422, f"{where}: expected an object, got {json_type(parameters)}")
    for key, value in parameters.items():
        if type(value) not in (str, int, float, bool):
            raise ApiError(
                422, f"{where}.{key}: expected a string, number or boolean, got {json_type(value)}"
            )
    if "binary_data_size" in parameters:
        raise ApiError(422, f"{where}: binary tensor data is not supported; send the data as JSON")


def _read_input(inputs: Any, model: Classifier):
    n_features = model.n_features
    if type(inputs) is not list or len(inputs) != 1:
        got = f"{len(inputs)} tensors" if type(inputs) is list else json_type(inputs)
        raise ApiError(422, f"inputs: expected exactly one tensor named {INPUT_NAME!r}, got {got}")
    tensor = inputs[0]
    if type(tensor) is not dict:
        raise ApiError(422, f"inputs[0]: expected a tensor object, got {json_type(tensor)}")
    check_fields(list(tensor), ("name", "shape", "datatype", "data"), "inputs[0]", optional=("parameters",))
    if tensor["name"] != INPUT_NAME:
        raise ApiError(422, f"inputs[0].name: expected {INPUT_NAME!r}, got {shown(tensor['name'])}")
    if tensor["datatype"] not in INPUT_DATATYPES:
        raise ApiError(422, f"inputs[0].datatype: expected one of {', '.join(INPUT_DATATYPES)}, "
                            f"got {shown(tensor['datatype'])}")
    _check_parameters(tensor.get("parameters", ABSENT), "inputs[0].parameters")

    shape = tensor["shape"]
    max_rows = current_app.config["MAX_BATCH_ROWS"]
    if (
        type(shape) is not list
        or len(shape) != 2
        or any(type(size) is not int for size in shape)
        or shape[1] != n_features
        or shape[0] < 1
    ):
        raise ApiError(422, f"inputs[0].shape: expected [N, {n_features}] with N >= 1, got {shown(shape)}")
    n_rows = shape[0]
    if n_rows > max_rows:
        raise ApiError(
            422, f"inputs[0].shape: {n_rows} rows is more than the limit of {max_rows} per request"
        )

    data = tensor["data"]
    if type(data) is not list:
        raise ApiError(422, f"inputs[0].data: expected an array, got {json_type(data)}")
    if data and type(data[0]) is list:  # nested: [[v, s, c, e], ...] must match the shape exactly
        if len(data) != n_rows or any(type(row) is not list or len(row) != n_features for row in data):
            raise ApiError(422, f"inputs[0].data: nested data does not match shape {shape}")
        flat = [value for row in data for value in row]
    else:
        flat = data
        if len(flat) != n_rows * n_features:
            raise ApiError(422, f"inputs[0].data: {len(flat)} values do not fill shape {shape} "
                                f"({n_rows * n_features} expected)")
    numbers = [check_number(value, f"inputs[0].data[{i}]") for i, value in enumerate(flat)]
    return as_matrix(numbers).reshape(n_rows, n_features)


def _requested_outputs(outputs: Any) -> list[str]:
    if outputs is ABSENT:
        return list(OUTPUTS)
    if type(outputs) is not list:
        raise ApiError(422, f"outputs: expected an array, got {json_type(outputs)}")
    names = []
    for i, output in enumerate(outputs):
        if type(output) is not dict or type(output.get("name")) is not str:
            raise ApiError(422, f"outputs[{i}]: expected an object with a name")
        check_fields(list(output), ("name",), f"outputs[{i}]", optional=("parameters",))
        if output["name"] not in OUTPUTS:
            raise ApiError(
                422, f"outputs[{i}].name: expected one of {', '.join(OUTPUTS)}, got {shown(output['name'])}"
            )
        _check_parameters(output.get("parameters", ABSENT), f"outputs[{i}].parameters")
        if output["name"] not in names:
            names.append(output["name"])
    return names or list(OUTPUTS)
